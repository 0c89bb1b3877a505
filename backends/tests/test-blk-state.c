/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The state lpar-blkback keeps beside a ring: the persistent-grant map
 * and the journal that lets a restarted daemon re-attach. No Xen needed:
 * the journal's recovery rules are checked at every point where the
 * daemon could die between two of its ordered stores.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blk_grants.h"
#include "blk_journal.h"
#include "../../tests/cunit_runner.h"

static char dir[] = "/tmp/test-blk-state.XXXXXX";
static char path[300];

static int setup(void)
{
	if (!mkdtemp(dir))
		return -1;
	return blk_journal_path(path, sizeof(path), dir, 7, 51712);
}

static int teardown(void)
{
	unlink(path);
	rmdir(dir);
	return 0;
}

static unsigned unmapped;

static void count_unmap(void *arg, void *page)
{
	(void)arg;
	(void)page;
	unmapped++;
}

static void test_pgrants(void)
{
	struct blk_pgrants p;
	static char pages[3000];

	CU_ASSERT_EQUAL_FATAL(blk_pgrants_init(&p, 1000), 0);
	CU_ASSERT_PTR_NULL(blk_pgrants_find(&p, 5));
	for (unsigned i = 0; i < 1000; i++)
		CU_ASSERT_EQUAL(blk_pgrants_add(&p, i * 3, &pages[i]), 0);
	/* full: the caller copies instead of mapping more */
	CU_ASSERT_TRUE(blk_pgrants_full(&p));
	CU_ASSERT_EQUAL(blk_pgrants_add(&p, 1, &pages[2999]), -1);
	for (unsigned i = 0; i < 1000; i++) {
		CU_ASSERT_PTR_EQUAL(blk_pgrants_find(&p, i * 3), &pages[i]);
		CU_ASSERT_PTR_NULL(blk_pgrants_find(&p, i * 3 + 1));
	}
	unmapped = 0;
	blk_pgrants_clear(&p, count_unmap, NULL);
	CU_ASSERT_EQUAL(unmapped, 1000);
	CU_ASSERT_PTR_NULL(blk_pgrants_find(&p, 3));

	/* the same reference twice is refused, not kept twice */
	CU_ASSERT_EQUAL_FATAL(blk_pgrants_init(&p, 4), 0);
	CU_ASSERT_EQUAL(blk_pgrants_add(&p, 9, &pages[0]), 0);
	CU_ASSERT_EQUAL(blk_pgrants_add(&p, 9, &pages[1]), -1);
	CU_ASSERT_EQUAL(p.count, 1);
	blk_pgrants_clear(&p, count_unmap, NULL);
}

