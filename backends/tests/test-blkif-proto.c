// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The blkif protocol layer against rings built in memory. The x86 slots
 * are written at byte offsets worked out by hand from xen/io/blkif.h's
 * field list (see blkif_proto.c), not through the library's own structs,
 * so that a wrong layout there fails here.
 *
 * That blkif_fetch() reads each shared byte only once (XSA-155) cannot be
 * observed from a test: see copy_slot_once() in blkif_proto.c for how it
 * is ensured. "private copy" checks only the visible half, that writes to
 * the slot after the fetch change nothing.
 */
#include <stdlib.h>
#include <string.h>

#include <xen/io/protocols.h>

#include "blkif_proto.h"
#include "../../tests/cunit_runner.h"

/* Where one ABI keeps each field of a request slot. */
struct wire {
	enum blkif_abi abi;
	size_t entry, id, sector, seg, nr_sectors, ind_handle, ind_grefs;
};

static const struct wire wire_x86_32 = {
	BLKIF_ABI_X86_32, 108, 4, 12, 20, 20, 20, 24,
};
static const struct wire wire_x86_64 = {
	BLKIF_ABI_X86_64, 112, 8, 16, 24, 24, 24, 28,
};
static const struct wire wire_native = {
	BLKIF_ABI_NATIVE, sizeof(union blkif_sring_entry),
	offsetof(struct blkif_request, id),
	offsetof(struct blkif_request, sector_number),
	offsetof(struct blkif_request, seg),
	offsetof(struct blkif_request_discard, nr_sectors),
	offsetof(struct blkif_request_indirect, handle),
	offsetof(struct blkif_request_indirect, indirect_grefs),
};
static const struct wire *const wires[] = {
	&wire_native, &wire_x86_32, &wire_x86_64,
};
#define NR_WIRES (sizeof(wires) / sizeof(wires[0]))

/* 32 KiB each: static, not on the stack. */
static struct blkif_req req;

