/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The disk and io_uring layers of lpar-blkback on a temporary image:
 * no Xen host needed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blk_disk.h"
#include "blk_io.h"
#include "../../tests/cunit_runner.h"

static char dir[] = "/tmp/test-blk-io.XXXXXX";
static char img[300];
static char err[256];

static int setup(void)
{
	int fd;

	if (!mkdtemp(dir))
		return -1;
	snprintf(img, sizeof(img), "%s/disk.img", dir);
	fd = open(img, O_CREAT | O_RDWR, 0600);
	if (fd < 0 || ftruncate(fd, 1 << 20))
		return -1;
	close(fd);
	return 0;
}

static int teardown(void)
{
	unlink(img);
	rmdir(dir);
	return 0;
}

struct result {
	uint64_t tag;
	int res;
	int n;
};

static void note(void *arg, uint64_t tag, int res)
{
	struct result *r = arg;

	r->tag = tag;
	r->res = res;
	r->n++;
}

/* Submit what is queued and wait for exactly one result. */
static struct result one(struct blk_io *io)
{
	struct result r = { 0, 0, 0 };

	CU_ASSERT_EQUAL(blk_io_submit(io), 0);
	while (r.n == 0) {
		CU_ASSERT_EQUAL_FATAL(blk_io_wait(io), 0);
		blk_io_reap(io, note, &r);
	}
	return r;
}

static void test_open(void)
{
	struct blk_disk d;
	char path[400];

	CU_ASSERT_EQUAL_FATAL(blk_disk_open(&d, img, false, err, sizeof(err)),
			      0);
	CU_ASSERT_EQUAL(d.size_bytes, 1u << 20);
	CU_ASSERT_EQUAL(d.logical_sector_size, 512);
	CU_ASSERT_FALSE(d.is_block_device);
	CU_ASSERT_TRUE(d.can_discard);
	blk_disk_close(&d);

	snprintf(path, sizeof(path), "%s/none.img", dir);
	CU_ASSERT_EQUAL(blk_disk_open(&d, path, false, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "none.img"));
	CU_ASSERT_EQUAL(blk_disk_open(&d, dir, false, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "neither a regular file"));
}

