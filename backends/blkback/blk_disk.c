/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "blk_disk.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* blk_dev.c's request buffers are pages: O_DIRECT needing more than
 * that from buffers is served through the page cache */
#define BUFFER_ALIGN 4096u

static int fail(char *err, size_t errlen, const char *path, const char *what,
		int e)
{
	snprintf(err, errlen, "%s: %s: %s", path, what, strerror(e));
	return -1;
}

static bool pow2_between(unsigned long v, unsigned long lo, unsigned long hi)
{
	return v >= lo && v <= hi && !(v & (v - 1));
}

static int learn_size(struct blk_disk *d, char *err, size_t errlen)
{
	struct stat st;

	if (d->is_block_device) {
		uint64_t bytes;

		if (ioctl(d->fd, BLKGETSIZE64, &bytes))
			return fail(err, errlen, d->path, "BLKGETSIZE64",
				    errno);
		d->size_bytes = bytes;
		return 0;
	}
	if (fstat(d->fd, &st))
		return fail(err, errlen, d->path, "stat", errno);
	d->size_bytes = (uint64_t)st.st_size;
	return 0;
}

static int learn_sectors(struct blk_disk *d, const struct stat *st,
			 char *err, size_t errlen)
{
	if (d->is_block_device) {
		int lss = 512;
		unsigned int pss = 512;

		if (ioctl(d->fd, BLKSSZGET, &lss) || (lss != 512 &&
						       lss != 4096)) {
			snprintf(err, errlen, "%s: logical sector size %d: "
				 "blkif serves 512 or 4096", d->path, lss);
			return -1;
		}
		if (ioctl(d->fd, BLKPBSZGET, &pss) || pss < (unsigned)lss ||
		    !pow2_between(pss, 512, 1u << 20))
			pss = (unsigned)lss;
		d->logical_sector_size = (unsigned)lss;
		d->physical_sector_size = pss;
	} else {
		d->logical_sector_size = 512;
		/* the file system's block: what a write should cover whole */
		d->physical_sector_size =
			pow2_between((unsigned long)st->st_blksize, 512, 65536)
			? (unsigned)st->st_blksize : 512;
	}
	return 0;
}

/*
 * A file on a kernel or file system that does not report its O_DIRECT
 * alignment: try a read of 512 bytes, then of 4096, at offset 0 into a
 * page. Returns the offset alignment that worked, 0 if neither did (or
 * the file is empty: nothing to learn from).
 */
static unsigned probe_file_alignment(int fd)
{
	static const unsigned sizes[] = { 512, 4096 };
	unsigned found = 0;
	void *buf;

	if (posix_memalign(&buf, BUFFER_ALIGN, 4096))
		return 0;
	for (unsigned i = 0; i < 2; i++) {
		ssize_t n = pread(fd, buf, sizes[i], 0);

		if (n > 0)
			found = sizes[i];	/* short at the end is fine */
		if (n >= 0 || errno != EINVAL)
			break;
	}
	free(buf);
	return found;
}