static void put16(uint8_t *p, size_t off, uint16_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

static void put32(uint8_t *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

static void put64(uint8_t *p, size_t off, uint64_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

static uint16_t peek16(const uint8_t *p, size_t off)
{
	uint16_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static uint64_t peek64(const uint8_t *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

/* A ring of n slots, every byte 0xAA, sized exactly. */
static uint8_t *ring_new(const struct wire *w, unsigned n)
{
	uint8_t *ring = malloc(w->entry * n);

	memset(ring, 0xAA, w->entry * n);
	return ring;
}

static uint8_t *slot_at(uint8_t *ring, const struct wire *w, unsigned i)
{
	return ring + (size_t)i * w->entry;
}

/* A struct blkif_request_segment in a slot or an indirect page. */
static void put_seg(uint8_t *p, uint32_t gref, uint8_t first, uint8_t last)
{
	put32(p, 0, gref);
	p[4] = first;
	p[5] = last;
	p[6] = p[7] = 0;
}

static void write_rw(uint8_t *s, const struct wire *w, uint8_t op,
		     uint8_t nseg, uint64_t id, uint64_t sector)
{
	memset(s, 0, w->entry);
	s[0] = op;
	s[1] = nseg;
	put16(s, 2, 0x0300);
	put64(s, w->id, id);
	put64(s, w->sector, sector);
	for (unsigned i = 0; i < nseg && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
		put_seg(s + w->seg + i * 8, 100 + i, i % 8, 7);
}

static void test_protocol_strings(void)
{
	enum blkif_abi abi = BLKIF_ABI_X86_64;
	bool native_is_32 = !strcmp(XEN_IO_PROTO_ABI_NATIVE,
				    XEN_IO_PROTO_ABI_X86_32);
	bool native_is_64 = !strcmp(XEN_IO_PROTO_ABI_NATIVE,
				    XEN_IO_PROTO_ABI_X86_64);

	CU_ASSERT_EQUAL(blkif_abi_from_protocol(NULL, &abi), 0);
	CU_ASSERT_EQUAL(abi, BLKIF_ABI_NATIVE);
	abi = BLKIF_ABI_X86_64;
	CU_ASSERT_EQUAL(blkif_abi_from_protocol("", &abi), 0);
	CU_ASSERT_EQUAL(abi, BLKIF_ABI_NATIVE);
	abi = BLKIF_ABI_X86_64;
	CU_ASSERT_EQUAL(blkif_abi_from_protocol(XEN_IO_PROTO_ABI_NATIVE, &abi), 0);
	CU_ASSERT_EQUAL(abi, BLKIF_ABI_NATIVE);
	CU_ASSERT_EQUAL(blkif_abi_from_protocol("x86_32-abi", &abi), 0);
	CU_ASSERT_EQUAL(abi, native_is_32 ? BLKIF_ABI_NATIVE : BLKIF_ABI_X86_32);
	CU_ASSERT_EQUAL(blkif_abi_from_protocol("x86_64-abi", &abi), 0);
	CU_ASSERT_EQUAL(abi, native_is_64 ? BLKIF_ABI_NATIVE : BLKIF_ABI_X86_64);
	CU_ASSERT_STRING_EQUAL(blkif_abi_name(BLKIF_ABI_X86_32), "x86_32-abi");
	CU_ASSERT_STRING_EQUAL(blkif_abi_name(BLKIF_ABI_X86_64), "x86_64-abi");
	CU_ASSERT_STRING_EQUAL(blkif_abi_name((enum blkif_abi)9), "?");
}

static void test_protocol_unknown(void)
{
	static const char *const bad[] = {
		"x86_64", "X86_64-ABI", "x86_32-abi ", " x86_32-abi",
		"x86_64-abi\n", "bogus", "native",
	};
	enum blkif_abi abi = BLKIF_ABI_X86_32;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(blkif_abi_from_protocol(bad[i], &abi), -1);
	if (strcmp(XEN_IO_PROTO_ABI_NATIVE, XEN_IO_PROTO_ABI_ARM))
		CU_ASSERT_EQUAL(blkif_abi_from_protocol("arm-abi", &abi), -1);
	CU_ASSERT_EQUAL(abi, BLKIF_ABI_X86_32);	/* untouched */
}

static void test_entry_and_ring_sizes(void)
{
	CU_ASSERT_EQUAL(blkif_entry_size(BLKIF_ABI_X86_32), 108);
	CU_ASSERT_EQUAL(blkif_entry_size(BLKIF_ABI_X86_64), 112);
	CU_ASSERT_EQUAL(blkif_entry_size(BLKIF_ABI_NATIVE),
			sizeof(union blkif_sring_entry));
	CU_ASSERT_EQUAL(blkif_entry_size((enum blkif_abi)3), 0);
	CU_ASSERT_EQUAL(BLKIF_SRING_HEADER_SIZE,
			offsetof(struct blkif_sring, ring));
	for (size_t i = 0; i < NR_WIRES; i++) {
		enum blkif_abi abi = wires[i]->abi;

		/* (4096 - 64) / 108 = 37 and / 112 = 36: 32 either way. */
		CU_ASSERT_EQUAL(blkif_ring_size(abi, 1), 32);
		CU_ASSERT_EQUAL(blkif_ring_size(abi, 2), 64);
		CU_ASSERT_EQUAL(blkif_ring_size(abi, 4), 128);
		CU_ASSERT_EQUAL(blkif_ring_size(abi, 16), 512);
		CU_ASSERT_EQUAL(blkif_ring_size(abi, 0), 0);
	}
	CU_ASSERT_EQUAL(blkif_ring_size((enum blkif_abi)3, 1), 0);
}

static void check_rw(const struct blkif_req *r, uint8_t op, unsigned nseg,
		     uint64_t id, uint64_t sector)
{
	CU_ASSERT_EQUAL(r->operation, op);
	CU_ASSERT_EQUAL(r->nr_segments, nseg);
	CU_ASSERT_EQUAL(r->handle, 0x0300);
	CU_ASSERT_EQUAL(r->id, id);
	CU_ASSERT_EQUAL(r->sector_number, sector);
	for (unsigned i = 0; i < nseg; i++) {
		CU_ASSERT_EQUAL(r->seg[i].gref, 100 + i);
		CU_ASSERT_EQUAL(r->seg[i].first_sect, i % 8);
		CU_ASSERT_EQUAL(r->seg[i].last_sect, 7);
	}
}

static void test_fetch_rw_all_abis(void)
{
	for (size_t i = 0; i < NR_WIRES; i++) {
		const struct wire *w = wires[i];
		uint8_t *ring = ring_new(w, 32);

		write_rw(slot_at(ring, w, 5), w, BLKIF_OP_READ, 3,
			 0x0102030405060708ull, 0x1122334455ull);
		write_rw(slot_at(ring, w, 31), w, BLKIF_OP_WRITE, 11,
			 0xfffffffffffffffeull, 8);
		/* The same slot through three indexes, wrapping included. */
		CU_ASSERT_EQUAL(blkif_fetch(ring, 32, 5, w->abi, &req), 0);
		check_rw(&req, BLKIF_OP_READ, 3, 0x0102030405060708ull,
			 0x1122334455ull);
		CU_ASSERT_EQUAL(blkif_fetch(ring, 32, 37, w->abi, &req), 0);
		check_rw(&req, BLKIF_OP_READ, 3, 0x0102030405060708ull,
			 0x1122334455ull);
		CU_ASSERT_EQUAL(blkif_fetch(ring, 32, 0xffffffe5u, w->abi,
					    &req), 0);
		check_rw(&req, BLKIF_OP_READ, 3, 0x0102030405060708ull,
			 0x1122334455ull);
		CU_ASSERT_EQUAL(blkif_fetch(ring, 32, 0xffffffffu, w->abi,
					    &req), 0);
		check_rw(&req, BLKIF_OP_WRITE, 11, 0xfffffffffffffffeull, 8);
		free(ring);
	}
}

/* The native ABI written through the header's own struct. */
static void test_fetch_native_struct(void)
{
	union blkif_sring_entry ring[4];
	struct blkif_request *rq = &ring[1].req;

	memset(ring, 0xAA, sizeof(ring));
	rq->operation = BLKIF_OP_WRITE;
	rq->nr_segments = 2;
	rq->handle = 51712;
	rq->id = 77;
	rq->sector_number = 123456;
	rq->seg[0] = (struct blkif_request_segment){ 9, 1, 6 };
	rq->seg[1] = (struct blkif_request_segment){ 10, 0, 7 };
	CU_ASSERT_EQUAL(blkif_fetch(ring, 4, 5, BLKIF_ABI_NATIVE, &req), 0);
	CU_ASSERT_EQUAL(req.operation, BLKIF_OP_WRITE);
	CU_ASSERT_EQUAL(req.nr_segments, 2);
	CU_ASSERT_EQUAL(req.handle, 51712);
	CU_ASSERT_EQUAL(req.id, 77);
	CU_ASSERT_EQUAL(req.sector_number, 123456);
	CU_ASSERT_EQUAL(req.seg[0].gref, 9);
	CU_ASSERT_EQUAL(req.seg[0].first_sect, 1);
	CU_ASSERT_EQUAL(req.seg[0].last_sect, 6);
	CU_ASSERT_EQUAL(req.seg[1].gref, 10);
	CU_ASSERT_EQUAL(req.seg[1].last_sect, 7);
}

static void test_fetch_discard_all_abis(void)
{
	for (size_t i = 0; i < NR_WIRES; i++) {
		const struct wire *w = wires[i];
		uint8_t *ring = ring_new(w, 2);
		uint8_t *s = slot_at(ring, w, 0);

		memset(s, 0, w->entry);
		s[0] = BLKIF_OP_DISCARD;
		s[1] = BLKIF_DISCARD_SECURE;
		put64(s, w->id, 0xabcdef);
		put64(s, w->sector, 4096);
		put64(s, w->nr_sectors, 0x100000000ull);
		CU_ASSERT_EQUAL(blkif_fetch(ring, 2, 2, w->abi, &req), 0);
		CU_ASSERT_EQUAL(req.operation, BLKIF_OP_DISCARD);
		CU_ASSERT_EQUAL(req.discard_flag, BLKIF_DISCARD_SECURE);
		CU_ASSERT_EQUAL(req.id, 0xabcdef);
		CU_ASSERT_EQUAL(req.sector_number, 4096);
		CU_ASSERT_EQUAL(req.nr_sectors, 0x100000000ull);
		CU_ASSERT_EQUAL(req.nr_segments, 0);
		free(ring);
	}
}

static void write_indirect(uint8_t *s, const struct wire *w, uint8_t op,
			   uint16_t nseg, uint64_t id, uint64_t sector)
{
	memset(s, 0, w->entry);
	s[0] = BLKIF_OP_INDIRECT;
	s[1] = op;
	put16(s, 2, nseg);
	put64(s, w->id, id);
	put64(s, w->sector, sector);
	put16(s, w->ind_handle, 0x0300);
	for (unsigned p = 0; p < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; p++)
		put32(s, w->ind_grefs + p * 4, 0x5000 + p);
}

static void test_fetch_indirect_all_abis(void)
{
	for (size_t i = 0; i < NR_WIRES; i++) {
		const struct wire *w = wires[i];
		uint8_t *ring = ring_new(w, 8);

		write_indirect(slot_at(ring, w, 7), w, BLKIF_OP_WRITE, 600,
			       42, 2048);
		CU_ASSERT_EQUAL(blkif_fetch(ring, 8, 15, w->abi, &req), 0);
		CU_ASSERT_EQUAL(req.operation, BLKIF_OP_INDIRECT);
		CU_ASSERT_EQUAL(req.indirect_op, BLKIF_OP_WRITE);
		CU_ASSERT_EQUAL(req.nr_segments, 600);
		CU_ASSERT_EQUAL(req.nr_indirect_pages, 2);
		CU_ASSERT_EQUAL(req.id, 42);
		CU_ASSERT_EQUAL(req.sector_number, 2048);
		CU_ASSERT_EQUAL(req.handle, 0x0300);
		CU_ASSERT_EQUAL(req.indirect_grefs[0], 0x5000);
		CU_ASSERT_EQUAL(req.indirect_grefs[7], 0x5007);
		CU_ASSERT_EQUAL(req.indirect_parsed, 0);
		free(ring);
	}
}

/* A slot claiming 200 segments: 11 are taken, the claim is kept. */
static void test_fetch_caps_direct_segments(void)
{
	for (size_t i = 0; i < NR_WIRES; i++) {
		const struct wire *w = wires[i];
		uint8_t *ring = ring_new(w, 1);

		write_rw(ring, w, BLKIF_OP_READ, 200, 1, 0);
		req.seg[11].gref = 0xdead;
		CU_ASSERT_EQUAL(blkif_fetch(ring, 1, 0, w->abi, &req), 0);
		CU_ASSERT_EQUAL(req.nr_segments, 200);
		CU_ASSERT_EQUAL(req.seg[10].gref, 110);
		CU_ASSERT_EQUAL(req.seg[11].gref, 0xdead);
		free(ring);
	}
}

static void test_fetch_unknown_op_keeps_id(void)
{
	static const uint8_t ops[] = { BLKIF_OP_RESERVED_1, 7, 255 };

	for (size_t i = 0; i < NR_WIRES; i++) {
		const struct wire *w = wires[i];
		uint8_t *ring = ring_new(w, 1);

		for (size_t j = 0; j < sizeof(ops); j++) {
			write_rw(ring, w, ops[j], 5, 0x99 + j, 1234);
			CU_ASSERT_EQUAL(blkif_fetch(ring, 1, 0, w->abi, &req), 0);
			CU_ASSERT_EQUAL(req.operation, ops[j]);
			CU_ASSERT_EQUAL(req.id, 0x99 + j);
			CU_ASSERT_EQUAL(req.nr_segments, 0);
			CU_ASSERT_EQUAL(req.sector_number, 0);
		}
		free(ring);
	}
}

/* What the frontend writes after the fetch changes nothing. */
static void test_fetch_private_copy(void)
{
	uint8_t *ring = ring_new(&wire_x86_32, 1);

	write_rw(ring, &wire_x86_32, BLKIF_OP_READ, 1, 5, 16);
	CU_ASSERT_EQUAL(blkif_fetch(ring, 1, 0, BLKIF_ABI_X86_32, &req), 0);
	memset(ring, 0xff, wire_x86_32.entry);
	check_rw(&req, BLKIF_OP_READ, 1, 5, 16);
	free(ring);
}

static void test_fetch_bad_args(void)
{
	uint8_t *ring = ring_new(&wire_x86_64, 64);

	req.operation = 0x77;
	CU_ASSERT_EQUAL(blkif_fetch(ring, 0, 0, BLKIF_ABI_X86_64, &req), -1);
	CU_ASSERT_EQUAL(blkif_fetch(ring, 3, 0, BLKIF_ABI_X86_64, &req), -1);
	CU_ASSERT_EQUAL(blkif_fetch(ring, 48, 0, BLKIF_ABI_X86_64, &req), -1);
	CU_ASSERT_EQUAL(blkif_fetch(ring, 32, 0, (enum blkif_abi)3, &req), -1);
	CU_ASSERT_EQUAL(req.operation, 0x77);
	free(ring);
}

static const struct blkif_disk_limits lim_default = {
	.sectors = 1u << 20,
	.sector_size = 512,
	.max_indirect_segments = 256,
	.features = BLKIF_FEAT_FLUSH | BLKIF_FEAT_BARRIER |
		    BLKIF_FEAT_DISCARD | BLKIF_FEAT_DISCARD_SECURE |
		    BLKIF_FEAT_INDIRECT,
};

/* A direct request of nseg whole-page segments, built by hand. */
static struct blkif_req *make_rw(uint8_t op, unsigned nseg, uint64_t sector)
{
	memset(&req, 0, offsetof(struct blkif_req, seg));
	req.operation = op;
	req.nr_segments = nseg;
	req.id = 1;
	req.sector_number = sector;
	for (unsigned i = 0; i < nseg && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
		req.seg[i] = (struct blkif_seg){ 100 + i, 0, 7 };
	return &req;
}

static struct blkif_req *make_discard(uint8_t flag, uint64_t sector,
				      uint64_t nr)
{
	memset(&req, 0, offsetof(struct blkif_req, seg));
	req.operation = BLKIF_OP_DISCARD;
	req.discard_flag = flag;
	req.sector_number = sector;
	req.nr_sectors = nr;
	return &req;
}

/* An indirect request of nseg whole-page segments, all pages parsed. */
static struct blkif_req *make_indirect(uint8_t op, unsigned nseg,
				       uint64_t sector)
{
	memset(&req, 0, offsetof(struct blkif_req, seg));
	req.operation = BLKIF_OP_INDIRECT;
	req.indirect_op = op;
	req.nr_segments = nseg;
	req.sector_number = sector;
	req.nr_indirect_pages = (nseg + 511) / 512;
	req.indirect_parsed = req.nr_indirect_pages >= 8 ? 0xff :
			      (1u << req.nr_indirect_pages) - 1;
	for (unsigned i = 0; i < nseg && i < BLKIF_REQ_MAX_SEGMENTS; i++)
		req.seg[i] = (struct blkif_seg){ i, 0, 7 };
	return &req;
}

#define ACCEPTED(r, lim) do {						\
	struct blkif_problem why_;					\
	CU_ASSERT_EQUAL(blkif_validate((r), (lim), &why_), 0);		\
	CU_ASSERT_EQUAL(why_.kind, BLKIF_ACCEPTED);			\
	CU_ASSERT_EQUAL(why_.status, BLKIF_RSP_OKAY);			\
} while (0)

#define REFUSED(r, lim, k, st) do {					\
	struct blkif_problem why_;					\
	CU_ASSERT_EQUAL(blkif_validate((r), (lim), &why_), -1);		\
	CU_ASSERT_EQUAL(why_.kind, (k));				\
	CU_ASSERT_EQUAL(why_.status, (st));				\
	CU_ASSERT_PTR_NOT_NULL(why_.reason);				\
} while (0)

static void test_validate_limits(void)
{
	struct blkif_disk_limits lim = lim_default;

	lim.sector_size = 1024;
	REFUSED(make_rw(BLKIF_OP_READ, 1, 0), &lim, BLKIF_BAD_LIMITS,
		BLKIF_RSP_ERROR);
	lim.sector_size = 4096;
	ACCEPTED(make_rw(BLKIF_OP_READ, 1, 0), &lim);
	lim.max_indirect_segments = BLKIF_REQ_MAX_SEGMENTS;
	ACCEPTED(make_rw(BLKIF_OP_READ, 1, 0), &lim);
	lim.max_indirect_segments = BLKIF_REQ_MAX_SEGMENTS + 1;
	REFUSED(make_rw(BLKIF_OP_READ, 1, 0), &lim, BLKIF_BAD_LIMITS,
		BLKIF_RSP_ERROR);
}

static void test_validate_unknown_ops(void)
{
	static const uint8_t ops[] = { BLKIF_OP_RESERVED_1, 7, 128, 255 };

	for (size_t i = 0; i < sizeof(ops); i++)
		REFUSED(make_rw(ops[i], 1, 0), &lim_default, BLKIF_UNKNOWN_OP,
			BLKIF_RSP_EOPNOTSUPP);
}

static void test_validate_features(void)
{
	struct blkif_disk_limits lim = lim_default;

	lim.features = 0;
	ACCEPTED(make_rw(BLKIF_OP_READ, 1, 0), &lim);
	ACCEPTED(make_rw(BLKIF_OP_WRITE, 1, 0), &lim);
	REFUSED(make_rw(BLKIF_OP_WRITE_BARRIER, 0, 0), &lim,
		BLKIF_UNSUPPORTED_OP, BLKIF_RSP_EOPNOTSUPP);
	REFUSED(make_rw(BLKIF_OP_FLUSH_DISKCACHE, 0, 0), &lim,
		BLKIF_UNSUPPORTED_OP, BLKIF_RSP_EOPNOTSUPP);
	REFUSED(make_discard(0, 0, 8), &lim, BLKIF_UNSUPPORTED_OP,
		BLKIF_RSP_EOPNOTSUPP);
	REFUSED(make_indirect(BLKIF_OP_READ, 20, 0), &lim,
		BLKIF_UNSUPPORTED_OP, BLKIF_RSP_EOPNOTSUPP);

	lim.features = BLKIF_FEAT_BARRIER;
	ACCEPTED(make_rw(BLKIF_OP_WRITE_BARRIER, 0, 0), &lim);
	lim.features = BLKIF_FEAT_FLUSH;
	ACCEPTED(make_rw(BLKIF_OP_FLUSH_DISKCACHE, 0, 0), &lim);
	lim.features = BLKIF_FEAT_INDIRECT;
	ACCEPTED(make_indirect(BLKIF_OP_READ, 20, 0), &lim);
	lim.features = BLKIF_FEAT_DISCARD;
	ACCEPTED(make_discard(0, 0, 8), &lim);
	REFUSED(make_discard(BLKIF_DISCARD_SECURE, 0, 8), &lim,
		BLKIF_UNSUPPORTED_OP, BLKIF_RSP_EOPNOTSUPP);
	lim.features |= BLKIF_FEAT_DISCARD_SECURE;
	ACCEPTED(make_discard(BLKIF_DISCARD_SECURE, 0, 8), &lim);
	/* Secure discard alone does not offer discard. */
	lim.features = BLKIF_FEAT_DISCARD_SECURE;
	REFUSED(make_discard(BLKIF_DISCARD_SECURE, 0, 8), &lim,
		BLKIF_UNSUPPORTED_OP, BLKIF_RSP_EOPNOTSUPP);
}

static void test_validate_read_only(void)
{
	struct blkif_disk_limits lim = lim_default;

	lim.read_only = true;
	ACCEPTED(make_rw(BLKIF_OP_READ, 11, 0), &lim);
	ACCEPTED(make_rw(BLKIF_OP_FLUSH_DISKCACHE, 0, 0), &lim);
	ACCEPTED(make_indirect(BLKIF_OP_READ, 100, 0), &lim);
	REFUSED(make_rw(BLKIF_OP_WRITE, 1, 0), &lim, BLKIF_READ_ONLY,
		BLKIF_RSP_ERROR);
	REFUSED(make_rw(BLKIF_OP_WRITE_BARRIER, 0, 0), &lim, BLKIF_READ_ONLY,
		BLKIF_RSP_ERROR);
	REFUSED(make_rw(BLKIF_OP_WRITE_BARRIER, 2, 0), &lim, BLKIF_READ_ONLY,
		BLKIF_RSP_ERROR);
	/* A flush that carries data is a write. */
	REFUSED(make_rw(BLKIF_OP_FLUSH_DISKCACHE, 1, 0), &lim,
		BLKIF_READ_ONLY, BLKIF_RSP_ERROR);
	REFUSED(make_discard(0, 0, 8), &lim, BLKIF_READ_ONLY,
		BLKIF_RSP_ERROR);
	REFUSED(make_indirect(BLKIF_OP_WRITE, 100, 0), &lim, BLKIF_READ_ONLY,
		BLKIF_RSP_ERROR);
}

static void test_validate_segment_counts(void)
{
	const struct blkif_disk_limits *lim = &lim_default;
	struct blkif_problem why;

	REFUSED(make_rw(BLKIF_OP_READ, 0, 0), lim, BLKIF_BAD_SEGMENT_COUNT,
		BLKIF_RSP_ERROR);
	ACCEPTED(make_rw(BLKIF_OP_READ, 1, 0), lim);
	ACCEPTED(make_rw(BLKIF_OP_READ, 11, 0), lim);
	REFUSED(make_rw(BLKIF_OP_READ, 12, 0), lim, BLKIF_BAD_SEGMENT_COUNT,
		BLKIF_RSP_ERROR);
	REFUSED(make_rw(BLKIF_OP_WRITE, 0, 0), lim, BLKIF_BAD_SEGMENT_COUNT,
		BLKIF_RSP_ERROR);
	REFUSED(make_rw(BLKIF_OP_WRITE, 255, 0), lim, BLKIF_BAD_SEGMENT_COUNT,
		BLKIF_RSP_ERROR);
	ACCEPTED(make_rw(BLKIF_OP_FLUSH_DISKCACHE, 0, 0), lim);
	ACCEPTED(make_rw(BLKIF_OP_FLUSH_DISKCACHE, 11, 0), lim);
	REFUSED(make_rw(BLKIF_OP_FLUSH_DISKCACHE, 12, 0), lim,
		BLKIF_BAD_SEGMENT_COUNT, BLKIF_RSP_ERROR);
	ACCEPTED(make_rw(BLKIF_OP_WRITE_BARRIER, 0, 0), lim);
	REFUSED(make_rw(BLKIF_OP_WRITE_BARRIER, 12, 0), lim,
		BLKIF_BAD_SEGMENT_COUNT, BLKIF_RSP_ERROR);

	REFUSED(make_indirect(BLKIF_OP_READ, 0, 0), lim,
		BLKIF_BAD_SEGMENT_COUNT, BLKIF_RSP_ERROR);
	ACCEPTED(make_indirect(BLKIF_OP_READ, 1, 0), lim);
	ACCEPTED(make_indirect(BLKIF_OP_READ, 256, 0), lim);
	REFUSED(make_indirect(BLKIF_OP_READ, 257, 0), lim,
		BLKIF_BAD_SEGMENT_COUNT, BLKIF_RSP_ERROR);
	blkif_validate(make_indirect(BLKIF_OP_READ, 257, 0), lim, &why);
	CU_ASSERT_EQUAL(why.value, 257);
	CU_ASSERT_TRUE(why.has_limit);
	CU_ASSERT_EQUAL(why.limit, 256);
}

static void test_validate_indirect_op(void)
{
	static const uint8_t bad[] = {
		BLKIF_OP_WRITE_BARRIER, BLKIF_OP_FLUSH_DISKCACHE,
		BLKIF_OP_DISCARD, BLKIF_OP_INDIRECT, 200,
	};

	ACCEPTED(make_indirect(BLKIF_OP_READ, 12, 0), &lim_default);
	ACCEPTED(make_indirect(BLKIF_OP_WRITE, 12, 0), &lim_default);
	for (size_t i = 0; i < sizeof(bad); i++)
		REFUSED(make_indirect(bad[i], 12, 0), &lim_default,
			BLKIF_BAD_INDIRECT, BLKIF_RSP_ERROR);
}

static void test_validate_indirect_pages(void)
{
	struct blkif_disk_limits lim = lim_default;
	struct blkif_problem why;

	lim.max_indirect_segments = BLKIF_REQ_MAX_SEGMENTS;
	make_indirect(BLKIF_OP_READ, 512, 0);
	CU_ASSERT_EQUAL(req.nr_indirect_pages, 1);
	ACCEPTED(&req, &lim);
	make_indirect(BLKIF_OP_READ, 513, 0);
	CU_ASSERT_EQUAL(req.nr_indirect_pages, 2);
	ACCEPTED(&req, &lim);
	/* A page count that does not follow from nr_segments. */
	req.nr_indirect_pages = 3;
	REFUSED(&req, &lim, BLKIF_BAD_INDIRECT, BLKIF_RSP_ERROR);
	req.nr_indirect_pages = 1;
	REFUSED(&req, &lim, BLKIF_BAD_INDIRECT, BLKIF_RSP_ERROR);
	/* 8 pages is the most; 4097 segments would need 9. */
	ACCEPTED(make_indirect(BLKIF_OP_READ, 4096, 0), &lim);
	make_indirect(BLKIF_OP_READ, 4097, 0);
	CU_ASSERT_EQUAL(blkif_validate_header(&req, &lim, &why), -1);
	CU_ASSERT_EQUAL(why.kind, BLKIF_BAD_INDIRECT);
	CU_ASSERT_EQUAL(why.value, 9);
	CU_ASSERT_EQUAL(why.limit, 8);
	make_indirect(BLKIF_OP_READ, 65535, 0);
	CU_ASSERT_EQUAL(blkif_validate_header(&req, &lim, &why), -1);
	CU_ASSERT_EQUAL(why.kind, BLKIF_BAD_INDIRECT);

	/* The header is fine before parsing; the whole request is not. */
	make_indirect(BLKIF_OP_WRITE, 600, 0);
	req.indirect_parsed = 0;
	CU_ASSERT_EQUAL(blkif_validate_header(&req, &lim, &why), 0);
	REFUSED(&req, &lim, BLKIF_BAD_INDIRECT, BLKIF_RSP_ERROR);
	req.indirect_parsed = 1;
	blkif_validate(&req, &lim, &why);
	CU_ASSERT_EQUAL(why.kind, BLKIF_BAD_INDIRECT);
	CU_ASSERT_EQUAL(why.value, 1);	/* the page still missing */
	req.indirect_parsed = 3;
	ACCEPTED(&req, &lim);
}

static void test_validate_segments(void)
{
	struct blkif_problem why;

	make_rw(BLKIF_OP_READ, 11, 0);
	req.seg[0] = (struct blkif_seg){ 1, 7, 7 };
	req.seg[1] = (struct blkif_seg){ 1, 0, 0 };
	ACCEPTED(&req, &lim_default);
	req.seg[10].last_sect = 8;
	REFUSED(&req, &lim_default, BLKIF_BAD_SEGMENT, BLKIF_RSP_ERROR);
	blkif_validate(&req, &lim_default, &why);
	CU_ASSERT_EQUAL(why.seg, 10);
	CU_ASSERT_EQUAL(why.value, 8);
	CU_ASSERT_EQUAL(why.limit, 7);
	req.seg[10] = (struct blkif_seg){ 1, 3, 2 };
	REFUSED(&req, &lim_default, BLKIF_BAD_SEGMENT, BLKIF_RSP_ERROR);
	req.seg[10] = (struct blkif_seg){ 1, 255, 255 };
	REFUSED(&req, &lim_default, BLKIF_BAD_SEGMENT, BLKIF_RSP_ERROR);

	make_indirect(BLKIF_OP_READ, 256, 0);
	req.seg[255] = (struct blkif_seg){ 1, 2, 7 };
	ACCEPTED(&req, &lim_default);
	req.seg[200].first_sect = 6;
	req.seg[200].last_sect = 5;
	blkif_validate(&req, &lim_default, &why);
	CU_ASSERT_EQUAL(why.kind, BLKIF_BAD_SEGMENT);
	CU_ASSERT_EQUAL(why.seg, 200);
}

static void test_validate_4k_sectors(void)
{
	struct blkif_disk_limits lim = lim_default;

	lim.sector_size = 4096;
	ACCEPTED(make_rw(BLKIF_OP_WRITE, 3, 8), &lim);
	REFUSED(make_rw(BLKIF_OP_WRITE, 3, 4), &lim, BLKIF_MISALIGNED,
		BLKIF_RSP_ERROR);
	make_rw(BLKIF_OP_WRITE, 3, 8);
	req.seg[1].first_sect = 1;
	REFUSED(&req, &lim, BLKIF_MISALIGNED, BLKIF_RSP_ERROR);
	make_rw(BLKIF_OP_WRITE, 3, 8);
	req.seg[2].last_sect = 6;
	REFUSED(&req, &lim, BLKIF_MISALIGNED, BLKIF_RSP_ERROR);
	/* The same segment is fine on a 512-byte disk. */
	ACCEPTED(&req, &lim_default);
	/* No data, nothing to align. */
	ACCEPTED(make_rw(BLKIF_OP_FLUSH_DISKCACHE, 0, 3), &lim);
	ACCEPTED(make_indirect(BLKIF_OP_READ, 40, 16), &lim);
	REFUSED(make_indirect(BLKIF_OP_READ, 40, 12), &lim, BLKIF_MISALIGNED,
		BLKIF_RSP_ERROR);

	ACCEPTED(make_discard(0, 8, 16), &lim);
	REFUSED(make_discard(0, 4, 16), &lim, BLKIF_MISALIGNED,
		BLKIF_RSP_ERROR);
	REFUSED(make_discard(0, 8, 12), &lim, BLKIF_MISALIGNED,
		BLKIF_RSP_ERROR);
}

static void test_validate_range(void)
{
	struct blkif_disk_limits lim = lim_default;

	lim.sectors = 1000;
	/* One 8-sector segment. */
	ACCEPTED(make_rw(BLKIF_OP_READ, 1, 992), &lim);
	REFUSED(make_rw(BLKIF_OP_READ, 1, 993), &lim, BLKIF_OUT_OF_RANGE,
		BLKIF_RSP_ERROR);
	make_rw(BLKIF_OP_READ, 1, 999);
	req.seg[0].first_sect = 7;
	ACCEPTED(&req, &lim);
	req.sector_number = 1000;
	REFUSED(&req, &lim, BLKIF_OUT_OF_RANGE, BLKIF_RSP_ERROR);
	/* A start that would wrap around when the length is added. */
	REFUSED(make_rw(BLKIF_OP_READ, 1, UINT64_MAX - 3), &lim,
		BLKIF_OUT_OF_RANGE, BLKIF_RSP_ERROR);
	REFUSED(make_rw(BLKIF_OP_WRITE, 11, UINT64_MAX), &lim,
		BLKIF_OUT_OF_RANGE, BLKIF_RSP_ERROR);
	/* On the largest disk, start + length itself would wrap. */
	lim.sectors = UINT64_MAX;
	ACCEPTED(make_rw(BLKIF_OP_READ, 1, UINT64_MAX - 8), &lim);
	REFUSED(make_rw(BLKIF_OP_READ, 1, UINT64_MAX - 7), &lim,
		BLKIF_OUT_OF_RANGE, BLKIF_RSP_ERROR);
	REFUSED(make_rw(BLKIF_OP_READ, 1, UINT64_MAX - 3), &lim,
		BLKIF_OUT_OF_RANGE, BLKIF_RSP_ERROR);
	lim.sectors = 1000;

	/* 8 + 1 + 4 = 13 sectors. */
	make_rw(BLKIF_OP_WRITE, 3, 987);
	req.seg[1] = (struct blkif_seg){ 1, 3, 3 };
	req.seg[2] = (struct blkif_seg){ 2, 4, 7 };
	ACCEPTED(&req, &lim);
	CU_ASSERT_EQUAL(blkif_req_sectors(&req), 13);
	req.sector_number = 988;
	REFUSED(&req, &lim, BLKIF_OUT_OF_RANGE, BLKIF_RSP_ERROR);

	/* Indirect: 100 segments of 8 sectors. */
	lim.sectors = 100 * 8 + 5;
	ACCEPTED(make_indirect(BLKIF_OP_READ, 100, 5), &lim);
	CU_ASSERT_EQUAL(blkif_req_sectors(&req), 800);
	REFUSED(make_indirect(BLKIF_OP_READ, 100, 6), &lim,
		BLKIF_OUT_OF_RANGE, BLKIF_RSP_ERROR);

	/* A flush without data has no range. */
	ACCEPTED(make_rw(BLKIF_OP_FLUSH_DISKCACHE, 0, UINT64_MAX), &lim);
}

static void test_validate_discard(void)
{
	struct blkif_disk_limits lim = lim_default;

	lim.sectors = 1000;
	ACCEPTED(make_discard(0, 0, 1000), &lim);
	CU_ASSERT_EQUAL(blkif_req_sectors(&req), 1000);
	ACCEPTED(make_discard(0, 999, 1), &lim);
	REFUSED(make_discard(0, 0, 1001), &lim, BLKIF_OUT_OF_RANGE,
		BLKIF_RSP_ERROR);
	REFUSED(make_discard(0, 999, 2), &lim, BLKIF_OUT_OF_RANGE,
		BLKIF_RSP_ERROR);
	REFUSED(make_discard(0, 1001, 1), &lim, BLKIF_OUT_OF_RANGE,
		BLKIF_RSP_ERROR);
	REFUSED(make_discard(0, 8, UINT64_MAX), &lim, BLKIF_OUT_OF_RANGE,
		BLKIF_RSP_ERROR);
	REFUSED(make_discard(0, UINT64_MAX, 2), &lim, BLKIF_OUT_OF_RANGE,
		BLKIF_RSP_ERROR);
	REFUSED(make_discard(0, 10, 0), &lim, BLKIF_OUT_OF_RANGE,
		BLKIF_RSP_ERROR);
	/* On the largest disk, start + length itself would wrap. */
	lim.sectors = UINT64_MAX;
	ACCEPTED(make_discard(0, 10, UINT64_MAX - 10), &lim);
	REFUSED(make_discard(0, 10, UINT64_MAX - 9), &lim,
		BLKIF_OUT_OF_RANGE, BLKIF_RSP_ERROR);
	REFUSED(make_discard(0, 10, UINT64_MAX), &lim, BLKIF_OUT_OF_RANGE,
		BLKIF_RSP_ERROR);
}

static void test_problem_format(void)
{
	struct blkif_problem why;
	char buf[128];

	make_rw(BLKIF_OP_READ, 4, 0);
	req.seg[3].last_sect = 9;
	CU_ASSERT_EQUAL(blkif_validate(&req, &lim_default, &why), -1);
	blkif_problem_format(&why, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf,
		"segment 3: last_sect past the 4 KiB page (9, limit 7)");
	CU_ASSERT_STRING_EQUAL(blkif_refusal_name(why.kind), "bad-segment");

	blkif_validate(make_rw(7, 1, 0), &lim_default, &why);
	blkif_problem_format(&why, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "unknown operation (7)");
	CU_ASSERT_STRING_EQUAL(blkif_refusal_name(why.kind), "unknown-op");
	CU_ASSERT_STRING_EQUAL(blkif_refusal_name(BLKIF_ACCEPTED), "accepted");
	CU_ASSERT_STRING_EQUAL(blkif_refusal_name(BLKIF_NR_REFUSALS), "?");
	for (int k = 0; k < BLKIF_NR_REFUSALS; k++)
		CU_ASSERT_STRING_NOT_EQUAL(
			blkif_refusal_name((enum blkif_refusal)k), "?");
	blkif_validate(make_rw(BLKIF_OP_READ, 1, 0), &lim_default, &why);
	blkif_problem_format(&why, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "accepted");
	/* why is optional. */
	CU_ASSERT_EQUAL(blkif_validate(make_rw(BLKIF_OP_READ, 1, 0),
				       &lim_default, NULL), 0);
	CU_ASSERT_EQUAL(blkif_validate(make_rw(9, 1, 0), &lim_default, NULL),
			-1);
}

/* An indirect page of 512 segments: gref base + i, first i % 8, last 7. */
static void fill_page(uint8_t *page, unsigned n, uint32_t base)
{
	for (unsigned i = 0; i < n; i++)
		put_seg(page + i * 8, base + i, i % 8, 7);
}

static void test_indirect_two_pages(void)
{
	struct blkif_disk_limits lim = lim_default;
	uint8_t *page0 = malloc(BLKIF_PAGE_SIZE);
	uint8_t *page1 = malloc(88 * 8);	/* only the used part */
	uint8_t *ring = ring_new(&wire_x86_32, 1);
	struct blkif_problem why;

	lim.max_indirect_segments = 1024;
	write_indirect(ring, &wire_x86_32, BLKIF_OP_READ, 600, 3, 64);
	CU_ASSERT_EQUAL(blkif_fetch(ring, 1, 0, BLKIF_ABI_X86_32, &req), 0);
	fill_page(page0, 512, 1000);
	fill_page(page1, 88, 2000);
	CU_ASSERT_EQUAL(blkif_validate_header(&req, &lim, &why), 0);
	CU_ASSERT_EQUAL(blkif_parse_indirect(&req, 1, page1, 88 * 8, 1024,
					     &why), 0);
	CU_ASSERT_EQUAL(req.indirect_parsed, 2);
	REFUSED(&req, &lim, BLKIF_BAD_INDIRECT, BLKIF_RSP_ERROR);
	CU_ASSERT_EQUAL(blkif_parse_indirect(&req, 0, page0, BLKIF_PAGE_SIZE,
					     1024, &why), 0);
	CU_ASSERT_EQUAL(req.indirect_parsed, 3);
	CU_ASSERT_EQUAL(req.seg[0].gref, 1000);
	CU_ASSERT_EQUAL(req.seg[511].gref, 1511);
	CU_ASSERT_EQUAL(req.seg[511].first_sect, 511 % 8);
	CU_ASSERT_EQUAL(req.seg[512].gref, 2000);
	CU_ASSERT_EQUAL(req.seg[599].gref, 2087);
	CU_ASSERT_EQUAL(req.seg[599].first_sect, 87 % 8);
	CU_ASSERT_EQUAL(req.seg[599].last_sect, 7);
	ACCEPTED(&req, &lim);
	free(page0);
	free(page1);
	free(ring);
}

static void test_indirect_refusals(void)
{
	uint8_t *page = calloc(1, BLKIF_PAGE_SIZE);
	struct blkif_problem why;

	fill_page(page, 512, 1);
	make_rw(BLKIF_OP_READ, 1, 0);
	CU_ASSERT_EQUAL(blkif_parse_indirect(&req, 0, page, BLKIF_PAGE_SIZE,
					     256, &why), -1);
	CU_ASSERT_EQUAL(why.kind, BLKIF_BAD_INDIRECT);

	make_indirect(BLKIF_OP_READ, 600, 0);
	req.indirect_parsed = 0;
	req.seg[0].gref = 0xdead;
	req.seg[512].gref = 0xdead;
	CU_ASSERT_EQUAL(blkif_parse_indirect(&req, 0, page, BLKIF_PAGE_SIZE,
					     BLKIF_REQ_MAX_SEGMENTS + 1, &why), -1);
	CU_ASSERT_EQUAL(why.kind, BLKIF_BAD_LIMITS);
	CU_ASSERT_EQUAL(blkif_parse_indirect(&req, 0, page, BLKIF_PAGE_SIZE,
					     599, &why), -1);
	CU_ASSERT_EQUAL(why.kind, BLKIF_BAD_SEGMENT_COUNT);
	CU_ASSERT_EQUAL(blkif_parse_indirect(&req, 2, page, BLKIF_PAGE_SIZE,
					     600, &why), -1);
	CU_ASSERT_EQUAL(why.kind, BLKIF_BAD_INDIRECT);
	CU_ASSERT_EQUAL(blkif_parse_indirect(&req, 0, page,
					     BLKIF_PAGE_SIZE - 1, 600, &why), -1);
	CU_ASSERT_EQUAL(blkif_parse_indirect(&req, 1, page, 88 * 8 - 1, 600,
					     &why), -1);
	CU_ASSERT_EQUAL(why.value, 88 * 8 - 1);
	CU_ASSERT_EQUAL(why.limit, 88 * 8);
	/* A page count that does not follow from nr_segments. */
	req.nr_indirect_pages = 3;
	CU_ASSERT_EQUAL(blkif_parse_indirect(&req, 2, page, BLKIF_PAGE_SIZE,
					     600, &why), -1);
	CU_ASSERT_EQUAL(why.kind, BLKIF_BAD_INDIRECT);
	/* Nothing was taken from the page by any of them. */
	CU_ASSERT_EQUAL(req.seg[0].gref, 0xdead);
	CU_ASSERT_EQUAL(req.seg[512].gref, 0xdead);
	CU_ASSERT_EQUAL(req.indirect_parsed, 0);

	make_indirect(BLKIF_OP_READ, 0, 0);
	CU_ASSERT_EQUAL(blkif_parse_indirect(&req, 0, page, BLKIF_PAGE_SIZE,
					     600, &why), -1);
	CU_ASSERT_EQUAL(why.kind, BLKIF_BAD_SEGMENT_COUNT);
	free(page);
}

/* 4096 segments over 8 pages, the most a request can have. */
static void test_indirect_eight_pages(void)
{
	struct blkif_disk_limits lim = lim_default;
	uint8_t *page = malloc(BLKIF_PAGE_SIZE);

	lim.max_indirect_segments = BLKIF_REQ_MAX_SEGMENTS;
	make_indirect(BLKIF_OP_WRITE, 4096, 0);
	req.indirect_parsed = 0;
	for (unsigned p = 0; p < 8; p++) {
		fill_page(page, 512, p * 512);
		CU_ASSERT_EQUAL(blkif_parse_indirect(&req, p, page,
						     BLKIF_PAGE_SIZE, 4096,
						     NULL), 0);
	}
	CU_ASSERT_EQUAL(req.indirect_parsed, 0xff);
	CU_ASSERT_EQUAL(req.seg[4095].gref, 4095);
	ACCEPTED(&req, &lim);
	CU_ASSERT_EQUAL(blkif_req_sectors(&req), 4096 * 8 - 4096 * 7 / 2);
	free(page);
}

static void test_response_all_abis(void)
{
	for (size_t i = 0; i < NR_WIRES; i++) {
		const struct wire *w = wires[i];
		uint8_t *ring = ring_new(w, 4);
		uint8_t *s = slot_at(ring, w, 2);

		CU_ASSERT_EQUAL(blkif_put_response(ring, 4, 6, w->abi,
						   0x1122334455667788ull,
						   BLKIF_OP_INDIRECT,
						   BLKIF_RSP_EOPNOTSUPP), 0);
		CU_ASSERT_EQUAL(peek64(s, 0), 0x1122334455667788ull);
		CU_ASSERT_EQUAL(s[8], BLKIF_OP_INDIRECT);
		CU_ASSERT_EQUAL((int16_t)peek16(s, 10), BLKIF_RSP_EOPNOTSUPP);
		/* Padding and the request's leftovers: all zero. */
		CU_ASSERT_EQUAL(s[9], 0);
		for (size_t b = 12; b < w->entry; b++)
			if (s[b] != 0) {
				CU_FAIL("stale byte in the response slot");
				break;
			}
		/* The neighbours are untouched. */
		for (size_t b = 0; b < 4 * w->entry; b++) {
			if (b >= 2 * w->entry && b < 3 * w->entry)
				continue;
			if (ring[b] != 0xAA) {
				CU_FAIL("wrote outside the response slot");
				break;
			}
		}
		/* Wrapping index: slot 3. */
		CU_ASSERT_EQUAL(blkif_put_response(ring, 4, 0xffffffffu,
						   w->abi, 9, BLKIF_OP_READ,
						   BLKIF_RSP_OKAY), 0);
		CU_ASSERT_EQUAL(peek64(slot_at(ring, w, 3), 0), 9);
		free(ring);
	}
}

/* Native, read back through the header's struct. */
static void test_response_native_struct(void)
{
	union blkif_sring_entry ring[2];

	memset(ring, 0xAA, sizeof(ring));
	CU_ASSERT_EQUAL(blkif_put_response(ring, 2, 1, BLKIF_ABI_NATIVE, 31,
					   BLKIF_OP_WRITE, BLKIF_RSP_ERROR), 0);
	CU_ASSERT_EQUAL(ring[1].rsp.id, 31);
	CU_ASSERT_EQUAL(ring[1].rsp.operation, BLKIF_OP_WRITE);
	CU_ASSERT_EQUAL(ring[1].rsp.status, BLKIF_RSP_ERROR);
	CU_ASSERT_EQUAL(ring[0].rsp.operation, 0xAA);
}

static void test_response_bad_args(void)
{
	uint8_t *ring = ring_new(&wire_x86_64, 4);

	CU_ASSERT_EQUAL(blkif_put_response(ring, 0, 0, BLKIF_ABI_X86_64, 1,
					   0, 0), -1);
	CU_ASSERT_EQUAL(blkif_put_response(ring, 3, 0, BLKIF_ABI_X86_64, 1,
					   0, 0), -1);
	CU_ASSERT_EQUAL(blkif_put_response(ring, 4, 0, (enum blkif_abi)5, 1,
					   0, 0), -1);
	CU_ASSERT_EQUAL(ring[0], 0xAA);
	free(ring);
}

static void test_ring_prod_sanity(void)
{
	/* Empty, and full with every request answered so far. */
	CU_ASSERT_TRUE(blkif_ring_req_prod_sane(10, 10, 10, 32));
	CU_ASSERT_TRUE(blkif_ring_req_prod_sane(42, 10, 10, 32));
	CU_ASSERT_FALSE(blkif_ring_req_prod_sane(43, 10, 10, 32));
	/* Behind what we consumed: a huge unsigned distance. */
	CU_ASSERT_FALSE(blkif_ring_req_prod_sane(9, 10, 10, 32));
	CU_ASSERT_FALSE(blkif_ring_req_prod_sane(0x80000000u, 10, 10, 32));
	/* Across the 2^32 wrap. */
	CU_ASSERT_TRUE(blkif_ring_req_prod_sane(0x10, 0xfffffff0u,
						0xfffffff0u, 32));
	CU_ASSERT_FALSE(blkif_ring_req_prod_sane(0x11, 0xfffffff0u,
						 0xfffffff0u, 32));
	/* Close enough to req_cons, too far past the unanswered ones. */
	CU_ASSERT_TRUE(blkif_ring_req_prod_sane(32, 10, 0, 32));
	CU_ASSERT_FALSE(blkif_ring_req_prod_sane(33, 10, 0, 32));
}

static const struct xlp_test abi_tests[] = {
	{ "protocol strings", test_protocol_strings },
	{ "unknown protocol strings", test_protocol_unknown },
	{ "entry and ring sizes", test_entry_and_ring_sizes },
	{ NULL, NULL },
};

static const struct xlp_test fetch_tests[] = {
	{ "read/write, every ABI, wrapping index", test_fetch_rw_all_abis },
	{ "native through the header's struct", test_fetch_native_struct },
	{ "discard, every ABI", test_fetch_discard_all_abis },
	{ "indirect, every ABI", test_fetch_indirect_all_abis },
	{ "direct segment count over 11", test_fetch_caps_direct_segments },
	{ "unknown operation keeps the id", test_fetch_unknown_op_keeps_id },
	{ "private copy", test_fetch_private_copy },
	{ "bad arguments", test_fetch_bad_args },
	{ NULL, NULL },
};

static const struct xlp_test indirect_tests[] = {
	{ "two pages", test_indirect_two_pages },
	{ "refusals take nothing", test_indirect_refusals },
	{ "eight pages", test_indirect_eight_pages },
	{ NULL, NULL },
};

static const struct xlp_test validate_tests[] = {
	{ "limits", test_validate_limits },
	{ "unknown operations", test_validate_unknown_ops },
	{ "features", test_validate_features },
	{ "read-only disk", test_validate_read_only },
	{ "segment counts", test_validate_segment_counts },
	{ "indirect_op", test_validate_indirect_op },
	{ "indirect pages", test_validate_indirect_pages },
	{ "segments", test_validate_segments },
	{ "4096-byte sectors", test_validate_4k_sectors },
	{ "range", test_validate_range },
	{ "discard", test_validate_discard },
	{ "problem text and names", test_problem_format },
	{ NULL, NULL },
};

static const struct xlp_test response_tests[] = {
	{ "every ABI, whole slot rewritten", test_response_all_abis },
	{ "native through the header's struct", test_response_native_struct },
	{ "bad arguments", test_response_bad_args },
	{ NULL, NULL },
};

static const struct xlp_test ring_tests[] = {
	{ "req_prod sanity", test_ring_prod_sanity },
	{ NULL, NULL },
};

int main(void)
{
	static const struct xlp_suite suites[] = {
		{ "blkif/abi", abi_tests, NULL, NULL },
		{ "blkif/fetch", fetch_tests, NULL, NULL },
		{ "blkif/indirect", indirect_tests, NULL, NULL },
		{ "blkif/validate", validate_tests, NULL, NULL },
		{ "blkif/response", response_tests, NULL, NULL },
		{ "blkif/ring", ring_tests, NULL, NULL },
		{ NULL, NULL, NULL, NULL },
	};

	return xlp_cunit_run(suites);
}
