// SPDX-License-Identifier: GPL-2.0-or-later
#include "blkif_proto.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <xen/io/protocols.h>

/*
 * Fields are read from the private copy in host byte order. The x86 ABIs
 * are little-endian, and so is every host Xen runs on (x86, Arm).
 */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "blkif_proto reads ring slots in host byte order: little-endian only"
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))

/*
 * The x86 layouts, written out because xen/io/blkif.h only describes the
 * host's own. Each follows the header's field list with the alignment
 * rules of its ABI; the explicit pads are where the compiler of that ABI
 * puts padding, and every struct is packed so that our compiler adds none
 * of its own. A segment (uint32_t gref, two uint8_t) is 8 bytes in both:
 * its alignment is 4 either way.
 *
 * x86_32: i386 aligns uint64_t to 4 bytes only, so id follows the 4 bytes
 * of operation/nr_segments/handle directly.
 *   rw:       op 0, nr_segments 1, handle 2, id 4, sector_number 12,
 *             seg 20 + 11 * 8 = 108
 *   discard:  op 0, flag 1, handle 2, id 4, sector_number 12,
 *             nr_sectors 20, end 28
 *   indirect: op 0, indirect_op 1, nr_segments 2, id 4, sector_number 12,
 *             handle 20, pad to 4 (22), indirect_grefs 24 + 8 * 4 = 56,
 *             then the header's i386-only uint64_t pad: 64
 *   response: id 0, operation 8, pad, status 10, size 12
 *   entry = union of request and response = 108 (the rw request).
 *
 * x86_64: uint64_t is 8-aligned, so 4 bytes of padding precede id.
 *   rw:       op 0, nr_segments 1, handle 2, pad 4, id 8,
 *             sector_number 16, seg 24 + 11 * 8 = 112
 *   discard:  op 0, flag 1, handle 2, pad 4, id 8, sector_number 16,
 *             nr_sectors 24, end 32
 *   indirect: op 0, indirect_op 1, nr_segments 2, pad 4, id 8,
 *             sector_number 16, handle 24, pad to 4 (26),
 *             indirect_grefs 28 + 32 = 60, tail pad to 8: 64
 *   response: id 0, operation 8, pad, status 10, tail pad to 8: 16
 *   entry = 112.
 *
 * Linux's xen-blkback (drivers/block/xen-blkback/common.h) and QEMU's
 * hw/block/xen_blkif.h have the same offsets. One page holds
 * (4096 - 64) / 108 = 37 or 4032 / 112 = 36 entries, rounded down to 32
 * in both.
 */
struct x86_32_rw {
	uint8_t operation;
	uint8_t nr_segments;
	uint16_t handle;
	uint64_t id;
	uint64_t sector_number;
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
} __attribute__((packed));

struct x86_32_discard {
	uint8_t operation;
	uint8_t flag;
	uint16_t handle;
	uint64_t id;
	uint64_t sector_number;
	uint64_t nr_sectors;
} __attribute__((packed));

struct x86_32_indirect {
	uint8_t operation;
	uint8_t indirect_op;
	uint16_t nr_segments;
	uint64_t id;
	uint64_t sector_number;
	uint16_t handle;
	uint16_t pad1;
	grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	uint64_t pad2;
} __attribute__((packed));

struct x86_32_response {
	uint64_t id;
	uint8_t operation;
	uint8_t pad;
	int16_t status;
} __attribute__((packed));

union x86_32_entry {
	struct x86_32_rw rw;
	struct x86_32_discard discard;
	struct x86_32_indirect indirect;
	struct x86_32_response rsp;
};

struct x86_64_rw {
	uint8_t operation;
	uint8_t nr_segments;
	uint16_t handle;
	uint32_t pad;
	uint64_t id;
	uint64_t sector_number;
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
} __attribute__((packed));

struct x86_64_discard {
	uint8_t operation;
	uint8_t flag;
	uint16_t handle;
	uint32_t pad;
	uint64_t id;
	uint64_t sector_number;
	uint64_t nr_sectors;
} __attribute__((packed));

struct x86_64_indirect {
	uint8_t operation;
	uint8_t indirect_op;
	uint16_t nr_segments;
	uint32_t pad1;
	uint64_t id;
	uint64_t sector_number;
	uint16_t handle;
	uint16_t pad2;
	grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	uint32_t pad3;
} __attribute__((packed));

struct x86_64_response {
	uint64_t id;
	uint8_t operation;
	uint8_t pad1;
	int16_t status;
	uint32_t pad2;
} __attribute__((packed));

