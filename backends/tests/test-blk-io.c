/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The disk and io_uring layers of lpar-blkback on a temporary image and,
 * where this machine lets us (root, /dev/loop-control), on loop devices
 * made for the test: no Xen host needed. Without loop devices their
 * suite is left out, and the output says why.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "blk_disk.h"
#include "blk_io.h"
#include "../../tests/cunit_runner.h"

#define MiB (1u << 20)

static char dir[] = "/tmp/test-blk-io.XXXXXX";
static char img[300];
static char err[256];

static int setup(void)
{
	int fd;

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
	return 0;
}

struct result {
	uint64_t tag;
	int res;
	int n;
	uint64_t order[16];	/* tags as they came */
	int resv[16];
};

static void note(void *arg, uint64_t tag, int res)
{
	struct result *r = arg;

	r->tag = tag;
	r->res = res;
	if (r->n < 16) {
		r->order[r->n] = tag;
		r->resv[r->n] = res;
	}
	r->n++;
}

/* Submit what is queued and wait for exactly one result. */
static struct result one(struct blk_io *io)
{
	struct result r = { 0 };

	CU_ASSERT_EQUAL(blk_io_submit(io), 0);
	while (r.n == 0) {
		CU_ASSERT_EQUAL_FATAL(blk_io_wait(io), 0);
		blk_io_reap(io, note, &r);
	}
	return r;
}

/* Submit and collect n results, in the order they came. */
static void collect(struct blk_io *io, struct result *r, int n)
{
	CU_ASSERT_EQUAL(blk_io_submit(io), 0);
	while (r->n < n) {
		CU_ASSERT_EQUAL_FATAL(blk_io_wait(io), 0);
		blk_io_reap(io, note, r);
	}
}

static int position(const struct result *r, uint64_t tag)
{
	for (int i = 0; i < r->n && i < 16; i++)
		if (r->order[i] == tag)
			return i;
	return -1;
}

static int result_of(const struct result *r, uint64_t tag)
{
	int i = position(r, tag);

	return i < 0 ? -99999 : r->resv[i];
}

