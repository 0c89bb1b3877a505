/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "blk_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

int blk_io_init(struct blk_io *io, unsigned depth, char *err, size_t errlen)
{
	int rc;

	memset(io, 0, sizeof(*io));
	io->eventfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (io->eventfd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		return -1;
	}
	rc = io_uring_queue_init(depth, &io->ring, 0);
	if (rc < 0) {
		snprintf(err, errlen, "io_uring_queue_init(%u): %s%s", depth,
			 strerror(-rc), rc == -EPERM || rc == -ENOSYS
			 ? " (io_uring disabled here? see "
			   "/proc/sys/kernel/io_uring_disabled)" : "");
		close(io->eventfd);
		io->eventfd = -1;
		return -1;
	}
	rc = io_uring_register_eventfd(&io->ring, io->eventfd);
	if (rc < 0) {
		snprintf(err, errlen, "io_uring_register_eventfd: %s",
			 strerror(-rc));
		io_uring_queue_exit(&io->ring);
		close(io->eventfd);
		io->eventfd = -1;
		return -1;
	}
	io->depth = depth;
	return 0;
}

void blk_io_exit(struct blk_io *io)
{
	if (io->eventfd < 0)
		return;
	io_uring_queue_exit(&io->ring);
	close(io->eventfd);
	io->eventfd = -1;
}

bool blk_io_has_room(const struct blk_io *io)
{
	return io->queued + io->in_flight < io->depth;
}

static struct io_uring_sqe *next_sqe(struct blk_io *io)
{
	struct io_uring_sqe *sqe;

	/* in_flight is capped too: the completion queue must not overflow */
	if (!blk_io_has_room(io))
		return NULL;
	sqe = io_uring_get_sqe(&io->ring);
	if (sqe)
		io->queued++;
	return sqe;
}

static int queue_rw(struct blk_io *io, bool write, int fd,
		    const struct iovec *iov, unsigned iovcnt, uint64_t off,
		    uint64_t tag)
{
	struct io_uring_sqe *sqe = next_sqe(io);

	if (!sqe)
		return -EBUSY;
	if (write)
		io_uring_prep_writev(sqe, fd, iov, iovcnt, off);
	else
		io_uring_prep_readv(sqe, fd, iov, iovcnt, off);
	io_uring_sqe_set_data64(sqe, tag);
	return 0;
}

int blk_io_readv(struct blk_io *io, int fd, const struct iovec *iov,
		 unsigned iovcnt, uint64_t off, uint64_t tag)
{
	return queue_rw(io, false, fd, iov, iovcnt, off, tag);
}

int blk_io_writev(struct blk_io *io, int fd, const struct iovec *iov,
		  unsigned iovcnt, uint64_t off, uint64_t tag)
{
	return queue_rw(io, true, fd, iov, iovcnt, off, tag);
}

int blk_io_flush(struct blk_io *io, int fd, uint64_t tag)
{
	struct io_uring_sqe *sqe = next_sqe(io);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
	io_uring_sqe_set_flags(sqe, IOSQE_IO_DRAIN);
	io_uring_sqe_set_data64(sqe, tag);
	return 0;
}

int blk_io_punch_hole(struct blk_io *io, int fd, uint64_t off, uint64_t len,
		      uint64_t tag)
{
	struct io_uring_sqe *sqe = next_sqe(io);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_fallocate(sqe, fd,
				FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				off, len);
	io_uring_sqe_set_data64(sqe, tag);
	return 0;
}

int blk_io_submit(struct blk_io *io)
{
	int rc;

	if (!io->queued)
		return 0;
	rc = io_uring_submit(&io->ring);
	if (rc < 0)
		return rc;
	io->in_flight += (unsigned)rc;
	io->queued -= (unsigned)rc < io->queued ? (unsigned)rc : io->queued;
	return 0;
}

int blk_io_reap(struct blk_io *io,
		void (*done)(void *arg, uint64_t tag, int res), void *arg)
{
	struct io_uring_cqe *cqe;
	uint64_t ignored;
	int n = 0;

	if (read(io->eventfd, &ignored, sizeof(ignored)) < 0) {
		/* EAGAIN: nothing signalled; completions may be there yet */
	}
	while (io_uring_peek_cqe(&io->ring, &cqe) == 0) {
		uint64_t tag = io_uring_cqe_get_data64(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(&io->ring, cqe);
		if (io->in_flight)
			io->in_flight--;
		done(arg, tag, res);
		n++;
	}
	return n;
}

int blk_io_wait(struct blk_io *io)
{
	struct io_uring_cqe *cqe;

	return io_uring_wait_cqe(&io->ring, &cqe);
}
