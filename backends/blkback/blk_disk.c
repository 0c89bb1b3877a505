/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "blk_disk.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(char *err, size_t errlen, const char *path, const char *what,
		int e)
{
	snprintf(err, errlen, "%s: %s: %s", path, what, strerror(e));
	return -1;
}

static int learn_geometry(struct blk_disk *d, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(d->fd, &st))
		return fail(err, errlen, d->path, "stat", errno);
	if (d->is_block_device) {
		uint64_t bytes;
		int lss = 512;
		unsigned int pss = 512;

		if (ioctl(d->fd, BLKGETSIZE64, &bytes))
			return fail(err, errlen, d->path, "BLKGETSIZE64",
				    errno);
		if (ioctl(d->fd, BLKSSZGET, &lss) || (lss != 512 &&
						       lss != 4096)) {
			snprintf(err, errlen, "%s: logical sector size %d: "
				 "blkif serves 512 or 4096", d->path, lss);
			return -1;
		}
		if (ioctl(d->fd, BLKPBSZGET, &pss) || pss < (unsigned)lss)
			pss = (unsigned)lss;
		d->size_bytes = bytes;
		d->logical_sector_size = (unsigned)lss;
		d->physical_sector_size = pss;
	} else {
		d->size_bytes = (uint64_t)st.st_size;
		d->logical_sector_size = 512;
		/* the file system's block: what a write should cover whole */
		d->physical_sector_size = st.st_blksize >= 512 &&
					  st.st_blksize <= 65536
					  ? (unsigned)st.st_blksize : 512;
	}
	return 0;
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
	d->direct = d->fd >= 0;
	if (d->fd < 0 && errno == EINVAL)
		d->fd = open(path, flags);
	if (d->fd < 0)
		return fail(err, errlen, path, read_only ? "open read-only"
			    : "open read-write", errno);
	if (learn_geometry(d, err, errlen)) {
		blk_disk_close(d);
		return -1;
	}
	d->direct_align = d->logical_sector_size > 512
			  ? d->logical_sector_size : 512;
	d->can_discard = !read_only;
	return 0;
}

int blk_disk_refresh_size(struct blk_disk *d, char *err, size_t errlen)
{
	return learn_geometry(d, err, errlen);
}

int blk_disk_discard(struct blk_disk *d, uint64_t offset, uint64_t len)
{
	if (!d->can_discard)
		return -EOPNOTSUPP;
	if (len == 0)
		return 0;
	if (d->is_block_device) {
		uint64_t range[2] = { offset, len };

		return ioctl(d->fd, BLKDISCARD, range) ? -errno : 0;
	}
	if (fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)offset, (off_t)len))
		return -errno;
	return 0;
}

void blk_disk_close(struct blk_disk *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}