/* A file of size bytes, every block written (allocated) and synced. */
static int fill_file(const char *path, uint64_t size)
{
	static unsigned char buf[65536];
	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);

	if (fd < 0)
		return -1;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 13 + 1);
	for (uint64_t off = 0; off < size; off += sizeof(buf))
		if (pwrite(fd, buf, sizeof(buf), (off_t)off) !=
		    (ssize_t)sizeof(buf)) {
			close(fd);
			return -1;
		}
	if (fsync(fd)) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static long long allocated(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (long long)st.st_blocks * 512;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Reads len bytes at off through the disk's own fd, with io_uring. */
static int read_back(struct blk_io *io, struct blk_disk *d, void *buf,
		     size_t len, uint64_t off)
{
	struct iovec iov = { buf, len };
	struct result r;

	if (blk_io_readv(io, d->fd, &iov, 1, off, 77))
		return -1;
	r = one(io);
	return r.res;
}

/* ---- a file ---- */

static void test_open(void)
{
	struct blk_disk d;
	char path[400];
	struct stat st;

	CU_ASSERT_EQUAL_FATAL(blk_disk_open(&d, img, false, err, sizeof(err)),
			      0);
	CU_ASSERT_EQUAL(d.size_bytes, 1u << 20);
	CU_ASSERT_EQUAL(d.logical_sector_size, 512);
	CU_ASSERT_FALSE(d.is_block_device);
	CU_ASSERT_TRUE(d.can_discard);
	CU_ASSERT_EQUAL(d.discard_how, BLK_DISCARD_PUNCH);
	CU_ASSERT_TRUE(d.discard_zeroes);
	/* a hole frees whole file system blocks: that is the granularity */
	CU_ASSERT_EQUAL_FATAL(stat(img, &st), 0);
	if (st.st_blksize >= 512 && st.st_blksize <= 65536)
		CU_ASSERT_EQUAL(d.discard_granularity,
				(unsigned)st.st_blksize);
	CU_ASSERT_TRUE(d.physical_sector_size >= d.logical_sector_size);
	blk_disk_close(&d);

	snprintf(path, sizeof(path), "%s/none.img", dir);
	CU_ASSERT_EQUAL(blk_disk_open(&d, path, false, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "none.img"));
	CU_ASSERT_EQUAL(blk_disk_open(&d, dir, false, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "neither a regular file"));
}

/* What the fd really has, against what the disk says it has. */
static void check_alignment(const struct blk_disk *d)
{
	int fl = fcntl(d->fd, F_GETFL);

	CU_ASSERT_TRUE(fl >= 0);
	CU_ASSERT_EQUAL(!!(fl & O_DIRECT), d->direct);
	CU_ASSERT_TRUE(d->direct_align >= 512);
	CU_ASSERT_EQUAL(d->direct_align & (d->direct_align - 1), 0);
	CU_ASSERT_TRUE(d->direct_align >= d->dio_mem_align);
	CU_ASSERT_TRUE(d->direct_align >= d->dio_offset_align);
	if (!d->direct) {
		CU_ASSERT_PTR_NOT_NULL(d->buffered_why);
		return;
	}
	CU_ASSERT_PTR_NULL(d->buffered_why);
	/* the guest's sectors are always aligned enough */
	CU_ASSERT_TRUE(d->dio_offset_align <= d->logical_sector_size);
	CU_ASSERT_TRUE(d->dio_mem_align >= 1 && d->dio_mem_align <= 4096);
#ifdef STATX_DIOALIGN
	{
		struct statx sx;

		if (statx(d->fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 &&
		    (sx.stx_mask & STATX_DIOALIGN)) {
			CU_ASSERT_EQUAL(d->dio_mem_align, sx.stx_dio_mem_align);
			CU_ASSERT_EQUAL(d->dio_offset_align,
					sx.stx_dio_offset_align >
					d->logical_sector_size
					? sx.stx_dio_offset_align
					: d->logical_sector_size);
		}
	}
#endif
}

static void test_file_alignment(void)
{
	struct blk_disk d;

	CU_ASSERT_EQUAL_FATAL(blk_disk_open(&d, img, false, err, sizeof(err)),
			      0);
	check_alignment(&d);
	blk_disk_close(&d);
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
	 * size kept; then the synchronous way, and a discard of nothing */
	CU_ASSERT_EQUAL(blk_io_discard(&io, &d, 65536, 4096, 15), 0);
	r = one(&io);
	CU_ASSERT_EQUAL(r.tag, 15);
	CU_ASSERT_EQUAL(r.res, 0);
	CU_ASSERT_EQUAL(blk_disk_discard(&d, 65536, 4096), 0);
	CU_ASSERT_EQUAL(blk_io_discard(&io, &d, 0, 0, 16), 0);
	r = one(&io);
	CU_ASSERT_EQUAL(r.tag, 16);
	CU_ASSERT_EQUAL(r.res, 0);
	CU_ASSERT_EQUAL(blk_io_readv(&io, d.fd, iov, 1, 65536, 14), 0);
	r = one(&io);
	CU_ASSERT_EQUAL(r.res, 8192);
	CU_ASSERT_TRUE(all_zero(back, 4096));
	CU_ASSERT_EQUAL(memcmp(buf + 4096, back + 4096, 4096), 0);
	CU_ASSERT_EQUAL(blk_disk_refresh_size(&d, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.size_bytes, 1u << 20);

	free(buf);
	free(back);
	blk_io_exit(&io);
	blk_disk_close(&d);
}

static void test_file_discard_frees(void)
{
	struct blk_disk d;
	struct blk_io io;
	struct result r;
	char path[400];
	unsigned char *back = NULL;
	long long before, after;

	snprintf(path, sizeof(path), "%s/full.img", dir);
	CU_ASSERT_EQUAL_FATAL(fill_file(path, 4 * MiB), 0);
	before = allocated(path);
	CU_ASSERT_TRUE(before >= 4 * MiB);
	CU_ASSERT_EQUAL_FATAL(blk_disk_open(&d, path, false, err,
					    sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(blk_io_init(&io, 4, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(blk_io_discard(&io, &d, 1 * MiB, 2 * MiB, 1), 0);
	r = one(&io);
	CU_ASSERT_EQUAL(r.res, 0);
	after = allocated(path);
	CU_ASSERT_TRUE(before - after >= 2 * MiB);
	CU_ASSERT_EQUAL(blk_disk_refresh_size(&d, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.size_bytes, 4 * MiB);
	CU_ASSERT_EQUAL_FATAL(posix_memalign((void **)&back, 4096, 65536), 0);
	CU_ASSERT_EQUAL(read_back(&io, &d, back, 65536, 2 * MiB), 65536);
	CU_ASSERT_TRUE(all_zero(back, 65536));
	CU_ASSERT_EQUAL(read_back(&io, &d, back, 65536, 3 * MiB), 65536);
	CU_ASSERT_EQUAL(back[0], 1);
	free(back);
	blk_io_exit(&io);
	blk_disk_close(&d);
	unlink(path);
}

static void test_file_refresh_size(void)
{
	struct blk_disk d;
	char path[400];

	snprintf(path, sizeof(path), "%s/grow.img", dir);
	CU_ASSERT_EQUAL_FATAL(fill_file(path, 1 * MiB), 0);
	CU_ASSERT_EQUAL_FATAL(blk_disk_open(&d, path, false, err,
					    sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.size_bytes, 1 * MiB);
	CU_ASSERT_EQUAL(truncate(path, 3 * MiB), 0);
	CU_ASSERT_EQUAL(d.size_bytes, 1 * MiB);
	CU_ASSERT_EQUAL(blk_disk_refresh_size(&d, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.size_bytes, 3 * MiB);
	CU_ASSERT_EQUAL(truncate(path, 2 * MiB), 0);
	CU_ASSERT_EQUAL(blk_disk_refresh_size(&d, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.size_bytes, 2 * MiB);
	blk_disk_close(&d);
	unlink(path);
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
	CU_ASSERT_EQUAL(d.discard_how, BLK_DISCARD_NONE);
	CU_ASSERT_EQUAL(blk_disk_discard(&d, 0, 4096), -EOPNOTSUPP);
	CU_ASSERT_EQUAL_FATAL(blk_io_init(&io, 4, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(blk_io_discard(&io, &d, 0, 4096, 1), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(io.in_flight, 0);
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
	struct result r = { 0 };
	void *buf = NULL;
	int i;

	CU_ASSERT_EQUAL_FATAL(blk_disk_open(&d, img, false, err, sizeof(err)),
			      0);
	CU_ASSERT_EQUAL_FATAL(blk_io_init(&io, 4, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(posix_memalign(&buf, 4096, 4096), 0);
	iov = (struct iovec){ buf, 4096 };
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(blk_io_readv(&io, d.fd, &iov, 1, 0, i), 0);
	CU_ASSERT_EQUAL(blk_io_discard(&io, &d, 0, 4096, 3), 0);
	CU_ASSERT_FALSE(blk_io_has_room(&io));
	CU_ASSERT_EQUAL(blk_io_readv(&io, d.fd, &iov, 1, 0, 9), -EBUSY);
	CU_ASSERT_EQUAL(blk_io_flush(&io, d.fd, 9), -EBUSY);
	CU_ASSERT_EQUAL(blk_io_discard(&io, &d, 0, 4096, 9), -EBUSY);
	CU_ASSERT_EQUAL(blk_io_submit(&io), 0);
	/* still full while they are in flight: the completion queue can
	 * never overflow */
	CU_ASSERT_EQUAL(blk_io_readv(&io, d.fd, &iov, 1, 0, 9), -EBUSY);
	while (r.n < 4) {
		CU_ASSERT_EQUAL_FATAL(blk_io_wait(&io), 0);
		blk_io_reap(&io, note, &r);
	}
	CU_ASSERT_TRUE(blk_io_has_room(&io));
	CU_ASSERT_EQUAL(io.in_flight, 0);
	CU_ASSERT_EQUAL(io.in_ring, 0);
	/* nothing left that could finish: said, not waited for ever */
	CU_ASSERT_EQUAL(blk_io_wait(&io), -EAGAIN);
	free(buf);
	blk_io_exit(&io);
	blk_disk_close(&d);
}

/* ---- loop devices ---- */

struct loopdev {
	int fd;			/* held open: the device stays while it is */
	char dev[64];
};

/*
 * A loop device on backing (block_size 0: 512), cleared when the test
 * closes it (or dies). Returns 0 or -errno.
 */
static int loop_attach(struct loopdev *l, const char *backing,
		       unsigned block_size, bool read_only)
{
	int ctl, back, rc = -EBUSY;

	l->fd = -1;
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -errno;
	back = open(backing, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (back < 0) {
		rc = -errno;
		close(ctl);
		return rc;
	}
	/* another user may take the free one first: try again */
	for (int tries = 0; tries < 10 && rc == -EBUSY; tries++) {
		struct loop_config cfg;
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);

		if (n < 0) {
			rc = -errno;
			break;
		}
		snprintf(l->dev, sizeof(l->dev), "/dev/loop%d", n);
		l->fd = open(l->dev, (read_only ? O_RDONLY : O_RDWR) |
			     O_CLOEXEC);
		if (l->fd < 0) {
			rc = -errno;
			break;
		}
		memset(&cfg, 0, sizeof(cfg));
		cfg.fd = (unsigned)back;
		cfg.block_size = block_size;
		cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR |
				    (read_only ? LO_FLAGS_READ_ONLY : 0);
		rc = ioctl(l->fd, LOOP_CONFIGURE, &cfg) ? -errno : 0;
		if (rc) {
			close(l->fd);
			l->fd = -1;
		}
	}
	close(back);
	close(ctl);
	return rc;
}

static void loop_detach(struct loopdev *l)
{
	if (l->fd < 0)
		return;
	ioctl(l->fd, LOOP_CLR_FD, 0);
	close(l->fd);
	l->fd = -1;
}

/* Why loop devices cannot be used here, or NULL. */
static const char *loop_unavailable(void)
{
	static char why[160];
	struct loopdev l;
	char path[64];
	int fd, rc;

	if (geteuid() != 0)
		return "not root";
	if (access("/dev/loop-control", R_OK | W_OK))
		return "no /dev/loop-control";
	snprintf(path, sizeof(path), "/tmp/test-blk-io-probe.%d", getpid());
	fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, MiB)) {
		if (fd >= 0)
			close(fd);
		unlink(path);
		return "cannot make a file in /tmp";
	}
	close(fd);
	rc = loop_attach(&l, path, 0, false);
	loop_detach(&l);
	unlink(path);
	if (rc) {
		snprintf(why, sizeof(why), "cannot attach one: %s",
			 strerror(-rc));
		return why;
	}
	return NULL;
}

static char back[300];

static int loop_setup(void)
{
	snprintf(back, sizeof(back), "%s/loop-back.img", dir);
	return fill_file(back, 8 * MiB);
}

static int loop_teardown(void)
{
	unlink(back);
	return 0;
}

static void test_loop_open(void)
{
	struct loopdev l;
	struct blk_disk d;
	struct statfs sf;

	CU_ASSERT_EQUAL_FATAL(loop_attach(&l, back, 0, false), 0);
	CU_ASSERT_EQUAL_FATAL(blk_disk_open(&d, l.dev, false, err,
					    sizeof(err)), 0);
	CU_ASSERT_TRUE(d.is_block_device);
	CU_ASSERT_EQUAL(d.size_bytes, 8 * MiB);
	CU_ASSERT_EQUAL(d.logical_sector_size, 512);
	CU_ASSERT_EQUAL(d.physical_sector_size, 512);
	/* a block device always takes O_DIRECT */
	CU_ASSERT_TRUE(d.direct);
	CU_ASSERT_EQUAL(d.dio_offset_align, 512);
	check_alignment(&d);
	/* a loop device on a file: write-zeroes punches holes in it */
	CU_ASSERT_TRUE(d.can_discard);
	CU_ASSERT_EQUAL(d.discard_how, BLK_DISCARD_PUNCH);
	CU_ASSERT_TRUE(d.discard_zeroes);
	CU_ASSERT_EQUAL_FATAL(statfs(back, &sf), 0);
	CU_ASSERT_EQUAL(d.discard_granularity, (unsigned)sf.f_bsize);
	CU_ASSERT_EQUAL(d.discard_alignment, 0);
	blk_disk_close(&d);

	CU_ASSERT_EQUAL_FATAL(blk_disk_open(&d, l.dev, true, err,
					    sizeof(err)), 0);
	CU_ASSERT_FALSE(d.can_discard);
	CU_ASSERT_TRUE(d.direct);
	blk_disk_close(&d);
	loop_detach(&l);
}

/* Discards on a loop device free the blocks of the file behind it. */
static void test_loop_discard(void)
{
	struct loopdev l;
	struct blk_disk d;
	struct blk_io io;
	struct result r;
	unsigned char *buf = NULL;
	long long before, after;

	CU_ASSERT_EQUAL_FATAL(fill_file(back, 8 * MiB), 0);
	CU_ASSERT_EQUAL_FATAL(loop_attach(&l, back, 0, false), 0);
	CU_ASSERT_EQUAL_FATAL(blk_disk_open(&d, l.dev, false, err,
					    sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(d.discard_how, BLK_DISCARD_PUNCH);
	CU_ASSERT_EQUAL_FATAL(blk_io_init(&io, 8, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(posix_memalign((void **)&buf, 4096, 65536), 0);

	/* write-zeroes through io_uring */
	before = allocated(back);
	CU_ASSERT_EQUAL(blk_io_discard(&io, &d, 1 * MiB, 2 * MiB, 1), 0);
	r = one(&io);
	CU_ASSERT_EQUAL(r.res, 0);
	after = allocated(back);
	CU_ASSERT_TRUE(before - after >= 2 * MiB);
	CU_ASSERT_EQUAL(read_back(&io, &d, buf, 65536, 1 * MiB), 65536);
	CU_ASSERT_TRUE(all_zero(buf, 65536));
	CU_ASSERT_FALSE(io.worker.started);

	/* BLKDISCARD in the worker (what a device without write-zeroes
	 * gets), kept in order with flushes: a flush after a discard is
	 * answered after it, and a write behind that flush after the
	 * flush; a discard after a flush waits for it */
	d.discard_how = BLK_DISCARD_IOCTL;
	before = allocated(back);
	memset(buf, 0x5a, 4096);
	{
		struct iovec iov = { buf, 4096 };
		struct result rr = { 0 };

		CU_ASSERT_EQUAL(blk_io_discard(&io, &d, 4 * MiB, 2 * MiB, 1),
				0);
		CU_ASSERT_EQUAL(blk_io_flush(&io, d.fd, 2), 0);
		CU_ASSERT_EQUAL(blk_io_writev(&io, d.fd, &iov, 1, 0, 3), 0);
		CU_ASSERT_EQUAL(blk_io_flush(&io, d.fd, 4), 0);
		CU_ASSERT_EQUAL(blk_io_discard(&io, &d, 6 * MiB, 1 * MiB, 5),
				0);
		CU_ASSERT_EQUAL(io.in_flight, 5);
		/* the first is with the worker, the rest wait behind the
		 * flush that waits for it */
		CU_ASSERT_EQUAL(io.worker_active, 1);
		CU_ASSERT_EQUAL(io.queued, 0);
		CU_ASSERT_NOT_EQUAL(io.held_head, UINT32_MAX);
		collect(&io, &rr, 5);
		CU_ASSERT_EQUAL(rr.n, 5);
		CU_ASSERT_TRUE(io.worker.started);
		CU_ASSERT_EQUAL(result_of(&rr, 1), 0);
		CU_ASSERT_EQUAL(result_of(&rr, 2), 0);
		CU_ASSERT_EQUAL(result_of(&rr, 3), 4096);
		CU_ASSERT_EQUAL(result_of(&rr, 4), 0);
		CU_ASSERT_EQUAL(result_of(&rr, 5), 0);
		CU_ASSERT_TRUE(position(&rr, 1) < position(&rr, 2));
		CU_ASSERT_TRUE(position(&rr, 2) < position(&rr, 3));
		CU_ASSERT_TRUE(position(&rr, 3) < position(&rr, 4));
		CU_ASSERT_TRUE(position(&rr, 4) < position(&rr, 5));
		CU_ASSERT_EQUAL(io.in_flight, 0);
	}
	after = allocated(back);
	CU_ASSERT_TRUE(before - after >= 3 * MiB);
	CU_ASSERT_EQUAL(read_back(&io, &d, buf, 4096, 0), 4096);
	CU_ASSERT_EQUAL(buf[0], 0x5a);
	/* the synchronous way, as the worker does it */
	CU_ASSERT_EQUAL(blk_disk_discard(&d, 0, 1 * MiB), 0);

	free(buf);
	blk_io_exit(&io);
	blk_disk_close(&d);
	loop_detach(&l);
}

/* A 4Kn device (losetup --sector-size 4096) is served as one. */
static void test_loop_4kn(void)
{
	struct loopdev l;
	struct blk_disk d;
	struct blk_io io;
	struct result r;
	struct iovec iov;
	void *buf = NULL;

	CU_ASSERT_EQUAL_FATAL(loop_attach(&l, back, 4096, false), 0);
	CU_ASSERT_EQUAL_FATAL(blk_disk_open(&d, l.dev, false, err,
					    sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.logical_sector_size, 4096);
	CU_ASSERT_EQUAL(d.physical_sector_size, 4096);
	CU_ASSERT_EQUAL(d.dio_offset_align, 4096);
	CU_ASSERT_TRUE(d.direct_align >= 4096);
	CU_ASSERT_TRUE(d.discard_granularity >= 4096);
	check_alignment(&d);
	CU_ASSERT_EQUAL_FATAL(blk_io_init(&io, 4, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(posix_memalign(&buf, 4096, 4096), 0);
	memset(buf, 0x11, 4096);
	iov = (struct iovec){ buf, 4096 };
	/* the alignment is real: half a sector off is refused */
	CU_ASSERT_EQUAL(blk_io_writev(&io, d.fd, &iov, 1, 512, 1), 0);
	r = one(&io);
	CU_ASSERT_EQUAL(r.res, -EINVAL);
	CU_ASSERT_EQUAL(blk_io_writev(&io, d.fd, &iov, 1, 4096, 2), 0);
	r = one(&io);
	CU_ASSERT_EQUAL(r.res, 4096);
	CU_ASSERT_EQUAL(blk_io_discard(&io, &d, 4096, 8192, 3), 0);
	r = one(&io);
	CU_ASSERT_EQUAL(r.res, 0);
	free(buf);
	blk_io_exit(&io);
	blk_disk_close(&d);
	loop_detach(&l);
}

/* Online resize: the file behind grows, losetup -c, the size follows. */
static void test_loop_resize(void)
{
	struct loopdev l;
	struct blk_disk d;

	CU_ASSERT_EQUAL_FATAL(truncate(back, 8 * MiB), 0);
	CU_ASSERT_EQUAL_FATAL(loop_attach(&l, back, 0, false), 0);
	CU_ASSERT_EQUAL_FATAL(blk_disk_open(&d, l.dev, false, err,
					    sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.size_bytes, 8 * MiB);
	CU_ASSERT_EQUAL(truncate(back, 12 * MiB), 0);
	CU_ASSERT_EQUAL(blk_disk_refresh_size(&d, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.size_bytes, 8 * MiB);	/* not until told */
	CU_ASSERT_EQUAL(ioctl(l.fd, LOOP_SET_CAPACITY, 0), 0);
	CU_ASSERT_EQUAL(blk_disk_refresh_size(&d, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.size_bytes, 12 * MiB);
	blk_disk_close(&d);
	loop_detach(&l);
	CU_ASSERT_EQUAL(truncate(back, 8 * MiB), 0);
}

/*
 * A device that cannot discard (a loop device on ramfs, which has no
 * fallocate): none offered. Told to punch anyway it refuses
 * write-zeroes, is turned to BLKDISCARD, and that is refused too: the
 * frontend hears EOPNOTSUPP. A file on ramfs: no O_DIRECT, and why.
 */
static void test_loop_no_discard(void)
{
	struct loopdev l;
	struct blk_disk d;
	struct blk_io io;
	struct result r;
	char mnt[400], path[420];

	snprintf(mnt, sizeof(mnt), "%s/ramfs", dir);
	CU_ASSERT_EQUAL_FATAL(mkdir(mnt, 0700), 0);
	if (mount("ramfs", mnt, "ramfs", 0, NULL)) {
		fprintf(stderr, "\n  (skipped: cannot mount ramfs: %s) ",
			strerror(errno));
		rmdir(mnt);
		return;
	}
	snprintf(path, sizeof(path), "%s/disk.img", mnt);
	CU_ASSERT_EQUAL_FATAL(fill_file(path, 1 * MiB), 0);

	CU_ASSERT_EQUAL(blk_disk_open(&d, path, false, err, sizeof(err)), 0);
	CU_ASSERT_FALSE(d.direct);
	CU_ASSERT_PTR_NOT_NULL(d.buffered_why);
	check_alignment(&d);
	blk_disk_close(&d);

	CU_ASSERT_EQUAL_FATAL(loop_attach(&l, path, 0, false), 0);
	CU_ASSERT_EQUAL_FATAL(blk_disk_open(&d, l.dev, false, err,
					    sizeof(err)), 0);
	CU_ASSERT_FALSE(d.can_discard);
	CU_ASSERT_EQUAL(d.discard_how, BLK_DISCARD_NONE);
	CU_ASSERT_EQUAL_FATAL(blk_io_init(&io, 4, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(blk_io_discard(&io, &d, 0, 4096, 1), -EOPNOTSUPP);
	d.can_discard = true;
	d.discard_how = BLK_DISCARD_PUNCH;
	CU_ASSERT_EQUAL(blk_io_discard(&io, &d, 0, 4096, 2), 0);
	r = one(&io);
	CU_ASSERT_EQUAL(r.tag, 2);
	CU_ASSERT_EQUAL(r.res, -EOPNOTSUPP);
	CU_ASSERT_EQUAL(d.discard_how, BLK_DISCARD_IOCTL);
	CU_ASSERT_TRUE(io.worker.started);
	CU_ASSERT_EQUAL(io.in_flight, 0);
	blk_io_exit(&io);
	blk_disk_close(&d);
	loop_detach(&l);
	unlink(path);
	CU_ASSERT_EQUAL(umount(mnt), 0);
	rmdir(mnt);
}

static const struct xlp_test tests[] = {
	{ "open: size, sectors, errors", test_open },
	{ "O_DIRECT alignment of a file", test_file_alignment },
	{ "write, flush, read back, discard", test_write_flush_read },
	{ "a discard frees a file's blocks", test_file_discard_frees },
	{ "a file's size read again", test_file_refresh_size },
	{ "read-only disk refuses writes", test_read_only },
	{ "a full queue says so", test_queue_full },
	{ NULL, NULL },
};

static const struct xlp_test loop_tests[] = {
	{ "a loop device: sectors, O_DIRECT, discard", test_loop_open },
	{ "discards free the file behind it, in order with flushes",
	  test_loop_discard },
	{ "a 4Kn loop device", test_loop_4kn },
	{ "online resize (losetup -c)", test_loop_resize },
	{ "a device that cannot discard", test_loop_no_discard },
	{ NULL, NULL },
};

int main(void)
{
	struct xlp_suite suites[] = {
		{ "blk_disk and blk_io", tests, setup, teardown },
		{ "loop devices", loop_tests, loop_setup, loop_teardown },
		{ NULL, NULL, NULL, NULL },
	};
	const char *why = loop_unavailable();
	int rc;

	if (why) {
		printf("test-blk-io: the loop device tests are skipped: %s\n",
		       why);
		suites[1] = suites[2];
	}
	if (!mkdtemp(dir)) {
		perror(dir);
		return 2;
	}
	rc = xlp_cunit_run(suites);
	rmdir(dir);
	return rc;
}
