// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A 32-bit frontend's view of a blkif ring, for test-blkif-i386. Built
 * with gcc -m32 from the public xen/io/blkif.h and xen/io/ring.h alone:
 * these are the structures a 32-bit x86 guest's blkfront puts on the ring
 * ("x86_32-abi": 64-bit fields 4-byte aligned, 108-byte slots), laid out
 * by the compiler, not by us.
 *
 *   blkif-i386 requests FILE    writes a ring page with the requests of
 *                               blkif-i386-cases.h queued
 *   blkif-i386 responses FILE   reads a ring page the backend answered
 *                               and checks each response; exit 0 if all
 *                               are as blkif-i386-cases.h says
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* ring.h's barriers are the includer's to give (one thread here) */
#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#include <xen/io/blkif.h>

#include "blkif-i386-cases.h"

#if !defined(__i386__)
#error "blkif-i386 is built with -m32: it is the 32-bit peer"
#endif

_Static_assert(sizeof(union blkif_sring_entry) == 108,
	       "a 32-bit blkif slot is 108 bytes");
_Static_assert(sizeof(struct blkif_response) == 12,
	       "a 32-bit blkif response is 12 bytes");

static union {
	struct blkif_sring sring;
	unsigned char bytes[I386_RING_BYTES];
} page;

static void fill_segs(struct blkif_request *r, unsigned k, unsigned n)
{
	r->nr_segments = (uint8_t)n;
	for (unsigned s = 0; s < n; s++) {
		r->seg[s].gref = I386_SEG_GREF(k, s);
		r->seg[s].first_sect = (uint8_t)I386_SEG_FIRST(s);
		r->seg[s].last_sect = (uint8_t)I386_SEG_LAST(s);
	}
}

static int requests(const char *file)
{
	struct blkif_front_ring front;
	FILE *f;

	memset(&page, 0, sizeof(page));
	SHARED_RING_INIT(&page.sring);
	FRONT_RING_INIT(&front, &page.sring, sizeof(page));
	for (unsigned k = 0; k < I386_NR_CASES; k++) {
		struct blkif_request *r =
			RING_GET_REQUEST(&front, front.req_prod_pvt);

		/* the bytes around the fields: not zero, as a real ring's */
		memset(r, 0xa5, sizeof(union blkif_sring_entry));
		r->id = I386_ID(k);
		switch (k) {
		case 0:
			r->operation = BLKIF_OP_READ;
			r->handle = I386_HANDLE;
			r->sector_number = I386_READ_SECTOR;
			fill_segs(r, k, I386_READ_SEGS);
			break;
		case 1:
			r->operation = BLKIF_OP_WRITE;
			r->handle = I386_HANDLE;
			r->sector_number = I386_WRITE_SECTOR;
			fill_segs(r, k, I386_WRITE_SEGS);
			break;
		case 2: {
			struct blkif_request_indirect *ind = (void *)r;

			ind->operation = BLKIF_OP_INDIRECT;
			ind->indirect_op = BLKIF_OP_WRITE;
			ind->nr_segments = I386_IND_SEGS;
			ind->id = I386_ID(k);
			ind->sector_number = I386_IND_SECTOR;
			ind->handle = I386_HANDLE;
			ind->indirect_grefs[0] = I386_IND_GREF;
			break;
		}
		case 3: {
			struct blkif_request_discard *dis = (void *)r;

			dis->operation = BLKIF_OP_DISCARD;
			dis->flag = BLKIF_DISCARD_SECURE;
			dis->handle = I386_HANDLE;
			dis->id = I386_ID(k);
			dis->sector_number = I386_DISCARD_SECTOR;
			dis->nr_sectors = I386_DISCARD_SECTORS;
			break;
		}
		default:
			r->operation = BLKIF_OP_FLUSH_DISKCACHE;
			r->nr_segments = 0;
			r->handle = I386_HANDLE;
			r->sector_number = 0;
			break;
		}
		front.req_prod_pvt++;
	}
	RING_PUSH_REQUESTS(&front);
	f = fopen(file, "wb");
	if (!f || fwrite(&page, sizeof(page), 1, f) != 1 || fclose(f)) {
		perror(file);
		return 1;
	}
	return 0;
}

static int responses(const char *file)
{
	static const uint8_t ops[I386_NR_CASES] = {
		BLKIF_OP_READ, BLKIF_OP_WRITE, BLKIF_OP_WRITE,
		BLKIF_OP_DISCARD, BLKIF_OP_FLUSH_DISKCACHE
	};
	struct blkif_front_ring front;
	FILE *f = fopen(file, "rb");
	int bad = 0;

	if (!f || fread(&page, sizeof(page), 1, f) != 1) {
		perror(file);
		return 1;
	}
	fclose(f);
	/* as a frontend that queued I386_NR_CASES requests sees it */
	FRONT_RING_ATTACH(&front, &page.sring, 0, sizeof(page));
	front.req_prod_pvt = I386_NR_CASES;
	if (page.sring.rsp_prod != I386_NR_CASES) {
		fprintf(stderr, "rsp_prod is %u, not %u\n",
			page.sring.rsp_prod, I386_NR_CASES);
		return 1;
	}
	for (unsigned k = 0; k < I386_NR_CASES; k++) {
		const struct blkif_response *r = RING_GET_RESPONSE(&front, k);

		if (r->id != I386_ID(k) || r->operation != ops[k] ||
		    r->status != I386_STATUS(k)) {
			fprintf(stderr, "response %u: id %llx op %u status %d; "
				"expected id %llx op %u status %d\n", k,
				(unsigned long long)r->id, r->operation,
				r->status, I386_ID(k), ops[k], I386_STATUS(k));
			bad++;
		}
	}
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "requests"))
		return requests(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "responses"))
		return responses(argv[2]);
	fprintf(stderr, "usage: blkif-i386 requests|responses FILE\n");
	return 2;
}
