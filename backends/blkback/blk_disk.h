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

/* How a discard is carried out (blk_io_discard() follows this). */
enum blk_discard_how {
	BLK_DISCARD_NONE,	/* read-only, or the device cannot discard */
	/*
	 * fallocate(PUNCH_HOLE | KEEP_SIZE) through io_uring: a file gets a
	 * hole; a block device gets REQ_OP_WRITE_ZEROES that may unmap
	 * (Linux's blkdev_fallocate). Either way the range reads back as
	 * zeros afterwards.
	 */
	BLK_DISCARD_PUNCH,
	/*
	 * ioctl(BLKDISCARD), in blk_io's worker thread: a device without
	 * write-zeroes (or one that refused it). The range need not read
	 * back as zeros.
	 */
	BLK_DISCARD_IOCTL,
};

struct blk_disk {
	int fd;
	bool is_block_device;
	bool read_only;
	uint64_t size_bytes;
	/*
	 * What the guest sees: 512 or 4096. A block device's own logical
	 * block size (a 4Kn device is served as 4Kn); always 512 for a file,
	 * so that an image (and the partition table in it) reads the same
	 * wherever it is kept.
	 */
	unsigned logical_sector_size;
	/* The device's physical block size; a file system's block for a
	 * file. At least logical_sector_size, a power of two. */
	unsigned physical_sector_size;
	/*
	 * O_DIRECT. Without it (a file system refusing O_DIRECT, as tmpfs
	 * before Linux 6.6, or one needing more alignment than the sectors
	 * the guest is given) writes go through the page cache and only a
	 * flush (fdatasync) makes them durable, which is all blkif
	 * promises; buffered_why then says why.
	 */
	bool direct;
	const char *buffered_why;
	/*
	 * What O_DIRECT needs (statx STATX_DIOALIGN where the kernel and
	 * the file system report it, else BLKSSZGET for a device and a
	 * probe for a file): buffers aligned to dio_mem_align, offsets
	 * and lengths to dio_offset_align. direct_align is the larger of
	 * the two and at least 512: align buffers to it. Without O_DIRECT,
	 * 512 and 512.
	 */
	unsigned dio_mem_align;
	unsigned dio_offset_align;
	unsigned direct_align;
	/*
	 * Discards: how (above), and what to publish: the granularity in
	 * bytes (the device's discard granularity, or the file system's
	 * block for a file: smaller pieces are zeroed, not freed) and the
	 * alignment (of a partition's start to it). discard_zeroes: a
	 * discarded range reads back as zeros, which blkif does not
	 * promise the guest (no discard-secure either).
	 */
	bool can_discard;
	enum blk_discard_how discard_how;
	unsigned discard_granularity;
	unsigned discard_alignment;
	bool discard_zeroes;
	char path[4096];
};

/*
 * Opens path (a regular file or a block device) read-only or read-write
 * with O_DIRECT and learns its size, sector sizes, O_DIRECT alignment
 * and how it discards. Returns 0, or -1 with a message naming path in
 * err.
 */
int blk_disk_open(struct blk_disk *d, const char *path, bool read_only,
		  char *err, size_t errlen);

/*
 * Reads the size again (online resize: a file that grew, a block device
 * after e.g. losetup -c or lvextend): size_bytes. Nothing else changes.
 * Returns 0 or -1 with err.
 */
int blk_disk_refresh_size(struct blk_disk *d, char *err, size_t errlen);

/*
 * Discards [offset, offset + len) (bytes) synchronously, as discard_how
 * says (write-zeroes refused by a device: BLKDISCARD instead). Blocks
 * for as long as the device takes: the daemon uses blk_io_discard().
 * Returns 0 or -errno.
 */
int blk_disk_discard(struct blk_disk *d, uint64_t offset, uint64_t len);

void blk_disk_close(struct blk_disk *d);

#endif
