/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The disk behind one vbd: a raw image file or a block device, opened
 * with O_DIRECT so that what the guest writes goes to the device, not to
 * dom0's page cache (a write acknowledged after a flush is on stable
 * storage, and a backup or physical host reads the same bytes).
 */
#ifndef BLK_DISK_H
#define BLK_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct blk_disk {
	int fd;
	bool is_block_device;
	bool read_only;
	uint64_t size_bytes;
	unsigned logical_sector_size;	/* 512 or 4096 */
	unsigned physical_sector_size;
	/*
	 * O_DIRECT, unless the file system refuses it (tmpfs before Linux
	 * 6.6): then writes go through the page cache and only a flush
	 * (fdatasync) makes them durable, which is all blkif promises.
	 */
	bool direct;
	/* The alignment O_DIRECT needs for buffers, offsets and lengths. */
	unsigned direct_align;
	bool can_discard;	/* files: hole punching; devices: BLKDISCARD */
	char path[4096];
};

/*
 * Opens path (a regular file or a block device) read-only or read-write
 * with O_DIRECT and learns its size and sector sizes. Returns 0, or -1
 * with a message naming path in err.
 */
int blk_disk_open(struct blk_disk *d, const char *path, bool read_only,
		  char *err, size_t errlen);

/* Size again (online resize); returns 0 or -1 with err. */
int blk_disk_refresh_size(struct blk_disk *d, char *err, size_t errlen);

/*
 * Discards [offset, offset + len) (bytes): punches a hole in a file
 * (the file keeps its size) or issues BLKDISCARD on a device. Returns 0
 * or -errno.
 */
int blk_disk_discard(struct blk_disk *d, uint64_t offset, uint64_t len);

void blk_disk_close(struct blk_disk *d);

#endif