/* What O_DIRECT needs here, or why it is not used (d->buffered_why). */
static void learn_alignment(struct blk_disk *d)
{
	unsigned mem = 0, off = 0;
	bool known = false;

#ifdef STATX_DIOALIGN
	struct statx sx;

	if (statx(d->fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 &&
	    (sx.stx_mask & STATX_DIOALIGN)) {
		known = true;
		mem = sx.stx_dio_mem_align;
		off = sx.stx_dio_offset_align;
		if (!off) {
			d->buffered_why = "the file system offers no O_DIRECT "
					  "for this file (statx)";
			return;
		}
	}
#endif
	if (!known && d->is_block_device) {
		/* the rule before Linux 6.0: everything to the sector */
		mem = off = d->logical_sector_size;
	} else if (!known) {
		off = probe_file_alignment(d->fd);
		mem = BUFFER_ALIGN;
		if (!off) {
			d->buffered_why = "O_DIRECT reads fail here, or the "
					  "file is empty";
			return;
		}
	}
	if (mem < 1)
		mem = 1;
	if (off > d->logical_sector_size) {
		d->buffered_why = d->is_block_device
			? "O_DIRECT needs more than the device's sector"
			: "O_DIRECT needs more than 512-byte sectors here, and "
			  "an image is served with 512";
		return;
	}
	if (mem > BUFFER_ALIGN) {
		d->buffered_why = "O_DIRECT needs buffers aligned beyond a page";
		return;
	}
	d->dio_mem_align = mem;
	d->dio_offset_align = off < d->logical_sector_size
			      ? d->logical_sector_size : off;
	d->direct = true;
}

/* A number from /sys/dev/block/MAJ:MIN/NAME, or for a partition from
 * its disk's queue; -1 if neither can be read. */
static long long sysfs_number(dev_t rdev, const char *name)
{
	char path[128];
	long long v = -1;

	for (int up = 0; up < 2 && v < 0; up++) {
		FILE *f;

		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/%s%s",
			 major(rdev), minor(rdev), up ? "../" : "", name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void learn_discard(struct blk_disk *d, const struct stat *st)
{
	long long wz, dmax, gran, align;

	d->discard_how = BLK_DISCARD_NONE;
	d->discard_granularity = d->physical_sector_size;
	d->discard_alignment = 0;
	if (d->read_only)
		return;
	if (!d->is_block_device) {
		/* a hole frees whole file system blocks */
		d->discard_how = BLK_DISCARD_PUNCH;
		d->discard_zeroes = true;
		return;
	}
	wz = sysfs_number(st->st_rdev, "queue/write_zeroes_max_bytes");
	dmax = sysfs_number(st->st_rdev, "queue/discard_max_bytes");
	gran = sysfs_number(st->st_rdev, "queue/discard_granularity");
	align = sysfs_number(st->st_rdev, "discard_alignment");
	if (dmax == 0)
		return;		/* the device cannot discard: not offered */
	if (wz != 0) {
		/*
		 * Write-zeroes that may unmap (loop: a hole in its file;
		 * NVMe: deallocate; SCSI: WRITE SAME with UNMAP), through
		 * io_uring. No sysfs (-1): tried, and a refusal turns the
		 * disk to BLKDISCARD (blk_io).
		 */
		d->discard_how = BLK_DISCARD_PUNCH;
		d->discard_zeroes = true;
	} else {
		d->discard_how = BLK_DISCARD_IOCTL;
	}
	if (gran > 0 && pow2_between((unsigned long)gran,
				     d->logical_sector_size, 1ul << 30))
		d->discard_granularity = (unsigned)gran;
	if (align > 0 && align < (long long)d->discard_granularity)
		d->discard_alignment = (unsigned)align;
}

int blk_disk_open(struct blk_disk *d, const char *path, bool read_only,
		  char *err, size_t errlen)
{
	int flags = (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	struct stat st;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	if (strlen(path) >= sizeof(d->path)) {
		snprintf(err, errlen, "disk path too long (%zu bytes)",
			 strlen(path));
		return -1;
	}
	snprintf(d->path, sizeof(d->path), "%s", path);
	if (stat(path, &st))
		return fail(err, errlen, path, "stat", errno);
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		snprintf(err, errlen, "%s: neither a regular file nor a block "
			 "device", path);
		return -1;
	}
	d->is_block_device = S_ISBLK(st.st_mode);
	d->read_only = read_only;
	d->fd = open(path, flags | O_DIRECT);
	if (d->fd < 0 && errno == EINVAL) {
		d->fd = open(path, flags);
		d->buffered_why = "the file system refuses O_DIRECT";
	}
	if (d->fd < 0)
		return fail(err, errlen, path, read_only ? "open read-only"
			    : "open read-write", errno);
	/* the node opened, not the one stat()ed before: it may have moved */
	if (fstat(d->fd, &st)) {
		fail(err, errlen, path, "stat", errno);
		blk_disk_close(d);
		return -1;
	}
	if (S_ISBLK(st.st_mode) != d->is_block_device ||
	    learn_size(d, err, errlen) || learn_sectors(d, &st, err, errlen)) {
		if (S_ISBLK(st.st_mode) != d->is_block_device)
			snprintf(err, errlen, "%s: changed while opened",
				 path);
		blk_disk_close(d);
		return -1;
	}
	if (!d->buffered_why)
		learn_alignment(d);
	if (!d->direct) {
		int fl = fcntl(d->fd, F_GETFL);

		if (fl >= 0 && (fl & O_DIRECT) &&
		    fcntl(d->fd, F_SETFL, fl & ~O_DIRECT)) {
			fail(err, errlen, path, "clearing O_DIRECT", errno);
			blk_disk_close(d);
			return -1;
		}
		d->dio_mem_align = d->dio_offset_align = 512;
	}
	d->direct_align = d->dio_mem_align > d->dio_offset_align
			  ? d->dio_mem_align : d->dio_offset_align;
	if (d->direct_align < 512)
		d->direct_align = 512;
	learn_discard(d, &st);
	d->can_discard = d->discard_how != BLK_DISCARD_NONE;
	return 0;
}

int blk_disk_refresh_size(struct blk_disk *d, char *err, size_t errlen)
{
	return learn_size(d, err, errlen);
}

int blk_disk_discard(struct blk_disk *d, uint64_t offset, uint64_t len)
{
	uint64_t range[2] = { offset, len };

	if (!d->can_discard)
		return -EOPNOTSUPP;
	if (len == 0)
		return 0;
	if (d->discard_how == BLK_DISCARD_PUNCH) {
		if (fallocate(d->fd, FALLOC_FL_PUNCH_HOLE |
			      FALLOC_FL_KEEP_SIZE, (off_t)offset,
			      (off_t)len) == 0)
			return 0;
		if (errno != EOPNOTSUPP || !d->is_block_device)
			return -errno;
		/* the device took write-zeroes back: discard it is */
		d->discard_how = BLK_DISCARD_IOCTL;
		d->discard_zeroes = false;
	}
	return ioctl(d->fd, BLKDISCARD, range) ? -errno : 0;
}

void blk_disk_close(struct blk_disk *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}