union x86_64_entry {
	struct x86_64_rw rw;
	struct x86_64_discard discard;
	struct x86_64_indirect indirect;
	struct x86_64_response rsp;
};

#define CHECK_OFFSET(type, field, off) \
	_Static_assert(offsetof(type, field) == (off), #type "." #field)

_Static_assert(sizeof(struct blkif_request_segment) == 8, "segment size");
CHECK_OFFSET(struct blkif_request_segment, first_sect, 4);
CHECK_OFFSET(struct blkif_request_segment, last_sect, 5);
_Static_assert(BLKIF_SEGS_PER_INDIRECT_PAGE ==
	       BLKIF_PAGE_SIZE / sizeof(struct blkif_request_segment),
	       "segments per indirect page");
_Static_assert(offsetof(struct blkif_sring, ring) == BLKIF_SRING_HEADER_SIZE,
	       "shared ring header");

CHECK_OFFSET(struct x86_32_rw, id, 4);
CHECK_OFFSET(struct x86_32_rw, sector_number, 12);
CHECK_OFFSET(struct x86_32_rw, seg, 20);
_Static_assert(sizeof(struct x86_32_rw) == 108, "x86_32 request");
CHECK_OFFSET(struct x86_32_discard, nr_sectors, 20);
_Static_assert(sizeof(struct x86_32_discard) == 28, "x86_32 discard");
CHECK_OFFSET(struct x86_32_indirect, handle, 20);
CHECK_OFFSET(struct x86_32_indirect, indirect_grefs, 24);
_Static_assert(sizeof(struct x86_32_indirect) == 64, "x86_32 indirect");
_Static_assert(sizeof(struct x86_32_response) == 12, "x86_32 response");
_Static_assert(sizeof(union x86_32_entry) == BLKIF_X86_32_ENTRY_SIZE,
	       "x86_32 entry");

CHECK_OFFSET(struct x86_64_rw, id, 8);
CHECK_OFFSET(struct x86_64_rw, sector_number, 16);
CHECK_OFFSET(struct x86_64_rw, seg, 24);
_Static_assert(sizeof(struct x86_64_rw) == 112, "x86_64 request");
CHECK_OFFSET(struct x86_64_discard, nr_sectors, 24);
_Static_assert(sizeof(struct x86_64_discard) == 32, "x86_64 discard");
CHECK_OFFSET(struct x86_64_indirect, handle, 24);
CHECK_OFFSET(struct x86_64_indirect, indirect_grefs, 28);
_Static_assert(sizeof(struct x86_64_indirect) == 64, "x86_64 indirect");
_Static_assert(sizeof(struct x86_64_response) == 16, "x86_64 response");
_Static_assert(sizeof(union x86_64_entry) == BLKIF_X86_64_ENTRY_SIZE,
	       "x86_64 entry");

/*
 * The native layout is the header's. On an x86_64 host it must be the
 * x86_64 one above: a check of our derivation against the compiler's.
 */
_Static_assert(sizeof(struct blkif_request_discard) <=
	       sizeof(union blkif_sring_entry), "native discard fits a slot");
_Static_assert(sizeof(struct blkif_request_indirect) <=
	       sizeof(union blkif_sring_entry), "native indirect fits a slot");
#ifdef __x86_64__
_Static_assert(sizeof(union blkif_sring_entry) == BLKIF_X86_64_ENTRY_SIZE,
	       "native entry is x86_64 on x86_64");
CHECK_OFFSET(struct blkif_request_indirect, indirect_grefs, 28);
#endif

/*
 * Where the fields are in one ABI's slot. What every request kind keeps
 * at the same place in every ABI (operation at 0; nr_segments, flag or
 * indirect_op at 1; handle or the indirect nr_segments at 2) and the
 * response (id 0, operation 8, status 10) are checked below and used as
 * constants.
 */
struct blkif_layout {
	size_t entry;		/* bytes per slot */
	size_t id;		/* the same in every request kind */
	size_t sector;		/* likewise */
	size_t seg;		/* rw: the first segment */
	size_t nr_sectors;	/* discard */
	size_t ind_handle;	/* indirect */
	size_t ind_grefs;	/* indirect */
};

#define LAYOUT(entry_t, rw_t, discard_t, indirect_t) {			\
	.entry = sizeof(entry_t),					\
	.id = offsetof(rw_t, id),					\
	.sector = offsetof(rw_t, sector_number),			\
	.seg = offsetof(rw_t, seg),					\
	.nr_sectors = offsetof(discard_t, nr_sectors),			\
	.ind_handle = offsetof(indirect_t, handle),			\
	.ind_grefs = offsetof(indirect_t, indirect_grefs),		\
}