static void test_open_checks(void)
{
	struct blk_journal j;

	unlink(path);
	CU_ASSERT_EQUAL(blk_journal_open(&j, path, 7, 51712, 0, 1, 32), -1);
	CU_ASSERT_EQUAL(errno, ENOENT);
	CU_ASSERT_EQUAL_FATAL(blk_journal_create(&j, path, 7, 51712, 0, 2,
						 32), 0);
	j.head->q[0].nr_ring_pages = 1;
	j.head->q[1].nr_ring_pages = 1;
	blk_journal_close(&j);
	/* another device, ABI or shape: not ours */
	CU_ASSERT_EQUAL(blk_journal_open(&j, path, 8, 51712, 0, 2, 32), -1);
	CU_ASSERT_EQUAL(blk_journal_open(&j, path, 7, 51713, 0, 2, 32), -1);
	CU_ASSERT_EQUAL(blk_journal_open(&j, path, 7, 51712, 2, 2, 32), -1);
	CU_ASSERT_EQUAL(blk_journal_open(&j, path, 7, 51712, 0, 1, 32), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_EQUAL(blk_journal_open(&j, path, 7, 51712, 0, 2, 64), -1);
	CU_ASSERT_EQUAL_FATAL(blk_journal_open(&j, path, 7, 51712, 0, 2, 32),
			      0);
	/* a damaged header (ring pages out of range) */
	j.head->q[1].nr_ring_pages = 99;
	blk_journal_close(&j);
	CU_ASSERT_EQUAL(blk_journal_open(&j, path, 7, 51712, 0, 2, 32), -1);
	/* cut short */
	CU_ASSERT_EQUAL(truncate(path, 100), 0);
	CU_ASSERT_EQUAL(blk_journal_open(&j, path, 7, 51712, 0, 2, 32), -1);
	/* shapes a journal cannot have */
	CU_ASSERT_EQUAL(blk_journal_create(&j, path, 7, 51712, 0, 0, 32), -1);
	CU_ASSERT_EQUAL(blk_journal_create(&j, path, 7, 51712, 0,
					   BLK_JOURNAL_MAX_QUEUES + 1, 32), -1);
	CU_ASSERT_EQUAL(blk_journal_create(&j, path, 7, 51712, 0, 1, 0), -1);
}

static struct blk_journal fresh(uint32_t req_cons, uint32_t rsp_prod)
{
	struct blk_journal j;

	CU_ASSERT_EQUAL_FATAL(blk_journal_create(&j, path, 7, 51712, 0, 1,
						 4), 0);
	j.head->q[0].nr_ring_pages = 1;
	j.head->q[0].req_cons = req_cons;
	j.head->q[0].rsp_prod = rsp_prod;
	return j;
}

static void set(struct blk_journal *j, unsigned slot, uint32_t state,
		uint32_t ring_idx, uint32_t rsp_idx)
{
	struct blk_jentry *e = blk_journal_entry(j, 0, slot);

	e->state = state;
	e->ring_idx = ring_idx;
	e->rsp_idx = rsp_idx;
}

/*
 * Each case is the journal as the daemon leaves it if it dies right
 * after one of its stores (see blk_journal.h), with two other requests
 * in flight (taken at 10 and 11) that must be served again.
 */
static void test_recover_points(void)
{
	struct blk_journal j;
	uint32_t cons, prod;

	/* died after marking a slot TAKEN, before counting it consumed:
	 * it is read from the ring again, not replayed */
	j = fresh(12, 10);
	set(&j, 0, BLK_J_TAKEN, 10, 0);
	set(&j, 1, BLK_J_TAKEN, 11, 0);
	set(&j, 2, BLK_J_TAKEN, 12, 0);
	CU_ASSERT_EQUAL(blk_journal_recover(&j, 0, &cons, &prod), 2);
	CU_ASSERT_EQUAL(cons, 12);
	CU_ASSERT_EQUAL(prod, 10);
	CU_ASSERT_EQUAL(blk_journal_entry(&j, 0, 2)->state, BLK_J_FREE);
	CU_ASSERT_EQUAL(blk_journal_entry(&j, 0, 0)->state, BLK_J_TAKEN);
	blk_journal_remove(&j);

	/* died after counting it: served again */
	j = fresh(13, 10);
	set(&j, 0, BLK_J_TAKEN, 10, 0);
	set(&j, 1, BLK_J_TAKEN, 11, 0);
	set(&j, 2, BLK_J_TAKEN, 12, 0);
	CU_ASSERT_EQUAL(blk_journal_recover(&j, 0, &cons, &prod), 3);
	CU_ASSERT_EQUAL(cons, 13);
	blk_journal_remove(&j);

	/* died after writing a response and marking it ANSWERED, before
	 * counting it: counted now, never answered twice */
	j = fresh(13, 10);
	set(&j, 0, BLK_J_TAKEN, 10, 0);
	set(&j, 1, BLK_J_TAKEN, 11, 0);
	set(&j, 2, BLK_J_ANSWERED, 12, 10);
	CU_ASSERT_EQUAL(blk_journal_recover(&j, 0, &cons, &prod), 2);
	CU_ASSERT_EQUAL(prod, 11);
	CU_ASSERT_EQUAL(j.head->q[0].rsp_prod, 11);
	CU_ASSERT_EQUAL(blk_journal_entry(&j, 0, 2)->state, BLK_J_FREE);
	blk_journal_remove(&j);

	/* died after counting it, before freeing the entry */
	j = fresh(13, 11);
	set(&j, 0, BLK_J_TAKEN, 10, 0);
	set(&j, 1, BLK_J_TAKEN, 11, 0);
	set(&j, 2, BLK_J_ANSWERED, 12, 10);
	CU_ASSERT_EQUAL(blk_journal_recover(&j, 0, &cons, &prod), 2);
	CU_ASSERT_EQUAL(prod, 11);
	blk_journal_remove(&j);

	/* the same across the 2^32 wrap of ring indexes */
	j = fresh(1, 0xffffffffu);
	set(&j, 0, BLK_J_TAKEN, 0xfffffffeu, 0);
	set(&j, 1, BLK_J_ANSWERED, 0xffffffffu, 0xffffffffu);
	set(&j, 2, BLK_J_TAKEN, 1, 0);
	set(&j, 3, BLK_J_TAKEN, 0, 0);
	CU_ASSERT_EQUAL(blk_journal_recover(&j, 0, &cons, &prod), 2);
	CU_ASSERT_EQUAL(cons, 1);
	CU_ASSERT_EQUAL(prod, 0);
	CU_ASSERT_EQUAL(blk_journal_entry(&j, 0, 2)->state, BLK_J_FREE);
	CU_ASSERT_EQUAL(blk_journal_entry(&j, 0, 3)->state, BLK_J_TAKEN);
	blk_journal_remove(&j);
	CU_ASSERT_EQUAL(access(path, F_OK), -1);
}

/* What a process stores into the journal is there after SIGKILL. */
static void test_survives_sigkill(void)
{
	struct blk_journal j;
	int pipefd[2], status;
	uint32_t cons, prod;
	pid_t pid;
	char c;

	unlink(path);
	CU_ASSERT_EQUAL_FATAL(pipe(pipefd), 0);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		struct blk_jentry *e;

		if (blk_journal_create(&j, path, 7, 51712, 1, 1, 4))
			_exit(1);
		j.head->q[0].nr_ring_pages = 2;
		e = blk_journal_entry(&j, 0, 3);
		memset(e->raw, 0xab, sizeof(e->raw));
		e->ring_idx = 41;
		blk_journal_set(&e->state, BLK_J_TAKEN);
		blk_journal_set(&j.head->q[0].req_cons, 42);
		blk_journal_set(&j.head->q[0].rsp_prod, 41);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(pipefd[1]);
	CU_ASSERT_EQUAL(read(pipefd[0], &c, 1), 1);
	close(pipefd[0]);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	CU_ASSERT_TRUE(WIFSIGNALED(status));
	CU_ASSERT_EQUAL_FATAL(blk_journal_open(&j, path, 7, 51712, 1, 1, 4),
			      0);
	CU_ASSERT_EQUAL(blk_journal_recover(&j, 0, &cons, &prod), 1);
	CU_ASSERT_EQUAL(cons, 42);
	CU_ASSERT_EQUAL(prod, 41);
	CU_ASSERT_EQUAL(blk_journal_entry(&j, 0, 3)->raw[111], 0xab);
	blk_journal_remove(&j);
}

static const struct xlp_test tests[] = {
	{ "persistent grants: find, add, full, clear", test_pgrants },
	{ "journal: only this device's, undamaged", test_open_checks },
	{ "journal: recovery at every crash point", test_recover_points },
	{ "journal: stores outlive SIGKILL", test_survives_sigkill },
	{ NULL, NULL },
};

int main(void)
{
	static const struct xlp_suite suites[] = {
		{ "blk_grants and blk_journal", tests, setup, teardown },
		{ NULL, NULL, NULL, NULL },
	};

	return xlp_cunit_run(suites);
}
