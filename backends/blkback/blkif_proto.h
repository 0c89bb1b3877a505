/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The blkif protocol layer of lpar-blkback, with nothing that needs a Xen
 * host: it turns one slot of the shared request ring into a private,
 * normalized request, checks that request against the disk, and writes
 * responses back. The daemon maps the ring and the indirect pages, does
 * the I/O and sends the notifications; everything a hostile frontend can
 * put on the ring goes through here first.
 *
 * A request's life, as the daemon drives it:
 *
 *	rp = sring->req_prod (read once), then a read barrier;
 *	if (!blkif_ring_req_prod_sane(rp, req_cons, rsp_prod_pvt, size))
 *		the ring is broken: stop serving it;
 *	blkif_fetch(entries, size, req_cons++, abi, &req);
 *	blkif_validate_header(&req, &lim, &why);
 *	for an indirect request, per page p < req.nr_indirect_pages:
 *		map req.indirect_grefs[p], copy it once,
 *		blkif_parse_indirect(&req, p, copy, 4096, max, &why);
 *	blkif_validate(&req, &lim, &why);
 *	... the I/O ...
 *	blkif_put_response(entries, size, rsp_prod_pvt++, abi, req.id,
 *			   req.operation, status);
 *
 * A refusal at any step is answered with why.status, never dropped: the
 * frontend waits for every id it sent.
 */
#ifndef BLKIF_PROTO_H
#define BLKIF_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/io/blkif.h>	/* needs <stdint.h> first */

/* The three request/response layouts a frontend can ask for. */
enum blkif_abi {
	BLKIF_ABI_NATIVE,	/* this host's own, as xen/io/blkif.h has it */
	BLKIF_ABI_X86_32,	/* "x86_32-abi": 64-bit fields 4-byte aligned */
	BLKIF_ABI_X86_64,	/* "x86_64-abi" */
};

/*
 * Maps the frontend's "protocol" xenstore node to an ABI. NULL (no node)
 * and "" mean the default, which xen/io/blkif.h says is the native ABI.
 * Returns 0, or -1 for any other string: the daemon then fails the
 * connection rather than guess a layout.
 */
int blkif_abi_from_protocol(const char *protocol, enum blkif_abi *out);

/* "native", "x86_32-abi", "x86_64-abi"; "?" for anything else. */
const char *blkif_abi_name(enum blkif_abi abi);

/* Xen's page, whatever the host's page size: rings and segments use it. */
#define BLKIF_PAGE_SIZE 4096u
/* Ring indexes and event fields before the first entry, in every ABI. */
#define BLKIF_SRING_HEADER_SIZE 64u
/* Bytes per ring entry (a request or a response) in the x86 ABIs. */
#define BLKIF_X86_32_ENTRY_SIZE 108u
#define BLKIF_X86_64_ENTRY_SIZE 112u
/* An indirect page holds this many struct blkif_request_segment. */
#define BLKIF_SEGS_PER_INDIRECT_PAGE 512u
/*
 * The most segments one request can carry: 8 indirect pages of 512. A
 * normalized request has room for this many, so any max_indirect_segments
 * the daemon publishes fits.
 */
#define BLKIF_REQ_MAX_SEGMENTS \
	(BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST * BLKIF_SEGS_PER_INDIRECT_PAGE)

/* Bytes per ring entry for abi; 0 for an unknown abi. */
size_t blkif_entry_size(enum blkif_abi abi);

/*
 * Entries in a ring of nr_pages Xen pages: what is left after the header,
 * rounded down to a power of two as the ring macros do (32 for one page in
 * every ABI). 0 for an unknown abi or no pages.
 */
unsigned blkif_ring_size(enum blkif_abi abi, unsigned nr_pages);

/* One data segment: sectors first_sect..last_sect of granted page gref. */
struct blkif_seg {
	grant_ref_t gref;
	uint8_t first_sect;	/* 512-byte units within the 4 KiB page */
	uint8_t last_sect;	/* inclusive */
};

/*
 * A request in the backend's own memory, the same whatever the ABI. Only
 * the fields of its operation mean anything. Nothing here has been
 * checked: blkif_validate() says whether it may be served.
 */
struct blkif_req {
	uint8_t operation;	/* BLKIF_OP_*, as the slot said */
	uint8_t indirect_op;	/* BLKIF_OP_INDIRECT: the real operation */
	uint8_t discard_flag;	/* BLKIF_OP_DISCARD: BLKIF_DISCARD_SECURE */
	blkif_vdev_t handle;
	/*
	 * As the frontend claimed (at most 255 direct, 65535 indirect), not
	 * how many seg[] hold: a direct slot holds 11 at most, and indirect
	 * segments arrive with blkif_parse_indirect().
	 */
	uint16_t nr_segments;
	uint64_t id;		/* echoed in the response */
	blkif_sector_t sector_number;	/* 512-byte units */
	uint64_t nr_sectors;	/* BLKIF_OP_DISCARD only */
	/* Indirect: ceil(nr_segments / 512), not capped; validated later. */
	unsigned nr_indirect_pages;
	grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	uint8_t indirect_parsed;	/* bit p: page p is in seg[] */
	/* Last, and not cleared by blkif_fetch(): it is 32 KiB. */
	struct blkif_seg seg[BLKIF_REQ_MAX_SEGMENTS];
};