static const struct blkif_layout layouts[] = {
	[BLKIF_ABI_NATIVE] = LAYOUT(union blkif_sring_entry,
		struct blkif_request, struct blkif_request_discard,
		struct blkif_request_indirect),
	[BLKIF_ABI_X86_32] = LAYOUT(union x86_32_entry, struct x86_32_rw,
		struct x86_32_discard, struct x86_32_indirect),
	[BLKIF_ABI_X86_64] = LAYOUT(union x86_64_entry, struct x86_64_rw,
		struct x86_64_discard, struct x86_64_indirect),
};

#define SAME_IN_ALL(native_t, x86_32_t, x86_64_t, field, off)		\
	CHECK_OFFSET(native_t, field, off);				\
	CHECK_OFFSET(x86_32_t, field, off);				\
	CHECK_OFFSET(x86_64_t, field, off)

SAME_IN_ALL(struct blkif_request, struct x86_32_rw, struct x86_64_rw,
	    nr_segments, 1);
SAME_IN_ALL(struct blkif_request, struct x86_32_rw, struct x86_64_rw,
	    handle, 2);
SAME_IN_ALL(struct blkif_request_discard, struct x86_32_discard,
	    struct x86_64_discard, flag, 1);
SAME_IN_ALL(struct blkif_request_indirect, struct x86_32_indirect,
	    struct x86_64_indirect, indirect_op, 1);
SAME_IN_ALL(struct blkif_request_indirect, struct x86_32_indirect,
	    struct x86_64_indirect, nr_segments, 2);

#define RSP_ID 0
#define RSP_OPERATION 8
#define RSP_STATUS 10
SAME_IN_ALL(struct blkif_response, struct x86_32_response,
	    struct x86_64_response, id, RSP_ID);
SAME_IN_ALL(struct blkif_response, struct x86_32_response,
	    struct x86_64_response, operation, RSP_OPERATION);
SAME_IN_ALL(struct blkif_response, struct x86_32_response,
	    struct x86_64_response, status, RSP_STATUS);

/* id and sector_number sit at one place per ABI, whatever the kind. */
CHECK_OFFSET(struct blkif_request_discard, id,
	     offsetof(struct blkif_request, id));
CHECK_OFFSET(struct blkif_request_indirect, id,
	     offsetof(struct blkif_request, id));
CHECK_OFFSET(struct blkif_request_discard, sector_number,
	     offsetof(struct blkif_request, sector_number));
CHECK_OFFSET(struct blkif_request_indirect, sector_number,
	     offsetof(struct blkif_request, sector_number));
CHECK_OFFSET(struct x86_32_discard, id, 4);
CHECK_OFFSET(struct x86_32_indirect, id, 4);
CHECK_OFFSET(struct x86_32_discard, sector_number, 12);
CHECK_OFFSET(struct x86_32_indirect, sector_number, 12);
CHECK_OFFSET(struct x86_64_discard, id, 8);
CHECK_OFFSET(struct x86_64_indirect, id, 8);
CHECK_OFFSET(struct x86_64_discard, sector_number, 16);
CHECK_OFFSET(struct x86_64_indirect, sector_number, 16);

/* Room for one slot of any ABI. */
union any_entry {
	union blkif_sring_entry native;
	union x86_32_entry x86_32;
	union x86_64_entry x86_64;
};

static const struct blkif_layout *layout_of(enum blkif_abi abi)
{
	if ((unsigned)abi >= ARRAY_SIZE(layouts))
		return NULL;
	return &layouts[abi];
}

/* The ring macros index with & (size - 1): only powers of two work. */
static bool ring_size_ok(unsigned ring_size)
{
	return ring_size && !(ring_size & (ring_size - 1));
}

int blkif_abi_from_protocol(const char *protocol, enum blkif_abi *out)
{
	/*
	 * No node means native, as xen/io/blkif.h documents. (Linux's
	 * blkback assumes x86_32 there instead, for 32-bit guests older
	 * than the node; xen-blkfront always writes it, so the two only
	 * differ for such guests.) Native is tried first so that a
	 * frontend of our own architecture gets the header's layout.
	 */
	if (!protocol || !*protocol ||
	    strcmp(protocol, XEN_IO_PROTO_ABI_NATIVE) == 0)
		*out = BLKIF_ABI_NATIVE;
	else if (strcmp(protocol, XEN_IO_PROTO_ABI_X86_32) == 0)
		*out = BLKIF_ABI_X86_32;
	else if (strcmp(protocol, XEN_IO_PROTO_ABI_X86_64) == 0)
		*out = BLKIF_ABI_X86_64;
	else
		return -1;
	return 0;
}

