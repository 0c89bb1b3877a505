/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "blk_io.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define NIL UINT32_MAX

enum op_kind {
	OP_READ,
	OP_WRITE,
	OP_FLUSH,	/* fdatasync, drained */
	OP_PUNCH,	/* fallocate(PUNCH_HOLE | KEEP_SIZE) */
	OP_BLKDISCARD,	/* ioctl(BLKDISCARD), in the worker */
	OP_NOP,		/* a discard of nothing */
};

/*
 * One request taken and not yet reaped; its index in io->ops is the
 * io_uring user_data. It sits in at most one list (free, held, the
 * worker's todo or done), linked through next.
 */
struct blk_io_op {
	uint64_t tag;
	uint64_t off, len;
	const struct iovec *iov;
	struct blk_disk *disk;	/* a discard's disk (NULL: a bare hole) */
	int fd;
	int res;		/* the worker's result */
	unsigned iovcnt;
	uint8_t kind;
	uint32_t next;
};

static void push(struct blk_io *io, uint32_t *head, uint32_t *tail,
		 uint32_t i)
{
	io->ops[i].next = NIL;
	if (*head == NIL)
		*head = i;
	else
		io->ops[*tail].next = i;
	*tail = i;
}

static uint32_t pop(struct blk_io *io, uint32_t *head, uint32_t *tail)
{
	uint32_t i = *head;

	if (i != NIL) {
		*head = io->ops[i].next;
		if (*head == NIL)
			*tail = NIL;
	}
	return i;
}

int blk_io_init(struct blk_io *io, unsigned depth, char *err, size_t errlen)
{
	int rc;

	memset(io, 0, sizeof(*io));
	io->eventfd = -1;
	io->free_head = io->held_head = io->held_tail = NIL;
	io->worker.todo_head = io->worker.todo_tail = NIL;
	io->worker.done_head = io->worker.done_tail = NIL;
	if (depth == 0 || depth > 65536) {
		snprintf(err, errlen, "io_uring depth %u: 1 to 65536", depth);
		return -1;
	}
	io->ops = calloc(depth, sizeof(*io->ops));
	if (!io->ops) {
		snprintf(err, errlen, "no memory for %u requests", depth);
		return -1;
	}
	for (unsigned i = depth; i-- > 0;) {
		io->ops[i].next = io->free_head;
		io->free_head = i;
	}
	io->eventfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (io->eventfd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	rc = io_uring_queue_init(depth, &io->ring, 0);
	if (rc < 0) {
		snprintf(err, errlen, "io_uring_queue_init(%u): %s%s", depth,
			 strerror(-rc), rc == -EPERM || rc == -ENOSYS
			 ? " (io_uring disabled here? see "
			   "/proc/sys/kernel/io_uring_disabled)" : "");
		goto fail;
	}
	rc = io_uring_register_eventfd(&io->ring, io->eventfd);
	if (rc < 0) {
		snprintf(err, errlen, "io_uring_register_eventfd: %s",
			 strerror(-rc));
		io_uring_queue_exit(&io->ring);
		goto fail;
	}
	pthread_mutex_init(&io->worker.lock, NULL);
	pthread_cond_init(&io->worker.wake, NULL);
	io->depth = depth;
	return 0;
fail:
	if (io->eventfd >= 0)
		close(io->eventfd);
	io->eventfd = -1;
	free(io->ops);
	io->ops = NULL;
	return -1;
}

void blk_io_exit(struct blk_io *io)
{
	if (io->eventfd < 0)
		return;
	if (io->worker.started) {
		pthread_mutex_lock(&io->worker.lock);
		io->worker.stop = true;
		pthread_cond_signal(&io->worker.wake);
		pthread_mutex_unlock(&io->worker.lock);
		pthread_join(io->worker.thread, NULL);
		io->worker.started = false;
	}
	pthread_cond_destroy(&io->worker.wake);
	pthread_mutex_destroy(&io->worker.lock);
	io_uring_queue_exit(&io->ring);
	close(io->eventfd);
	io->eventfd = -1;
	free(io->ops);
	io->ops = NULL;
}

bool blk_io_has_room(const struct blk_io *io)
{
	/* what is in flight is capped too: the completion queue (twice
	 * depth) can never overflow */
	return io->in_flight < io->depth;
}

/* ---- the worker: BLKDISCARD, which io_uring cannot do on 6.1 ---- */

static void *worker_main(void *arg)
{
	struct blk_io *io = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&io->worker.lock);
	for (;;) {
		struct blk_io_op *op;
		uint64_t range[2];
		uint32_t i;
		int fd, res;

		while (!io->worker.stop && io->worker.todo_head == NIL)
			pthread_cond_wait(&io->worker.wake, &io->worker.lock);
		if (io->worker.stop)
			break;
		i = pop(io, &io->worker.todo_head, &io->worker.todo_tail);
		op = &io->ops[i];
		fd = op->fd;
		range[0] = op->off;
		range[1] = op->len;
		pthread_mutex_unlock(&io->worker.lock);

		res = ioctl(fd, BLKDISCARD, range) ? -errno : 0;

		pthread_mutex_lock(&io->worker.lock);
		op->res = res;
		push(io, &io->worker.done_head, &io->worker.done_tail, i);
		/* the daemon's epoll sees it as it sees io_uring's */
		if (write(io->eventfd, &one, sizeof(one)) < 0) {
			/* only an overflowing counter: it is readable then */
		}
	}
	pthread_mutex_unlock(&io->worker.lock);
	return NULL;
}

