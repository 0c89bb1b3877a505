// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The x86_32 ring ABI against what a 32-bit compiler makes of the public
 * header. blkif-i386 (gcc -m32, xen/io/blkif.h and ring.h only, as a
 * 32-bit guest's blkfront) queues requests on a ring page; blkif_fetch()
 * must decode every field of them; blkif_put_response() answers them,
 * and blkif-i386 must read each answer back through the header's struct.
 * Neither side's layout comes from the other, nor from a hand-made table.
 *
 * blkif-i386 is built only where gcc -m32 works (gcc-multilib, which
 * scripts/test installs) and runs only where the kernel runs 32-bit
 * programs: otherwise this test is skipped (exit 77) and says why.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blkif_proto.h"
#include "blkif-i386-cases.h"
#include "../../tests/cunit_runner.h"

#define SKIP 77

static char peer[PATH_MAX];	/* blkif-i386, beside this program */
static char ring_file[] = "/tmp/test-blkif-i386.XXXXXX";
static unsigned char ring[I386_RING_BYTES];

/* the entries after the 64-byte header, and how many fit the page */
#define ENTRIES (ring + 64)
#define I386_SLOTS 32u	/* __RD32((4096 - 64) / 108) */

static int run_peer(const char *mode)
{
	char cmd[PATH_MAX * 2 + 48];
	int st;

	/* "none" only asks whether it runs at all: its usage is noise */
	snprintf(cmd, sizeof(cmd), "'%s' %s '%s'%s", peer, mode, ring_file,
		 strcmp(mode, "none") ? "" : " 2>/dev/null");
	st = system(cmd);
	return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

/* Request k of the ring: a direct read or write as blkif-i386 made it. */
static void check_direct(struct blkif_req *r, unsigned k, uint8_t op,
			 uint64_t sector, unsigned nsegs)
{
	CU_ASSERT_EQUAL(blkif_fetch(ENTRIES, I386_SLOTS, k, BLKIF_ABI_X86_32,
				    r), 0);
	CU_ASSERT_EQUAL(r->operation, op);
	CU_ASSERT_EQUAL(r->handle, I386_HANDLE);
	CU_ASSERT_EQUAL(r->id, I386_ID(k));
	CU_ASSERT_EQUAL(r->sector_number, sector);
	CU_ASSERT_EQUAL(r->nr_segments, nsegs);
	for (unsigned s = 0; s < nsegs; s++) {
		CU_ASSERT_EQUAL(r->seg[s].gref, I386_SEG_GREF(k, s));
		CU_ASSERT_EQUAL(r->seg[s].first_sect, I386_SEG_FIRST(s));
		CU_ASSERT_EQUAL(r->seg[s].last_sect, I386_SEG_LAST(s));
	}
}

static void test_requests(void)
{
	struct blkif_req *r = malloc(sizeof(*r));
	FILE *f;

	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT_EQUAL_FATAL(run_peer("requests"), 0);
	f = fopen(ring_file, "rb");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL_FATAL(fread(ring, sizeof(ring), 1, f), 1);
	fclose(f);
	/* the header: req_prod, as the 32-bit frontend pushed it */
	CU_ASSERT_EQUAL(ring[0], I386_NR_CASES);
	CU_ASSERT_EQUAL(blkif_entry_size(BLKIF_ABI_X86_32), 108);

	check_direct(r, 0, BLKIF_OP_READ, I386_READ_SECTOR, I386_READ_SEGS);
	check_direct(r, 1, BLKIF_OP_WRITE, I386_WRITE_SECTOR,
		     I386_WRITE_SEGS);

	CU_ASSERT_EQUAL(blkif_fetch(ENTRIES, I386_SLOTS, 2, BLKIF_ABI_X86_32,
				    r), 0);
	CU_ASSERT_EQUAL(r->operation, BLKIF_OP_INDIRECT);
	CU_ASSERT_EQUAL(r->indirect_op, BLKIF_OP_WRITE);
	CU_ASSERT_EQUAL(r->id, I386_ID(2));
	CU_ASSERT_EQUAL(r->handle, I386_HANDLE);
	CU_ASSERT_EQUAL(r->sector_number, I386_IND_SECTOR);
	CU_ASSERT_EQUAL(r->nr_segments, I386_IND_SEGS);
	CU_ASSERT_EQUAL(r->nr_indirect_pages, 1);
	CU_ASSERT_EQUAL(r->indirect_grefs[0], I386_IND_GREF);

	CU_ASSERT_EQUAL(blkif_fetch(ENTRIES, I386_SLOTS, 3, BLKIF_ABI_X86_32,
				    r), 0);
	CU_ASSERT_EQUAL(r->operation, BLKIF_OP_DISCARD);
	CU_ASSERT_EQUAL(r->discard_flag, BLKIF_DISCARD_SECURE);
	CU_ASSERT_EQUAL(r->handle, I386_HANDLE);
	CU_ASSERT_EQUAL(r->id, I386_ID(3));
	CU_ASSERT_EQUAL(r->sector_number, I386_DISCARD_SECTOR);
	CU_ASSERT_EQUAL(r->nr_sectors, I386_DISCARD_SECTORS);

	CU_ASSERT_EQUAL(blkif_fetch(ENTRIES, I386_SLOTS, 4, BLKIF_ABI_X86_32,
				    r), 0);
	CU_ASSERT_EQUAL(r->operation, BLKIF_OP_FLUSH_DISKCACHE);
	CU_ASSERT_EQUAL(r->id, I386_ID(4));
	CU_ASSERT_EQUAL(r->nr_segments, 0);
	free(r);
}

static void test_responses(void)
{
	static const uint8_t ops[I386_NR_CASES] = {
		BLKIF_OP_READ, BLKIF_OP_WRITE, BLKIF_OP_WRITE,
		BLKIF_OP_DISCARD, BLKIF_OP_FLUSH_DISKCACHE
	};
	FILE *f;

	/* over the requests, as a backend answers in place */
	for (unsigned k = 0; k < I386_NR_CASES; k++)
		CU_ASSERT_EQUAL(blkif_put_response(ENTRIES, I386_SLOTS, k,
						   BLKIF_ABI_X86_32,
						   I386_ID(k), ops[k],
						   (int16_t)I386_STATUS(k)), 0);
	/* rsp_prod, the third 32-bit word of the header (little endian) */
	memset(ring + 8, 0, 4);
	ring[8] = I386_NR_CASES;
	f = fopen(ring_file, "wb");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL(fwrite(ring, sizeof(ring), 1, f), 1);
	CU_ASSERT_EQUAL(fclose(f), 0);
	CU_ASSERT_EQUAL(run_peer("responses"), 0);
}

int main(int argc, char **argv)
{
	static const struct xlp_test tests[] = {
		{ "requests of a 32-bit frontend", test_requests },
		{ "responses read by a 32-bit frontend", test_responses },
		{ NULL, NULL },
	};
	static const struct xlp_suite suites[] = {
		{ "blkif/x86_32 against gcc -m32", tests, NULL, NULL },
		{ NULL, NULL, NULL, NULL },
	};
	const char *slash = strrchr(argv[0], '/');
	int fd, rc;

	(void)argc;
	snprintf(peer, sizeof(peer), "%.*sblkif-i386",
		 slash ? (int)(slash - argv[0] + 1) : 0, argv[0]);
	if (access(peer, X_OK)) {
		printf("SKIP: %s: %s (it needs gcc -m32: apt-get install "
		       "gcc-multilib, then configure again)\n", peer,
		       strerror(errno));
		return SKIP;
	}
	fd = mkstemp(ring_file);
	if (fd < 0) {
		perror(ring_file);
		return 1;
	}
	close(fd);
	/* a kernel without 32-bit support cannot run the peer at all */
	rc = run_peer("none");
	if (rc != 2) {
		printf("SKIP: %s does not run here (exit %d): this kernel "
		       "runs no 32-bit x86 programs\n", peer, rc);
		unlink(ring_file);
		return SKIP;
	}
	rc = xlp_cunit_run(suites);
	unlink(ring_file);
	return rc;
}