static void test_write_flush_read(void)
{
	struct blk_disk d;
	struct blk_io io;
	struct result r;
	struct iovec iov[2];
	unsigned char *buf = NULL, *back = NULL;

	CU_ASSERT_EQUAL_FATAL(blk_disk_open(&d, img, false, err, sizeof(err)),
			      0);
	CU_ASSERT_EQUAL_FATAL(blk_io_init(&io, 8, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(posix_memalign((void **)&buf, 4096, 8192), 0);
	CU_ASSERT_EQUAL_FATAL(posix_memalign((void **)&back, 4096, 8192), 0);
	for (int i = 0; i < 8192; i++)
		buf[i] = (unsigned char)(i * 7 + 3);

	/* two pages, one write: as a request of two segments */
	iov[0] = (struct iovec){ buf, 4096 };
	iov[1] = (struct iovec){ buf + 4096, 4096 };
	CU_ASSERT_EQUAL(blk_io_writev(&io, d.fd, iov, 2, 65536, 11), 0);
	r = one(&io);
	CU_ASSERT_EQUAL(r.tag, 11);
	CU_ASSERT_EQUAL(r.res, 8192);

	CU_ASSERT_EQUAL(blk_io_flush(&io, d.fd, 12), 0);
	r = one(&io);
	CU_ASSERT_EQUAL(r.tag, 12);
	CU_ASSERT_EQUAL(r.res, 0);

	memset(back, 0, 8192);
	iov[0] = (struct iovec){ back, 8192 };
	CU_ASSERT_EQUAL(blk_io_readv(&io, d.fd, iov, 1, 65536, 13), 0);
	r = one(&io);
	CU_ASSERT_EQUAL(r.res, 8192);
	CU_ASSERT_EQUAL(memcmp(buf, back, 8192), 0);

	/* discard through io_uring: a hole that reads back as zeros, the
	 * size kept (blk_disk_discard, the synchronous way, below) */
	CU_ASSERT_EQUAL(blk_io_punch_hole(&io, d.fd, 65536, 4096, 15), 0);
	r = one(&io);
	CU_ASSERT_EQUAL(r.tag, 15);
	CU_ASSERT_EQUAL(r.res, 0);
	CU_ASSERT_EQUAL(blk_disk_discard(&d, 65536, 4096), 0);
	CU_ASSERT_EQUAL(blk_io_readv(&io, d.fd, iov, 1, 65536, 14), 0);
	r = one(&io);
	CU_ASSERT_EQUAL(r.res, 8192);
	for (int i = 0; i < 4096; i++)
		if (back[i]) {
			CU_FAIL("discarded bytes do not read as zero");
			break;
		}
	CU_ASSERT_EQUAL(memcmp(buf + 4096, back + 4096, 4096), 0);
	CU_ASSERT_EQUAL(blk_disk_refresh_size(&d, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.size_bytes, 1u << 20);

	free(buf);
	free(back);
	blk_io_exit(&io);
	blk_disk_close(&d);
}

static void test_read_only(void)
{
	struct blk_disk d;
	struct blk_io io;
	struct result r;
	struct iovec iov;
	void *buf = NULL;

	CU_ASSERT_EQUAL_FATAL(blk_disk_open(&d, img, true, err, sizeof(err)),
			      0);
	CU_ASSERT_FALSE(d.can_discard);
	CU_ASSERT_EQUAL(blk_disk_discard(&d, 0, 4096), -EOPNOTSUPP);
	CU_ASSERT_EQUAL_FATAL(blk_io_init(&io, 4, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(posix_memalign(&buf, 4096, 4096), 0);
	iov = (struct iovec){ buf, 4096 };
	CU_ASSERT_EQUAL(blk_io_writev(&io, d.fd, &iov, 1, 0, 1), 0);
	r = one(&io);
	CU_ASSERT_EQUAL(r.res, -EBADF);
	free(buf);
	blk_io_exit(&io);
	blk_disk_close(&d);
}

static void test_queue_full(void)
{
	struct blk_disk d;
	struct blk_io io;
	struct iovec iov;
	struct result r = { 0, 0, 0 };
	void *buf = NULL;
	int i;

	CU_ASSERT_EQUAL_FATAL(blk_disk_open(&d, img, false, err, sizeof(err)),
			      0);
	CU_ASSERT_EQUAL_FATAL(blk_io_init(&io, 4, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(posix_memalign(&buf, 4096, 4096), 0);
	iov = (struct iovec){ buf, 4096 };
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(blk_io_readv(&io, d.fd, &iov, 1, 0, i), 0);
	CU_ASSERT_FALSE(blk_io_has_room(&io));
	CU_ASSERT_EQUAL(blk_io_readv(&io, d.fd, &iov, 1, 0, 9), -EBUSY);
	CU_ASSERT_EQUAL(blk_io_submit(&io), 0);
	/* still full while they are in flight: the completion queue can
	 * never overflow */
	CU_ASSERT_EQUAL(blk_io_readv(&io, d.fd, &iov, 1, 0, 9), -EBUSY);
	while (r.n < 4) {
		CU_ASSERT_EQUAL_FATAL(blk_io_wait(&io), 0);
		blk_io_reap(&io, note, &r);
	}
	CU_ASSERT_TRUE(blk_io_has_room(&io));
	free(buf);
	blk_io_exit(&io);
	blk_disk_close(&d);
}

static const struct xlp_test tests[] = {
	{ "open: size, sectors, errors", test_open },
	{ "write, flush, read back, discard", test_write_flush_read },
	{ "read-only disk refuses writes", test_read_only },
	{ "a full queue says so", test_queue_full },
	{ NULL, NULL },
};

int main(void)
{
	static const struct xlp_suite suites[] = {
		{ "blk_disk and blk_io", tests, setup, teardown },
		{ NULL, NULL, NULL, NULL },
	};

	return xlp_cunit_run(suites);
}