static int start_worker(struct blk_io *io)
{
	sigset_t all, old;
	int rc;

	if (io->worker.started)
		return 0;
	/* signals are the main thread's (its handlers, its epoll_wait) */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&io->worker.thread, NULL, worker_main, io);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return -rc;
	io->worker.started = true;
	return 0;
}

static bool worker_has_results(struct blk_io *io)
{
	bool any;

	if (!io->worker.started)
		return false;
	pthread_mutex_lock(&io->worker.lock);
	any = io->worker.done_head != NIL;
	pthread_mutex_unlock(&io->worker.lock);
	return any;
}

/* ---- queueing, in order ---- */

static uint32_t take_op(struct blk_io *io)
{
	uint32_t i;

	if (!blk_io_has_room(io))
		return NIL;
	i = io->free_head;
	if (i == NIL)
		return NIL;
	io->free_head = io->ops[i].next;
	memset(&io->ops[i], 0, sizeof(io->ops[i]));
	io->ops[i].next = NIL;
	io->in_flight++;
	return i;
}

static void put_op(struct blk_io *io, uint32_t i)
{
	io->ops[i].next = io->free_head;
	io->free_head = i;
	io->in_flight--;
}

/*
 * May op start now? A flush waits for the worker's discards (io_uring's
 * drain covers only the ring), a worker's discard for the flushes in
 * the ring before it.
 */
static bool may_go(const struct blk_io *io, const struct blk_io_op *op)
{
	if (op->kind == OP_FLUSH)
		return io->worker_active == 0;
	if (op->kind == OP_BLKDISCARD)
		return io->flushes_active == 0;
	return true;
}

