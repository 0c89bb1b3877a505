// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: a hostile frontend's ring slot (and indirect pages)
 * through the whole protocol layer, as the daemon drives it: fetch,
 * indirect parsing, validation, response. Whatever the input, this must
 * finish without a crash or a sanitizer report, and what validation
 * accepts must really be servable (checked below, abort otherwise).
 *
 * Input: [abi][req idx, 4][disk sectors, 8][sector size][read-only]
 *        [max indirect segments, 2][features] = 18 bytes, then one ring
 *        slot (108 or 112 bytes; short input is zero-filled), then the
 *        indirect pages, 4096 bytes each (the last may be short).
 *
 * Built and run for a bounded time by "make blkback-fuzz" (needs clang
 * with libFuzzer): BLKBACK_FUZZ_SECONDS=60 by default.
 */
#include <stdlib.h>
#include <string.h>

#include "blkif_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEADER_BYTES 18
#define RING_SLOTS 4

/* 32 KiB: static rather than on libFuzzer's stack. */
static struct blkif_req req;

static uint64_t take(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	memcpy(&v, p, n);	/* little-endian host, as the library */
	return v;
}

static void read_limits(const uint8_t *h, struct blkif_disk_limits *lim)
{
	lim->sectors = take(h + 5, 8);
	/* Mostly a valid size; sometimes nonsense, to be refused. */
	if (h[13] & 0x80)
		lim->sector_size = h[13] * 64u;
	else
		lim->sector_size = h[13] & 1 ? 4096 : 512;
	lim->read_only = h[14] & 1;
	lim->max_indirect_segments = (unsigned)take(h + 15, 2);
	lim->features = h[17];
}

static bool writes_disk(const struct blkif_req *r)
{
	switch (r->operation) {
	case BLKIF_OP_READ:
		return false;
	case BLKIF_OP_FLUSH_DISKCACHE:
		return r->nr_segments > 0;
	case BLKIF_OP_INDIRECT:
		return r->indirect_op != BLKIF_OP_READ;
	}
	return true;
}

/* What an accepted request promises the I/O code. */
static void check_accepted(const struct blkif_req *r,
			   const struct blkif_disk_limits *lim)
{
	uint64_t sectors = blkif_req_sectors(r);
	unsigned per_block = lim->sector_size / 512;

	if (r->operation > BLKIF_OP_INDIRECT ||
	    r->operation == BLKIF_OP_RESERVED_1)
		abort();
	if (lim->read_only && writes_disk(r))
		abort();
	if (r->operation == BLKIF_OP_INDIRECT &&
	    (!(lim->features & BLKIF_FEAT_INDIRECT) ||
	     r->nr_segments > lim->max_indirect_segments ||
	     r->nr_indirect_pages > BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST))
		abort();
	if (r->operation != BLKIF_OP_INDIRECT &&
	    r->operation != BLKIF_OP_DISCARD &&
	    r->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		abort();
	if (r->operation != BLKIF_OP_DISCARD) {
		for (unsigned i = 0; i < r->nr_segments; i++) {
			const struct blkif_seg *s = &r->seg[i];

			if (s->first_sect > s->last_sect || s->last_sect > 7 ||
			    s->first_sect % per_block ||
			    (s->last_sect + 1u) % per_block)
				abort();
		}
		if (r->nr_segments == 0)
			return;
	}
	if (r->sector_number > lim->sectors ||
	    sectors > lim->sectors - r->sector_number ||
	    r->sector_number % per_block || sectors % per_block ||
	    sectors == 0)
		abort();
}

/* The response slot holds the response and zeros; the rest is as was. */
static void check_response(const uint8_t *ring, size_t entry, RING_IDX idx,
			   uint64_t id, uint8_t op, int16_t status)
{
	size_t start = (idx % RING_SLOTS) * entry;
	const uint8_t *s = ring + start;

	if (take(s, 8) != id || s[8] != op || s[9] ||
	    (int16_t)take(s + 10, 2) != status)
		abort();
	for (size_t b = 12; b < entry; b++)
		if (s[b])
			abort();
	for (size_t b = 0; b < RING_SLOTS * entry; b++) {
		bool in_slot = b >= start && b < start + entry;

		if (!in_slot && ring[b] != 0xAA)
			abort();
	}
}

/* Every page the input has, even past what the request claims. */
static void parse_pages(const uint8_t *data, size_t size,
			const struct blkif_disk_limits *lim)
{
	struct blkif_problem why;

	for (unsigned p = 0; p <= BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST && size;
	     p++) {
		size_t len = size < BLKIF_PAGE_SIZE ? size : BLKIF_PAGE_SIZE;
		uint8_t *page = malloc(len);	/* exact: ASan sees overruns */

		memcpy(page, data, len);
		blkif_parse_indirect(&req, p, page, len,
				     lim->max_indirect_segments, &why);
		free(page);
		data += len;
		size -= len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct blkif_disk_limits lim;
	struct blkif_problem why;
	enum blkif_abi abi;
	size_t entry, n;
	uint8_t *ring;
	RING_IDX idx;
	char text[160];

	if (size < HEADER_BYTES)
		return 0;
	abi = (enum blkif_abi)(data[0] % 4);	/* 3 is no ABI */
	idx = (RING_IDX)take(data + 1, 4);
	read_limits(data, &lim);
	data += HEADER_BYTES;
	size -= HEADER_BYTES;

	entry = blkif_entry_size(abi);
	if (!entry) {
		uint8_t dummy[BLKIF_X86_64_ENTRY_SIZE] = { 0 };

		if (blkif_fetch(dummy, 1, idx, abi, &req) != -1 ||
		    blkif_put_response(dummy, 1, idx, abi, 0, 0, 0) != -1)
			abort();
		return 0;
	}

	/* The shared ring, sized exactly, the slot at idx from the input. */
	ring = malloc(RING_SLOTS * entry);
	memset(ring, 0x5A, RING_SLOTS * entry);
	n = size < entry ? size : entry;
	memset(ring + (idx % RING_SLOTS) * entry, 0, entry);
	memcpy(ring + (idx % RING_SLOTS) * entry, data, n);
	data += n;
	size -= n;

	if (blkif_fetch(ring, RING_SLOTS, idx, abi, &req))
		abort();
	blkif_validate_header(&req, &lim, &why);
	parse_pages(data, size, &lim);
	if (blkif_validate(&req, &lim, &why) == 0)
		check_accepted(&req, &lim);
	blkif_problem_format(&why, text, sizeof(text));
	blkif_refusal_name(why.kind);
	blkif_req_sectors(&req);

	/* The response goes to a ring of its own, to see what it touched. */
	memset(ring, 0xAA, RING_SLOTS * entry);
	if (blkif_put_response(ring, RING_SLOTS, idx, abi, req.id,
			       req.operation, why.status))
		abort();
	check_response(ring, entry, idx, req.id, req.operation, why.status);
	blkif_ring_req_prod_sane(idx, (RING_IDX)lim.sectors,
				 (RING_IDX)(lim.sectors >> 32), RING_SLOTS);
	free(ring);
	return 0;
}