/*
 * Copies ring slot idx % ring_size (ring_entries is the first entry, just
 * after the 64-byte header) into private memory with a single read of the
 * shared bytes, then decodes the copy into *out. The shared slot is never
 * read again, so a frontend rewriting it meanwhile changes nothing
 * (XSA-155). ring_size must be a power of two. Returns 0, or -1 for a bad
 * abi or ring_size (a bug in the caller; *out is untouched).
 */
int blkif_fetch(const void *ring_entries, unsigned ring_size, RING_IDX idx,
		enum blkif_abi abi, struct blkif_req *out);

/* What blkif_validate() refused, by kind: one statistics counter each. */
enum blkif_refusal {
	BLKIF_ACCEPTED,
	BLKIF_BAD_LIMITS,	/* the daemon's limits make no sense */
	BLKIF_UNKNOWN_OP,
	BLKIF_UNSUPPORTED_OP,	/* a feature this disk does not offer */
	BLKIF_READ_ONLY,
	BLKIF_BAD_SEGMENT_COUNT,
	BLKIF_BAD_SEGMENT,
	BLKIF_MISALIGNED,
	BLKIF_OUT_OF_RANGE,
	BLKIF_BAD_INDIRECT,
	BLKIF_NR_REFUSALS
};

/* "accepted", "unknown-op", ...: names for logs and statistics. */
const char *blkif_refusal_name(enum blkif_refusal kind);

/* Why a request was refused; reason is a static string. */
struct blkif_problem {
	enum blkif_refusal kind;
	const char *reason;
	int seg;		/* the segment at fault, or -1 */
	uint64_t value;		/* the number at fault */
	bool has_limit;
	uint64_t limit;		/* what it had to respect */
	int16_t status;		/* BLKIF_RSP_* to answer the request with */
};

/*
 * "segment 3: last_sect past the 4 KiB page (8, limit 7)". Returns what
 * snprintf returns.
 */
int blkif_problem_format(const struct blkif_problem *why, char *buf,
			 size_t len);

/*
 * What the disk offers, as the backend publishes it in xenbus:
 * feature-flush-cache, feature-barrier, feature-discard, discard-secure,
 * feature-max-indirect-segments.
 */
#define BLKIF_FEAT_FLUSH		(1u << 0)
#define BLKIF_FEAT_BARRIER		(1u << 1)
#define BLKIF_FEAT_DISCARD		(1u << 2)
#define BLKIF_FEAT_DISCARD_SECURE	(1u << 3)
#define BLKIF_FEAT_INDIRECT		(1u << 4)

struct blkif_disk_limits {
	uint64_t sectors;		/* disk size in 512-byte units */
	unsigned sector_size;		/* logical: 512 or 4096 */
	bool read_only;
	unsigned max_indirect_segments;	/* <= BLKIF_REQ_MAX_SEGMENTS */
	unsigned features;		/* BLKIF_FEAT_* */
};

/*
 * The checks that need only the ring slot: call it before mapping any
 * indirect page, so that no more than 8 pages (and only for a request that
 * can be served) are ever mapped. Returns 0, or -1 with *why filled.
 */
int blkif_validate_header(const struct blkif_req *r,
			  const struct blkif_disk_limits *lim,
			  struct blkif_problem *why);

/*
 * Everything: the header checks, then every segment, then that the data
 * lies inside the disk. An indirect request must have had all its pages
 * parsed. Returns 0 if the request may be served, or -1 with *why filled.
 */
int blkif_validate(const struct blkif_req *r,
		   const struct blkif_disk_limits *lim,
		   struct blkif_problem *why);

/*
 * Takes the segments of indirect page `page` of r from `bytes`, a private
 * copy of that page (len bytes, normally 4096; the last page may be
 * shorter if the caller copied only its used part). Refuses (-1, *why)
 * unless r is an indirect request of 1..max_indirect_segments segments,
 * page is one of its pages and len covers that page's segments; it then
 * reads nothing from bytes and changes nothing in r.
 */
int blkif_parse_indirect(struct blkif_req *r, unsigned page,
			 const void *bytes, size_t len,
			 unsigned max_indirect_segments,
			 struct blkif_problem *why);

/*
 * Sectors (512-byte units) the request moves: the sum of its segments, or
 * the discard length. Only meaningful once blkif_validate() accepted r.
 */
uint64_t blkif_req_sectors(const struct blkif_req *r);

/*
 * Writes a response into slot rsp_idx % ring_size: the whole slot is
 * built in private memory, zeroed and filled, then copied in one go, so
 * nothing of the request that was there (or of our stack) is left for
 * the frontend to see. Returns 0, or -1 for a bad abi or ring_size.
 */
int blkif_put_response(void *ring_entries, unsigned ring_size,
		       RING_IDX rsp_idx, enum blkif_abi abi, uint64_t id,
		       uint8_t operation, int16_t status);

/*
 * Is req_prod, as read once from the shared ring, one an honest frontend
 * could have written? It may be at most ring_size ahead of what we have
 * consumed and of what we have answered (unsigned, so wrap-around is
 * fine). If not, the caller treats the ring as broken and stops serving
 * it: a hostile frontend can write anything there.
 */
bool blkif_ring_req_prod_sane(RING_IDX req_prod, RING_IDX req_cons,
			      RING_IDX rsp_prod_pvt, unsigned ring_size);

#endif