/* Hands op to the worker or to the ring. Returns 0 or -EBUSY. */
static int go(struct blk_io *io, uint32_t i)
{
	struct blk_io_op *op = &io->ops[i];
	struct io_uring_sqe *sqe;

	if (op->kind == OP_BLKDISCARD) {
		io->worker_active++;
		pthread_mutex_lock(&io->worker.lock);
		push(io, &io->worker.todo_head, &io->worker.todo_tail, i);
		pthread_cond_signal(&io->worker.wake);
		pthread_mutex_unlock(&io->worker.lock);
		return 0;
	}
	/* there are as many entries as requests: never NULL */
	sqe = io_uring_get_sqe(&io->ring);
	if (!sqe)
		return -EBUSY;
	switch (op->kind) {
	case OP_READ:
		io_uring_prep_readv(sqe, op->fd, op->iov, op->iovcnt, op->off);
		break;
	case OP_WRITE:
		io_uring_prep_writev(sqe, op->fd, op->iov, op->iovcnt,
				     op->off);
		break;
	case OP_FLUSH:
		io_uring_prep_fsync(sqe, op->fd, IORING_FSYNC_DATASYNC);
		io_uring_sqe_set_flags(sqe, IOSQE_IO_DRAIN);
		io->flushes_active++;
		break;
	case OP_PUNCH:
		io_uring_prep_fallocate(sqe, op->fd,
					FALLOC_FL_PUNCH_HOLE |
					FALLOC_FL_KEEP_SIZE, op->off, op->len);
		break;
	default:
		io_uring_prep_nop(sqe);
		break;
	}
	io_uring_sqe_set_data64(sqe, i);
	io->queued++;
	return 0;
}

/* Queues a filled-in op: at once, or behind what waits. */
static int queue_op(struct blk_io *io, uint32_t i)
{
	int rc;

	if (io->held_head != NIL || !may_go(io, &io->ops[i])) {
		push(io, &io->held_head, &io->held_tail, i);
		return 0;
	}
	rc = go(io, i);
	if (rc)
		put_op(io, i);
	return rc;
}

static int queue_rw(struct blk_io *io, bool write, int fd,
		    const struct iovec *iov, unsigned iovcnt, uint64_t off,
		    uint64_t tag)
{
	uint32_t i = take_op(io);

	if (i == NIL)
		return -EBUSY;
	io->ops[i] = (struct blk_io_op){
		.tag = tag, .off = off, .iov = iov, .iovcnt = iovcnt,
		.fd = fd, .kind = write ? OP_WRITE : OP_READ, .next = NIL,
	};
	return queue_op(io, i);
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
	uint32_t i = take_op(io);

	if (i == NIL)
		return -EBUSY;
	io->ops[i] = (struct blk_io_op){
		.tag = tag, .fd = fd, .kind = OP_FLUSH, .next = NIL,
	};
	return queue_op(io, i);
}

static int queue_discard(struct blk_io *io, struct blk_disk *disk, int fd,
			 uint64_t off, uint64_t len, uint64_t tag)
{
	uint8_t kind = OP_PUNCH;
	uint32_t i;

	if (len == 0) {
		kind = OP_NOP;
	} else if (disk && disk->discard_how == BLK_DISCARD_IOCTL) {
		int rc = start_worker(io);

		if (rc)
			return rc;
		kind = OP_BLKDISCARD;
	}
	i = take_op(io);
	if (i == NIL)
		return -EBUSY;
	io->ops[i] = (struct blk_io_op){
		.tag = tag, .off = off, .len = len, .disk = disk, .fd = fd,
		.kind = kind, .next = NIL,
	};
	return queue_op(io, i);
}

int blk_io_discard(struct blk_io *io, struct blk_disk *disk, uint64_t off,
		   uint64_t len, uint64_t tag)
{
	if (!disk->can_discard)
		return -EOPNOTSUPP;
	return queue_discard(io, disk, disk->fd, off, len, tag);
}

int blk_io_punch_hole(struct blk_io *io, int fd, uint64_t off, uint64_t len,
		      uint64_t tag)
{
	return queue_discard(io, NULL, fd, off, len, tag);
}

/* ---- submission and completion ---- */

static int submit_ring(struct blk_io *io)
{
	int rc;

	if (!io->queued)
		return 0;
	rc = io_uring_submit(&io->ring);
	if (rc < 0)
		return rc;
	io->in_ring += (unsigned)rc;
	io->queued -= (unsigned)rc < io->queued ? (unsigned)rc : io->queued;
	return 0;
}