const char *blkif_abi_name(enum blkif_abi abi)
{
	switch (abi) {
	case BLKIF_ABI_NATIVE:
		return "native";
	case BLKIF_ABI_X86_32:
		return XEN_IO_PROTO_ABI_X86_32;
	case BLKIF_ABI_X86_64:
		return XEN_IO_PROTO_ABI_X86_64;
	}
	return "?";
}

size_t blkif_entry_size(enum blkif_abi abi)
{
	const struct blkif_layout *l = layout_of(abi);

	return l ? l->entry : 0;
}

unsigned blkif_ring_size(enum blkif_abi abi, unsigned nr_pages)
{
	size_t entry = blkif_entry_size(abi);
	uint64_t n;

	/* Far beyond any ring-page-order; keeps n inside a RING_IDX. */
	if (!entry || nr_pages == 0 || nr_pages > (1u << 16))
		return 0;
	n = ((uint64_t)nr_pages * BLKIF_PAGE_SIZE - BLKIF_SRING_HEADER_SIZE) /
	    entry;
	while (n & (n - 1))
		n &= n - 1;	/* down to the highest power of two */
	return (unsigned)n;
}

static uint16_t get16(const uint8_t *slot, size_t off)
{
	uint16_t v;

	memcpy(&v, slot + off, sizeof(v));
	return v;
}

