/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Disk I/O for lpar-blkback through io_uring (liburing): requests are
 * queued without blocking the daemon's one thread, and their completions
 * signal an eventfd that sits in the daemon's epoll set beside the event
 * channels and xenstore.
 *
 * Ordering: a flush or a barrier is queued with IOSQE_IO_DRAIN, so it
 * starts only after every request queued before it has completed, and
 * nothing queued after it starts before it completes. A flush answered
 * as done therefore covers every write the frontend was told was done.
 */
#ifndef BLK_IO_H
#define BLK_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <liburing.h>

struct blk_io {
	struct io_uring ring;
	int eventfd;		/* readable when completions are waiting */
	unsigned depth;		/* submission queue entries */
	unsigned queued;	/* queued, not yet submitted */
	unsigned in_flight;	/* submitted, not yet reaped */
};

/* Sets up a ring of depth entries. Returns 0, or -1 with err. */
int blk_io_init(struct blk_io *io, unsigned depth, char *err, size_t errlen);
void blk_io_exit(struct blk_io *io);

/* Room for one more request before the queue is full? */
bool blk_io_has_room(const struct blk_io *io);

/*
 * Queue a transfer of iov (its buffers aligned as the disk needs) at
 * byte offset off; tag comes back with the result. Returns 0, or -EBUSY
 * when the queue is full (submit, reap, try again).
 */
int blk_io_readv(struct blk_io *io, int fd, const struct iovec *iov,
		 unsigned iovcnt, uint64_t off, uint64_t tag);
int blk_io_writev(struct blk_io *io, int fd, const struct iovec *iov,
		  unsigned iovcnt, uint64_t off, uint64_t tag);
/* fdatasync after everything queued before it (a flush or barrier). */
int blk_io_flush(struct blk_io *io, int fd, uint64_t tag);
/* Punches a hole of len bytes at off in a file (a discard), without
 * blocking the daemon as fallocate(2) would. */
int blk_io_punch_hole(struct blk_io *io, int fd, uint64_t off, uint64_t len,
		      uint64_t tag);

/* Hands what is queued to the kernel. Returns 0 or -errno. */
int blk_io_submit(struct blk_io *io);

/*
 * Calls done(arg, tag, res) for each finished request, res being the
 * bytes moved (or 0 for a flush) or -errno; returns how many. Also
 * empties the eventfd.
 */
int blk_io_reap(struct blk_io *io,
		void (*done)(void *arg, uint64_t tag, int res), void *arg);

/* Blocks until at least one request has finished (for shutdown and
 * tests); returns 0 or -errno. */
int blk_io_wait(struct blk_io *io);

#endif
