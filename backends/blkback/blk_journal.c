/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "blk_journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define JOURNAL_MAGIC 0x6a6b6c62u	/* "blkj" */
#define JOURNAL_VERSION 1u

static size_t journal_bytes(unsigned nr_queues, unsigned slots)
{
	return sizeof(struct blk_jhead) +
	       (size_t)nr_queues * slots * sizeof(struct blk_jentry);
}

int blk_journal_path(char *buf, size_t len, const char *dir,
		     unsigned fe_domid, unsigned devid)
{
	int n = snprintf(buf, len, "%s/vbd-%u-%u", dir, fe_domid, devid);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int map_file(struct blk_journal *j, const char *path, int flags,
		    size_t bytes)
{
	struct stat st;
	void *p;
	int fd;

	if (strlen(path) >= sizeof(j->path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	snprintf(j->path, sizeof(j->path), "%s", path);
	fd = open(path, flags | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (flags & O_CREAT) {
		if (ftruncate(fd, 0) || ftruncate(fd, (off_t)bytes))
			goto fail;
	} else if (fstat(fd, &st) || (size_t)st.st_size != bytes) {
		errno = EINVAL;
		goto fail;
	}
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	close(fd);
	j->head = p;
	j->bytes = bytes;
	return 0;
fail:
	{
		int e = errno;

		close(fd);
		errno = e;
	}
	return -1;
}

static bool shape_ok(unsigned nr_queues, unsigned slots)
{
	return nr_queues >= 1 && nr_queues <= BLK_JOURNAL_MAX_QUEUES &&
	       slots >= 1 && slots <= 4096;
}

int blk_journal_create(struct blk_journal *j, const char *path,
		       unsigned fe_domid, unsigned devid, unsigned abi,
		       unsigned nr_queues, unsigned slots_per_queue)
{
	struct blk_jhead *h;

	j->head = NULL;
	j->path[0] = '\0';
	if (!shape_ok(nr_queues, slots_per_queue)) {
		errno = EINVAL;
		return -1;
	}
	/* a fresh file is all zeroes: every entry FREE */
	if (map_file(j, path, O_CREAT,
		     journal_bytes(nr_queues, slots_per_queue)))
		return -1;
	h = j->head;
	h->version = JOURNAL_VERSION;
	h->fe_domid = fe_domid;
	h->devid = devid;
	h->abi = abi;
	h->nr_queues = nr_queues;
	h->slots_per_queue = slots_per_queue;
	/* last: a half-written header is not taken for a journal */
	blk_journal_set(&h->magic, JOURNAL_MAGIC);
	return 0;
}

int blk_journal_open(struct blk_journal *j, const char *path,
		     unsigned fe_domid, unsigned devid, unsigned abi,
		     unsigned nr_queues, unsigned slots_per_queue)
{
	const struct blk_jhead *h;

	j->head = NULL;
	j->path[0] = '\0';
	if (!shape_ok(nr_queues, slots_per_queue)) {
		errno = EINVAL;
		return -1;
	}
	if (map_file(j, path, 0, journal_bytes(nr_queues, slots_per_queue)))
		return -1;
	h = j->head;
	if (h->magic != JOURNAL_MAGIC || h->version != JOURNAL_VERSION ||
	    h->fe_domid != fe_domid || h->devid != devid || h->abi != abi ||
	    h->nr_queues != nr_queues ||
	    h->slots_per_queue != slots_per_queue) {
		blk_journal_close(j);
		errno = EINVAL;
		return -1;
	}
	for (unsigned q = 0; q < nr_queues; q++)
		if (h->q[q].nr_ring_pages < 1 ||
		    h->q[q].nr_ring_pages > BLK_JOURNAL_MAX_RING_PAGES) {
			blk_journal_close(j);
			errno = EINVAL;
			return -1;
		}
	return 0;
}

struct blk_jentry *blk_journal_entry(const struct blk_journal *j,
				     unsigned q, unsigned slot)
{
	struct blk_jentry *e = (struct blk_jentry *)(j->head + 1);

	return &e[(size_t)q * j->head->slots_per_queue + slot];
}

void blk_journal_close(struct blk_journal *j)
{
	if (j->head)
		munmap(j->head, j->bytes);
	j->head = NULL;
}

void blk_journal_remove(struct blk_journal *j)
{
	blk_journal_close(j);
	/* by name, mapped or not: a journal left from before that was never
	 * taken over is as finished as this connection */
	if (j->path[0])
		unlink(j->path);
	j->path[0] = '\0';
}

unsigned blk_journal_recover(struct blk_journal *j, unsigned q,
			     uint32_t *req_cons, uint32_t *rsp_prod)
{
	struct blk_jqueue *jq = &j->head->q[q];
	uint32_t cons = jq->req_cons, prod = jq->rsp_prod;
	unsigned again = 0;

	for (unsigned s = 0; s < j->head->slots_per_queue; s++) {
		struct blk_jentry *e = blk_journal_entry(j, q, s);

		if (e->state == BLK_J_ANSWERED) {
			/* died before counting it: the response is there */
			if ((int32_t)(e->rsp_idx + 1 - prod) > 0)
				prod = e->rsp_idx + 1;
			e->state = BLK_J_FREE;
		} else if (e->state == BLK_J_TAKEN) {
			if ((int32_t)(e->ring_idx - cons) >= 0)
				e->state = BLK_J_FREE;	/* not consumed yet */
			else
				again++;
		} else if (e->state != BLK_J_FREE) {
			e->state = BLK_J_FREE;
		}
	}
	jq->req_cons = cons;
	jq->rsp_prod = prod;
	*req_cons = cons;
	*rsp_prod = prod;
	return again;
}