int blk_io_submit(struct blk_io *io)
{
	return submit_ring(io);
}

static void finish(struct blk_io *io, uint32_t i, int res,
		   void (*done)(void *arg, uint64_t tag, int res), void *arg)
{
	uint64_t tag = io->ops[i].tag;

	/* freed first: done may queue the next request in its place */
	put_op(io, i);
	done(arg, tag, res);
}

/*
 * A device that refused write-zeroes (it may say so only when asked, as
 * SCSI disks do) is discarded with BLKDISCARD from now on, this request
 * first. It was taken before whatever waits now, so it goes at once.
 */
static bool retry_with_ioctl(struct blk_io *io, uint32_t i)
{
	struct blk_io_op *op = &io->ops[i];

	if (!op->disk || !op->disk->is_block_device || start_worker(io))
		return false;
	op->disk->discard_how = BLK_DISCARD_IOCTL;
	op->disk->discard_zeroes = false;
	op->kind = OP_BLKDISCARD;
	return go(io, i) == 0;
}

/* What was held for order's sake and may go now, goes, in order. */
static void release_held(struct blk_io *io,
			 void (*done)(void *arg, uint64_t tag, int res),
			 void *arg)
{
	while (io->held_head != NIL &&
	       may_go(io, &io->ops[io->held_head])) {
		uint32_t i = pop(io, &io->held_head, &io->held_tail);
		int rc = go(io, i);

		if (rc == -EBUSY && submit_ring(io) == 0)
			rc = go(io, i);
		if (rc)
			finish(io, i, rc, done, arg);
	}
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
		uint64_t i = io_uring_cqe_get_data64(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(&io->ring, cqe);
		if (io->in_ring)
			io->in_ring--;
		if (i >= io->depth)
			continue;
		if (io->ops[i].kind == OP_FLUSH)
			io->flushes_active--;
		if (io->ops[i].kind == OP_PUNCH && res == -EOPNOTSUPP &&
		    retry_with_ioctl(io, (uint32_t)i))
			continue;
		finish(io, (uint32_t)i, res, done, arg);
		n++;
	}
	if (io->worker.started) {
		uint32_t head;

		pthread_mutex_lock(&io->worker.lock);
		head = io->worker.done_head;
		io->worker.done_head = io->worker.done_tail = NIL;
		pthread_mutex_unlock(&io->worker.lock);
		while (head != NIL) {
			uint32_t i = head;

			head = io->ops[i].next;
			io->worker_active--;
			finish(io, i, io->ops[i].res, done, arg);
			n++;
		}
	}
	release_held(io, done, arg);
	/* what was released (and what done queued) goes to the kernel */
	if (submit_ring(io)) {
		/* the caller's next blk_io_submit tries again */
	}
	return n;
}

int blk_io_wait(struct blk_io *io)
{
	struct io_uring_cqe *cqe;

	for (;;) {
		struct pollfd p = { .fd = io->eventfd, .events = POLLIN };
		uint64_t ignored;
		int rc = submit_ring(io);

		if (rc < 0 && rc != -EAGAIN && rc != -EBUSY)
			return rc;
		if (io_uring_cq_ready(&io->ring) || worker_has_results(io))
			return 0;
		/* (held requests wait for one of these) */
		if (!io->in_ring && !io->worker_active)
			return rc < 0 ? rc : -EAGAIN;
		if (!io->worker_active)
			return io_uring_wait_cqe(&io->ring, &cqe);
		/* the worker's results come only through the eventfd */
		if (poll(&p, 1, -1) < 0)
			return -errno;
		if (io_uring_cq_ready(&io->ring) || worker_has_results(io))
			return 0;
		/* a count left from results reaped already */
		if (read(io->eventfd, &ignored, sizeof(ignored)) < 0) {
			/* EAGAIN: someone else emptied it */
		}
	}
}
