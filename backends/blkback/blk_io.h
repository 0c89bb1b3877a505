/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Disk I/O for lpar-blkback through io_uring (liburing): requests are
 * queued without blocking the daemon's one thread, and their completions
 * signal an eventfd that sits in the daemon's epoll set beside the event
 * channels and xenstore.
 *
 * One thing io_uring cannot do on Linux 6.1 is BLKDISCARD (its block
 * device discard command came with 6.12). A device discarded that way
 * (BLK_DISCARD_IOCTL, blk_disk.h) gets a worker thread, started at its
 * first discard; its results come back through the same eventfd and the
 * same blk_io_reap().
 *
 * Ordering: a flush or a barrier is queued with IOSQE_IO_DRAIN, so it
 * starts only after every request queued before it has completed, and
 * nothing queued after it starts before it completes. The worker's
 * discards keep that rule too: a flush waits for the discards queued
 * before it, and what is queued behind a flush that waits is held here
 * until it can go. A flush answered as done therefore covers every
 * write the frontend was told was done.
 */
#ifndef BLK_IO_H
#define BLK_IO_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <liburing.h>

#include "blk_disk.h"

struct blk_io_op;

struct blk_io {
	struct io_uring ring;
	int eventfd;		/* readable when completions are waiting */
	unsigned depth;		/* requests at most, queued or in flight */
	unsigned queued;	/* submission entries not yet given to the
				 * kernel (blk_io_submit does) */
	unsigned in_flight;	/* taken, not yet reaped: whatever their
				 * stage (queued, held, in the kernel, with
				 * the worker) */
	/* private */
	struct blk_io_op *ops;	/* depth of them, indexed by user_data */
	uint32_t free_head;
	uint32_t held_head, held_tail;	/* waiting for order's sake */
	unsigned in_ring;		/* submitted to io_uring, not reaped */
	unsigned flushes_active;	/* drained flushes in the ring */
	unsigned worker_active;		/* BLKDISCARDs with the worker */
	struct {
		pthread_t thread;
		bool started, stop;
		pthread_mutex_t lock;
		pthread_cond_t wake;
		uint32_t todo_head, todo_tail;	/* for the worker */
		uint32_t done_head, done_tail;	/* from the worker */
	} worker;
};

/* Sets up a ring of depth entries. Returns 0, or -1 with err. */
int blk_io_init(struct blk_io *io, unsigned depth, char *err, size_t errlen);
/* Stops the worker (after the discard it is doing, if any) and closes
 * the ring. */
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
/*
 * Discards len bytes at off on disk, as disk->discard_how says, without
 * blocking the daemon: a hole in a file or write-zeroes on a device
 * through io_uring, BLKDISCARD in the worker. A device that refuses
 * write-zeroes (EOPNOTSUPP) is turned to BLKDISCARD and this request
 * retried there. disk must stay open until the result is reaped. The
 * result is 0 or -errno (-EOPNOTSUPP: the disk cannot discard).
 * Returns 0, -EBUSY (queue full), -EOPNOTSUPP (disk->can_discard is
 * false) or -errno when the worker cannot start.
 */
int blk_io_discard(struct blk_io *io, struct blk_disk *disk, uint64_t off,
		   uint64_t len, uint64_t tag);
/* A hole of len bytes at off in a file through io_uring (what
 * blk_io_discard does for a file). */
int blk_io_punch_hole(struct blk_io *io, int fd, uint64_t off, uint64_t len,
		      uint64_t tag);

/* Hands what is queued to the kernel. Returns 0 or -errno. */
int blk_io_submit(struct blk_io *io);

/*
 * Calls done(arg, tag, res) for each finished request, res being the
 * bytes moved (or 0 for a flush or a discard) or -errno; returns how
 * many. Also empties the eventfd. done may queue more requests (submit
 * them afterwards). Requests held for order's sake that may now go are
 * handed to the kernel here.
 */
int blk_io_reap(struct blk_io *io,
		void (*done)(void *arg, uint64_t tag, int res), void *arg);

/* Submits what is queued and blocks until at least one request has
 * finished (for shutdown and tests; reap next); returns 0 or -errno:
 * -EINTR for a signal, or what submitting failed with when nothing is
 * left that could finish (-EAGAIN: nothing in flight at all). */
int blk_io_wait(struct blk_io *io);

#endif