static uint32_t get32(const uint8_t *slot, size_t off)
{
	uint32_t v;

	memcpy(&v, slot + off, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *slot, size_t off)
{
	uint64_t v;

	memcpy(&v, slot + off, sizeof(v));
	return v;
}

/* A struct blkif_request_segment, wherever it is: ring slot or page. */
static struct blkif_seg get_seg(const uint8_t *p)
{
	return (struct blkif_seg){
		.gref = get32(p, offsetof(struct blkif_request_segment, gref)),
		.first_sect = p[offsetof(struct blkif_request_segment,
					 first_sect)],
		.last_sect = p[offsetof(struct blkif_request_segment,
					last_sect)],
	};
}

/*
 * XSA-155: the frontend may rewrite its slot while we look at it, so the
 * slot is read once, by this memcpy, into memory only we can see, and all
 * decoding and checking reads that copy. memcpy itself may load a byte
 * twice (overlapping tail loads), but every byte of the copy then holds
 * one value that nothing re-reads from the ring. The empty asm, which
 * may read priv and clobbers memory, stops the compiler from dropping the
 * copy and reading the shared slot in its place later, which it could do
 * otherwise because it assumes that memory does not change under it.
 */
static void copy_slot_once(void *priv, const void *shared, size_t len)
{
	memcpy(priv, shared, len);
	__asm__ __volatile__("" : : "r"(priv) : "memory");
}

static void decode_rw(const uint8_t *s, const struct blkif_layout *l,
		      struct blkif_req *r)
{
	unsigned n;

	r->nr_segments = s[offsetof(struct blkif_request, nr_segments)];
	r->handle = get16(s, offsetof(struct blkif_request, handle));
	r->sector_number = get64(s, l->sector);
	/* The count is the frontend's; the slot has room for 11. */
	n = r->nr_segments;
	if (n > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		n = BLKIF_MAX_SEGMENTS_PER_REQUEST;
	for (unsigned i = 0; i < n; i++)
		r->seg[i] = get_seg(s + l->seg +
				    i * sizeof(struct blkif_request_segment));
}

static void decode_discard(const uint8_t *s, const struct blkif_layout *l,
			   struct blkif_req *r)
{
	r->discard_flag = s[offsetof(struct blkif_request_discard, flag)];
	r->handle = get16(s, offsetof(struct blkif_request_discard, handle));
	r->sector_number = get64(s, l->sector);
	r->nr_sectors = get64(s, l->nr_sectors);
}

static void decode_indirect(const uint8_t *s, const struct blkif_layout *l,
			    struct blkif_req *r)
{
	r->indirect_op = s[offsetof(struct blkif_request_indirect,
				    indirect_op)];
	r->nr_segments = get16(s, offsetof(struct blkif_request_indirect,
					   nr_segments));
	r->sector_number = get64(s, l->sector);
	r->handle = get16(s, l->ind_handle);
	r->nr_indirect_pages = DIV_ROUND_UP(r->nr_segments,
					    BLKIF_SEGS_PER_INDIRECT_PAGE);
	/* All eight are in the (private) slot; unused ones are ignored. */
	for (unsigned i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
		r->indirect_grefs[i] = get32(s, l->ind_grefs +
					     i * sizeof(grant_ref_t));
}

int blkif_fetch(const void *ring_entries, unsigned ring_size, RING_IDX idx,
		enum blkif_abi abi, struct blkif_req *out)
{
	const struct blkif_layout *l = layout_of(abi);
	uint8_t slot[sizeof(union any_entry)];

	if (!l || !ring_size_ok(ring_size))
		return -1;
	copy_slot_once(slot, (const uint8_t *)ring_entries +
		       (size_t)(idx % ring_size) * l->entry, l->entry);

	/* seg[] is left alone: only the first nr_segments are ever read. */
	memset(out, 0, offsetof(struct blkif_req, seg));
	out->operation = slot[0];
	/* Every kind has id in the same place: even an unknown operation
	 * can be answered. */
	out->id = get64(slot, l->id);
	switch (out->operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
	case BLKIF_OP_WRITE_BARRIER:
	case BLKIF_OP_FLUSH_DISKCACHE:
		decode_rw(slot, l, out);
		break;
	case BLKIF_OP_DISCARD:
		decode_discard(slot, l, out);
		break;
	case BLKIF_OP_INDIRECT:
		decode_indirect(slot, l, out);
		break;
	}
	return 0;
}

const char *blkif_refusal_name(enum blkif_refusal kind)
{
	static const char *const names[] = {
		[BLKIF_ACCEPTED] = "accepted",
		[BLKIF_BAD_LIMITS] = "bad-limits",
		[BLKIF_UNKNOWN_OP] = "unknown-op",
		[BLKIF_UNSUPPORTED_OP] = "unsupported-op",
		[BLKIF_READ_ONLY] = "read-only",
		[BLKIF_BAD_SEGMENT_COUNT] = "bad-segment-count",
		[BLKIF_BAD_SEGMENT] = "bad-segment",
		[BLKIF_MISALIGNED] = "misaligned",
		[BLKIF_OUT_OF_RANGE] = "out-of-range",
		[BLKIF_BAD_INDIRECT] = "bad-indirect",
	};
	_Static_assert(ARRAY_SIZE(names) == BLKIF_NR_REFUSALS, "names");

	if ((unsigned)kind >= ARRAY_SIZE(names))
		return "?";
	return names[kind];
}

int blkif_problem_format(const struct blkif_problem *why, char *buf,
			 size_t len)
{
	char seg[24] = "";

	if (why->kind == BLKIF_ACCEPTED)
		return snprintf(buf, len, "%s", why->reason);
	if (why->seg >= 0)
		snprintf(seg, sizeof(seg), "segment %d: ", why->seg);
	if (why->has_limit)
		return snprintf(buf, len, "%s%s (%" PRIu64 ", limit %" PRIu64
				")", seg, why->reason, why->value, why->limit);
	return snprintf(buf, len, "%s%s (%" PRIu64 ")", seg, why->reason,
			why->value);
}

/*
 * Fills *why and returns -1. An operation we do not know or do not offer
 * is answered EOPNOTSUPP, as the protocol asks (the frontend then stops
 * using the feature); anything else is an error.
 */
static int refuse(struct blkif_problem *why, enum blkif_refusal kind,
		  const char *reason, uint64_t value)
{
	bool unsupported = kind == BLKIF_UNKNOWN_OP ||
			   kind == BLKIF_UNSUPPORTED_OP;

	*why = (struct blkif_problem){
		.kind = kind,
		.reason = reason,
		.seg = -1,
		.value = value,
		.status = unsupported ? BLKIF_RSP_EOPNOTSUPP : BLKIF_RSP_ERROR,
	};
	return -1;
}

static int refuse_over(struct blkif_problem *why, enum blkif_refusal kind,
		       const char *reason, uint64_t value, uint64_t limit)
{
	refuse(why, kind, reason, value);
	why->has_limit = true;
	why->limit = limit;
	return -1;
}

static int accept(struct blkif_problem *why)
{
	*why = (struct blkif_problem){
		.kind = BLKIF_ACCEPTED,
		.reason = "accepted",
		.seg = -1,
		.status = BLKIF_RSP_OKAY,
	};
	return 0;
}

static int check_limits(const struct blkif_disk_limits *lim,
			struct blkif_problem *why)
{
	if (lim->sector_size != 512 && lim->sector_size != 4096)
		return refuse(why, BLKIF_BAD_LIMITS,
			      "logical sector size is not 512 or 4096",
			      lim->sector_size);
	if (lim->max_indirect_segments > BLKIF_REQ_MAX_SEGMENTS)
		return refuse_over(why, BLKIF_BAD_LIMITS,
				   "max_indirect_segments beyond what a request holds",
				   lim->max_indirect_segments,
				   BLKIF_REQ_MAX_SEGMENTS);
	return 0;
}

static int need_feature(const struct blkif_disk_limits *lim, unsigned feat,
			const char *reason, uint8_t op,
			struct blkif_problem *why)
{
	if (lim->features & feat)
		return 0;
	return refuse(why, BLKIF_UNSUPPORTED_OP, reason, op);
}

/* Known, and offered by this disk. */
static int check_operation(const struct blkif_req *r,
			   const struct blkif_disk_limits *lim,
			   struct blkif_problem *why)
{
	switch (r->operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		return 0;
	case BLKIF_OP_WRITE_BARRIER:
		return need_feature(lim, BLKIF_FEAT_BARRIER,
				    "barrier not offered", r->operation, why);
	case BLKIF_OP_FLUSH_DISKCACHE:
		return need_feature(lim, BLKIF_FEAT_FLUSH,
				    "flush not offered", r->operation, why);
	case BLKIF_OP_DISCARD:
		if (need_feature(lim, BLKIF_FEAT_DISCARD,
				 "discard not offered", r->operation, why))
			return -1;
		if (!(r->discard_flag & BLKIF_DISCARD_SECURE))
			return 0;
		return need_feature(lim, BLKIF_FEAT_DISCARD_SECURE,
				    "secure discard not offered",
				    r->discard_flag, why);
	case BLKIF_OP_INDIRECT:
		if (need_feature(lim, BLKIF_FEAT_INDIRECT,
				 "indirect requests not offered",
				 r->operation, why))
			return -1;
		if (r->indirect_op == BLKIF_OP_READ ||
		    r->indirect_op == BLKIF_OP_WRITE)
			return 0;
		return refuse(why, BLKIF_BAD_INDIRECT,
			      "indirect_op is not read or write",
			      r->indirect_op);
	}
	return refuse(why, BLKIF_UNKNOWN_OP, "unknown operation",
		      r->operation);
}

/* Does the request change the disk? A flush carrying data writes it. */
static bool writes_disk(const struct blkif_req *r)
{
	switch (r->operation) {
	case BLKIF_OP_WRITE:
	case BLKIF_OP_WRITE_BARRIER:
	case BLKIF_OP_DISCARD:
		return true;
	case BLKIF_OP_FLUSH_DISKCACHE:
		return r->nr_segments > 0;
	case BLKIF_OP_INDIRECT:
		return r->indirect_op == BLKIF_OP_WRITE;
	}
	return false;
}

static int check_indirect_pages(const struct blkif_req *r,
				struct blkif_problem *why)
{
	unsigned pages = DIV_ROUND_UP(r->nr_segments,
				      BLKIF_SEGS_PER_INDIRECT_PAGE);

	if (r->nr_indirect_pages != pages)
		return refuse_over(why, BLKIF_BAD_INDIRECT,
				   "indirect page count does not match nr_segments",
				   r->nr_indirect_pages, pages);
	if (pages > BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST)
		return refuse_over(why, BLKIF_BAD_INDIRECT,
				   "more indirect pages than a request has",
				   pages, BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);
	return 0;
}

static int check_segment_count(const struct blkif_req *r,
			       const struct blkif_disk_limits *lim,
			       struct blkif_problem *why)
{
	unsigned min = 1, max = BLKIF_MAX_SEGMENTS_PER_REQUEST;

	switch (r->operation) {
	case BLKIF_OP_DISCARD:
		return 0;	/* no segments: byte 1 is the flag */
	case BLKIF_OP_WRITE_BARRIER:
	case BLKIF_OP_FLUSH_DISKCACHE:
		min = 0;	/* a flush or barrier with no data */
		break;
	case BLKIF_OP_INDIRECT:
		if (check_indirect_pages(r, why))
			return -1;
		max = lim->max_indirect_segments;
		break;
	}
	if (r->nr_segments < min)
		return refuse(why, BLKIF_BAD_SEGMENT_COUNT,
			      "request without segments", r->nr_segments);
	if (r->nr_segments > max)
		return refuse_over(why, BLKIF_BAD_SEGMENT_COUNT,
				   "too many segments", r->nr_segments, max);
	return 0;
}

/* Do start and length fit the disk, without overflowing on the way? */
static bool inside_disk(uint64_t start, uint64_t sectors,
			const struct blkif_disk_limits *lim)
{
	return start <= lim->sectors && sectors <= lim->sectors - start;
}

static int check_discard(const struct blkif_req *r,
			 const struct blkif_disk_limits *lim,
			 struct blkif_problem *why)
{
	uint64_t per_block = lim->sector_size / 512;

	/* fallocate() and BLKDISCARD refuse an empty range anyway. */
	if (r->nr_sectors == 0)
		return refuse(why, BLKIF_OUT_OF_RANGE,
			      "discard of no sectors", 0);
	if (r->sector_number % per_block)
		return refuse_over(why, BLKIF_MISALIGNED,
				   "discard start not on a logical sector",
				   r->sector_number, per_block);
	if (r->nr_sectors % per_block)
		return refuse_over(why, BLKIF_MISALIGNED,
				   "discard length not whole logical sectors",
				   r->nr_sectors, per_block);
	if (!inside_disk(r->sector_number, r->nr_sectors, lim))
		return refuse_over(why, BLKIF_OUT_OF_RANGE,
				   "discard runs past the end of the disk",
				   r->sector_number, lim->sectors);
	return 0;
}

/* Does the request move data through segments? */
static bool has_data(const struct blkif_req *r)
{
	return r->operation != BLKIF_OP_DISCARD && r->nr_segments > 0;
}

int blkif_validate_header(const struct blkif_req *r,
			  const struct blkif_disk_limits *lim,
			  struct blkif_problem *why)
{
	struct blkif_problem ignored;
	uint64_t per_block;

	if (!why)
		why = &ignored;
	if (check_limits(lim, why) || check_operation(r, lim, why))
		return -1;
	if (lim->read_only && writes_disk(r))
		return refuse(why, BLKIF_READ_ONLY,
			      "write to a read-only disk", r->operation);
	if (check_segment_count(r, lim, why))
		return -1;
	if (r->operation == BLKIF_OP_DISCARD)
		return check_discard(r, lim, why) ? -1 : accept(why);
	/* O_DIRECT on a 4096-byte disk needs 4096-byte aligned I/O. */
	per_block = lim->sector_size / 512;
	if (has_data(r) && r->sector_number % per_block)
		return refuse_over(why, BLKIF_MISALIGNED,
				   "start not on a logical sector",
				   r->sector_number, per_block);
	return accept(why);
}

/* Every page of an indirect request must have been parsed. */
static int check_parsed(const struct blkif_req *r, struct blkif_problem *why)
{
	for (unsigned p = 0; p < r->nr_indirect_pages; p++)
		if (!(r->indirect_parsed & (1u << p)))
			return refuse(why, BLKIF_BAD_INDIRECT,
				      "indirect page not parsed", p);
	return 0;
}

static int check_segment(const struct blkif_seg *s, unsigned per_block,
			 struct blkif_problem *why)
{
	const unsigned last_in_page = BLKIF_PAGE_SIZE / 512 - 1;

	if (s->last_sect > last_in_page)
		return refuse_over(why, BLKIF_BAD_SEGMENT,
				   "last_sect past the 4 KiB page",
				   s->last_sect, last_in_page);
	if (s->first_sect > s->last_sect)
		return refuse_over(why, BLKIF_BAD_SEGMENT,
				   "first_sect after last_sect",
				   s->first_sect, s->last_sect);
	if (s->first_sect % per_block)
		return refuse_over(why, BLKIF_MISALIGNED,
				   "first_sect not on a logical sector",
				   s->first_sect, per_block);
	if ((s->last_sect + 1u) % per_block)
		return refuse_over(why, BLKIF_MISALIGNED,
				   "segment not whole logical sectors",
				   s->last_sect, per_block);
	return 0;
}

static uint64_t segment_sectors(const struct blkif_req *r, unsigned n)
{
	uint64_t sectors = 0;

	for (unsigned i = 0; i < n; i++)
		sectors += r->seg[i].last_sect - r->seg[i].first_sect + 1u;
	return sectors;
}

int blkif_validate(const struct blkif_req *r,
		   const struct blkif_disk_limits *lim,
		   struct blkif_problem *why)
{
	struct blkif_problem ignored;
	unsigned per_block;
	uint64_t sectors;

	if (!why)
		why = &ignored;
	if (blkif_validate_header(r, lim, why))
		return -1;
	if (!has_data(r))
		return 0;	/* discard, or flush/barrier without data */
	if (r->operation == BLKIF_OP_INDIRECT && check_parsed(r, why))
		return -1;
	/*
	 * nr_segments is now within 11, or within max_indirect_segments
	 * and all parsed: seg[0..nr_segments) all come from the frontend.
	 */
	per_block = lim->sector_size / 512;
	for (unsigned i = 0; i < r->nr_segments; i++) {
		if (check_segment(&r->seg[i], per_block, why)) {
			why->seg = (int)i;
			return -1;
		}
	}
	/* At most 4096 segments of 8 sectors: no overflow in the sum. */
	sectors = segment_sectors(r, r->nr_segments);
	if (!inside_disk(r->sector_number, sectors, lim))
		return refuse_over(why, BLKIF_OUT_OF_RANGE,
				   "data runs past the end of the disk",
				   r->sector_number, lim->sectors);
	return accept(why);
}

int blkif_parse_indirect(struct blkif_req *r, unsigned page,
			 const void *bytes, size_t len,
			 unsigned max_indirect_segments,
			 struct blkif_problem *why)
{
	const size_t seg_size = sizeof(struct blkif_request_segment);
	const uint8_t *b = bytes;
	struct blkif_problem ignored;
	unsigned first, n;

	if (!why)
		why = &ignored;
	if (r->operation != BLKIF_OP_INDIRECT)
		return refuse(why, BLKIF_BAD_INDIRECT,
			      "not an indirect request", r->operation);
	if (max_indirect_segments > BLKIF_REQ_MAX_SEGMENTS)
		return refuse_over(why, BLKIF_BAD_LIMITS,
				   "max_indirect_segments beyond what a request holds",
				   max_indirect_segments,
				   BLKIF_REQ_MAX_SEGMENTS);
	if (r->nr_segments == 0 || r->nr_segments > max_indirect_segments)
		return refuse_over(why, BLKIF_BAD_SEGMENT_COUNT,
				   "indirect segment count out of range",
				   r->nr_segments, max_indirect_segments);
	/* From nr_segments, not r->nr_indirect_pages: that one is a field
	 * a caller could have changed; this bounds the writes to seg[]. */
	if (check_indirect_pages(r, why))
		return -1;
	if (page >= r->nr_indirect_pages)
		return refuse_over(why, BLKIF_BAD_INDIRECT,
				   "no such indirect page", page,
				   r->nr_indirect_pages);
	first = page * BLKIF_SEGS_PER_INDIRECT_PAGE;
	n = r->nr_segments - first;
	if (n > BLKIF_SEGS_PER_INDIRECT_PAGE)
		n = BLKIF_SEGS_PER_INDIRECT_PAGE;
	if (len < n * seg_size)
		return refuse_over(why, BLKIF_BAD_INDIRECT,
				   "indirect page shorter than its segments",
				   len, n * seg_size);
	for (unsigned i = 0; i < n; i++)
		r->seg[first + i] = get_seg(b + i * seg_size);
	r->indirect_parsed |= 1u << page;
	return accept(why);
}

uint64_t blkif_req_sectors(const struct blkif_req *r)
{
	unsigned n = r->nr_segments;

	if (r->operation == BLKIF_OP_DISCARD)
		return r->nr_sectors;
	/* Bounded as validation bounds it, should r not have been. */
	if (r->operation != BLKIF_OP_INDIRECT &&
	    n > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		n = BLKIF_MAX_SEGMENTS_PER_REQUEST;
	if (n > BLKIF_REQ_MAX_SEGMENTS)
		n = BLKIF_REQ_MAX_SEGMENTS;
	return segment_sectors(r, n);
}

int blkif_put_response(void *ring_entries, unsigned ring_size,
		       RING_IDX rsp_idx, enum blkif_abi abi, uint64_t id,
		       uint8_t operation, int16_t status)
{
	const struct blkif_layout *l = layout_of(abi);
	uint8_t slot[sizeof(union any_entry)];

	if (!l || !ring_size_ok(ring_size))
		return -1;
	/* The whole slot, not just the response: the request's bytes go. */
	memset(slot, 0, l->entry);
	memcpy(slot + RSP_ID, &id, sizeof(id));
	slot[RSP_OPERATION] = operation;
	memcpy(slot + RSP_STATUS, &status, sizeof(status));
	memcpy((uint8_t *)ring_entries + (size_t)(rsp_idx % ring_size) *
	       l->entry, slot, l->entry);
	return 0;
}

bool blkif_ring_req_prod_sane(RING_IDX req_prod, RING_IDX req_cons,
			      RING_IDX rsp_prod_pvt, unsigned ring_size)
{
	/* RING_IDX is unsigned: the differences are taken modulo 2^32. */
	return (RING_IDX)(req_prod - req_cons) <= ring_size &&
	       (RING_IDX)(req_prod - rsp_prod_pvt) <= ring_size;
}
