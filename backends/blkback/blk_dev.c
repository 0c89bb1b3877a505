/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "blk_dev.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <xen/grant_table.h>
#include <xen/io/xenbus.h>

#include "blk_log.h"

/* A request being served: its private copy and its bounce buffer. */
struct blk_slot {
	bool busy;
	struct blkif_req req;
	uint64_t bytes;
	struct timespec started;
	void *buf;		/* BLKIF_MAX_SEGMENTS_PER_REQUEST pages */
	struct iovec iov;
};

/* The ring header every ABI shares (xen/io/ring.h's sring). */
struct sring_head {
	RING_IDX req_prod, req_event;
	RING_IDX rsp_prod, rsp_event;
	uint8_t pad[48];
};

#define SLOT_BYTES (BLKIF_MAX_SEGMENTS_PER_REQUEST * BLKIF_PAGE_SIZE)

static void dlog(const struct blk_dev *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void dlog(const struct blk_dev *d, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	blk_log("vbd %u/%u: %s", d->fe_domid, d->devid, msg);
}

/* ---- xenstore ---- */

static char *read_node(struct blk_dev *d, const char *dir, const char *node)
{
	char path[256];
	unsigned len;

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	return xs_read(d->host->xs, XBT_NULL, path, &len);
}

static int read_uint(struct blk_dev *d, const char *dir, const char *node,
		     unsigned long *out)
{
	char *s = read_node(d, dir, node), *end;
	int rc = -1;

	if (s) {
		errno = 0;
		*out = strtoul(s, &end, 10);
		rc = (errno || end == s || *end) ? -1 : 0;
		free(s);
	}
	return rc;
}

static bool write_node(struct blk_dev *d, const char *node, const char *fmt,
		       ...) __attribute__((format(printf, 3, 4)));

static bool write_node(struct blk_dev *d, const char *node, const char *fmt,
		       ...)
{
	char path[256], val[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", d->be_path, node);
	if (!xs_write(d->host->xs, XBT_NULL, path, val, strlen(val))) {
		dlog(d, "cannot write %s: %s", path, strerror(errno));
		return false;
	}
	return true;
}

/*
 * Writes our state, unless libxl removed the backend directory meanwhile:
 * a plain write would create .../state again and leave a device nobody
 * removes. Check and write in one transaction.
 */
static void switch_state(struct blk_dev *d, int state)
{
	char path[256], val[16], *fe;

	if (d->be_state == state)
		return;
	snprintf(path, sizeof(path), "%s/state", d->be_path);
	snprintf(val, sizeof(val), "%d", state);
	for (int tries = 0; tries < 10; tries++) {
		xs_transaction_t t = xs_transaction_start(d->host->xs);
		char fpath[256];
		unsigned len;

		if (t == XBT_NULL)
			break;
		snprintf(fpath, sizeof(fpath), "%s/frontend", d->be_path);
		fe = xs_read(d->host->xs, t, fpath, &len);
		if (!fe) {
			xs_transaction_end(d->host->xs, t, true);
			d->gone = true;
			return;
		}
		free(fe);
		if (!xs_write(d->host->xs, t, path, val, strlen(val))) {
			xs_transaction_end(d->host->xs, t, true);
			break;
		}
		if (xs_transaction_end(d->host->xs, t, false)) {
			d->be_state = state;
			return;
		}
		if (errno != EAGAIN)
			break;
	}
	dlog(d, "cannot write %s = %d: %s", path, state, strerror(errno));
}

/* As Linux's xenbus_dev_fatal: say why, and close. */
static void fatal(struct blk_dev *d, const char *why)
{
	dlog(d, "%s", why);
	write_node(d, "error", "%s", why);
	switch_state(d, XenbusStateClosing);
}

static void io_result(void *arg, uint64_t tag, int res);

/* ---- connect and disconnect ---- */

static int open_disk(struct blk_dev *d)
{
	char *params = read_node(d, d->be_path, "params");
	char *mode = read_node(d, d->be_path, "mode");
	char err[512];
	bool ro = !mode || strcmp(mode, "w");
	int rc = -1;

	d->open_tried = true;
	if (!params || !*params) {
		fatal(d, "no params (the disk's path) in the backend");
	} else if (blk_disk_open(&d->disk, params, ro, err, sizeof(err))) {
		fatal(d, err);
	} else {
		d->disk_open = true;
		d->lim.sectors = d->disk.size_bytes / 512;
		d->lim.sector_size = d->disk.logical_sector_size;
		d->lim.read_only = ro;
		d->lim.max_indirect_segments = 0;
		d->lim.features = BLKIF_FEAT_FLUSH |
				  (d->disk.can_discard ? BLKIF_FEAT_DISCARD : 0);
		dlog(d, "serving %s (%s, %llu sectors%s)", params,
		     ro ? "read-only" : "read-write",
		     (unsigned long long)d->lim.sectors,
		     d->disk.direct ? ", O_DIRECT"
				    : ", page cache: no O_DIRECT here");
		rc = 0;
	}
	free(params);
	free(mode);
	return rc;
}

static void disconnect(struct blk_dev *d)
{
	bool was_connected = d->connected;

	bool leak = false;

	/* no new request from here on, while those in flight end */
	d->connected = false;
	d->needs_service = false;
	if (d->io_ready) {
		/* queued requests go in, and every one in flight ends before
		 * its buffer or the ring goes */
		if (blk_io_submit(&d->io))
			dlog(d, "cannot submit the last requests");
		while (d->io.in_flight) {
			int rc = blk_io_wait(&d->io);

			if (rc == -EINTR)
				continue;
			if (rc) {
				dlog(d, "waiting for I/O in flight: %s; its "
				     "buffers are left allocated",
				     strerror(-rc));
				leak = true;
				break;
			}
			blk_io_reap(&d->io, io_result, d);
		}
		d->host->watch_fd(d->host->arg, d->io.eventfd, d, false);
		blk_io_exit(&d->io);
		d->io_ready = false;
	}
	d->st.in_flight = 0;
	if (d->port) {
		xenevtchn_unbind(d->host->evtchn, d->port);
		d->port = 0;
	}
	if (d->sring) {
		xengnttab_unmap(d->host->gnttab, d->sring, 1);
		d->sring = NULL;
	}
	if (d->slots && !leak) {
		for (unsigned i = 0; i < d->ring_size; i++)
			free(d->slots[i].buf);
		free(d->slots);
	}
	d->slots = NULL;
	if (was_connected)
		dlog(d, "disconnected");
	d->broken = false;
}

static int connect_ring(struct blk_dev *d)
{
	unsigned long ref, port;
	char *proto = read_node(d, d->fe_path, "protocol");
	char err[256];
	xenevtchn_port_or_error_t lport;
	uint32_t ref32;

	if (read_uint(d, d->fe_path, "ring-ref", &ref) ||
	    read_uint(d, d->fe_path, "event-channel", &port)) {
		dlog(d, "frontend %s has no ring-ref or event-channel "
		     "(multi-page rings and queues are not served yet)",
		     d->fe_path);
		free(proto);
		return -1;
	}
	if (blkif_abi_from_protocol(proto, &d->abi)) {
		dlog(d, "unknown protocol \"%s\"", proto);
		free(proto);
		return -1;
	}
	free(proto);
	d->ring_size = blkif_ring_size(d->abi, 1);
	ref32 = (uint32_t)ref;
	d->sring = xengnttab_map_domain_grant_refs(d->host->gnttab, 1,
						   d->fe_domid, &ref32,
						   PROT_READ | PROT_WRITE);
	if (!d->sring) {
		dlog(d, "cannot map ring-ref %lu: %s", ref, strerror(errno));
		return -1;
	}
	d->ring_ref = ref32;
	d->slots = calloc(d->ring_size, sizeof(*d->slots));
	if (!d->slots)
		goto fail;
	for (unsigned i = 0; i < d->ring_size; i++)
		if (posix_memalign(&d->slots[i].buf, BLKIF_PAGE_SIZE,
				   SLOT_BYTES))
			goto fail;
	if (blk_io_init(&d->io, d->ring_size, err, sizeof(err))) {
		dlog(d, "%s", err);
		goto fail;
	}
	d->io_ready = true;
	d->host->watch_fd(d->host->arg, d->io.eventfd, d, true);
	lport = xenevtchn_bind_interdomain(d->host->evtchn, d->fe_domid,
					   (evtchn_port_t)port);
	if (lport < 0) {
		dlog(d, "cannot bind event channel %lu: %s", port,
		     strerror(errno));
		goto fail;
	}
	d->port = (evtchn_port_t)lport;
	d->req_cons = 0;
	d->rsp_prod_pvt = 0;
	d->connected = true;
	dlog(d, "connected: ring-ref %lu, event channel %lu, %s ABI, %u "
	     "slots", ref, port, blkif_abi_name(d->abi), d->ring_size);
	return 0;
fail:
	disconnect(d);
	return -1;
}

/* What the frontend needs to use the disk, then Connected. */
static void publish_disk(struct blk_dev *d)
{
	write_node(d, "sectors", "%llu",
		   (unsigned long long)(d->disk.size_bytes / 512));
	write_node(d, "info", "%u", d->lim.read_only ? VDISK_READONLY : 0);
	write_node(d, "sector-size", "%u", d->disk.logical_sector_size);
	write_node(d, "physical-sector-size", "%u",
		   d->disk.physical_sector_size);
	/* blkfront reads these at Connected */
	write_node(d, "feature-discard", "%d", d->disk.can_discard);
	if (d->disk.can_discard) {
		write_node(d, "discard-granularity", "%u", BLKIF_PAGE_SIZE);
		write_node(d, "discard-alignment", "0");
		write_node(d, "discard-secure", "0");
	}
}

struct blk_dev *blk_dev_new(struct blk_host *host, unsigned fe_domid,
			    unsigned devid)
{
	struct blk_dev *d = calloc(1, sizeof(*d));
	char *fe;

	if (!d)
		return NULL;
	d->host = host;
	d->fe_domid = fe_domid;
	d->devid = devid;
	d->be_state = -1;
	d->disk.fd = -1;
	snprintf(d->be_path, sizeof(d->be_path),
		 "/local/domain/%u/backend/vbd/%u/%u", host->self_domid,
		 fe_domid, devid);
	fe = read_node(d, d->be_path, "frontend");
	if (!fe || strlen(fe) >= sizeof(d->fe_path)) {
		/* libxl writes it with the rest; come back on the next watch */
		free(fe);
		free(d);
		return NULL;
	}
	snprintf(d->fe_path, sizeof(d->fe_path), "%s", fe);
	free(fe);
	/* what this backend offers, before InitWait as blkif.h asks */
	write_node(d, "feature-flush-cache", "1");
	write_node(d, "feature-barrier", "0");
	write_node(d, "feature-persistent", "0");
	switch_state(d, XenbusStateInitWait);
	dlog(d, "new; frontend %s", d->fe_path);
	return d;
}

bool blk_dev_update(struct blk_dev *d)
{
	unsigned long fe_state = XenbusStateUnknown, online = 1, be_state;
	char *hp;

	if (d->gone)
		return false;
	/* gone: libxl removed the backend (only a missing node says so; a
	 * xenstore hiccup must not tear a live device down) */
	if (read_uint(d, d->be_path, "frontend-id", &be_state) &&
	    errno == ENOENT) {
		disconnect(d);
		return false;
	}
	/* state 1 again: libxl removed the device and made a new one with
	 * the same path before we looked; start afresh */
	if (!read_uint(d, d->be_path, "state", &be_state) &&
	    be_state == XenbusStateInitialising && d->be_state != -1) {
		dlog(d, "re-created by the toolstack; starting again");
		disconnect(d);
		return false;
	}
	if (read_uint(d, d->be_path, "online", &online))
		online = 1;
	if (read_uint(d, d->fe_path, "state", &fe_state))
		fe_state = XenbusStateUnknown;

	/* the hotplug script says the disk is ready to be opened (once: a
	 * failure closes the device, see fatal()) */
	if (!d->disk_open && !d->open_tried) {
		hp = read_node(d, d->be_path, "hotplug-status");
		if (hp && !strcmp(hp, "connected"))
			open_disk(d);
		free(hp);
	}

	switch (fe_state) {
	case XenbusStateInitialising:
		/* a frontend that closed and starts again: reconnect */
		if (d->be_state == XenbusStateClosed && online)
			switch_state(d, XenbusStateInitWait);
		break;
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (d->connected || !d->disk_open || !online ||
		    d->be_state != XenbusStateInitWait)
			break;
		if (connect_ring(d) == 0) {
			publish_disk(d);
			switch_state(d, XenbusStateConnected);
			blk_dev_kick(d);
		} else {
			fatal(d, "cannot connect to the frontend's ring "
			      "(see above)");
		}
		break;
	case XenbusStateClosing:
		/* as Linux's blkback: serve on until the frontend is Closed
		 * (an older blkfront keeps sending I/O while Closing) */
		blk_dev_kick(d);
		switch_state(d, XenbusStateClosing);
		break;
	case XenbusStateClosed:
	case XenbusStateUnknown:
		disconnect(d);
		if (d->be_state != XenbusStateInitWait || !online)
			switch_state(d, XenbusStateClosed);
		break;
	default:
		break;
	}
	/* hot-unplug: libxl set online = 0 (and Closing); once the frontend
	 * let go, say Closed so that libxl can remove the device */
	if (!online && !d->connected &&
	    (fe_state == XenbusStateClosed || fe_state == XenbusStateUnknown ||
	     fe_state == XenbusStateInitialising ||
	     fe_state == XenbusStateInitWait))
		switch_state(d, XenbusStateClosed);
	return !d->gone;
}

/* ---- requests ---- */

static int64_t us_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000000 +
	       (now.tv_nsec - t0->tv_nsec) / 1000;
}

static void note_latency(struct blk_dev *d, const struct timespec *t0)
{
	int64_t us = us_since(t0), lim = 100;
	unsigned b = 0;

	while (b < 7 && us >= lim) {
		lim *= 10;
		b++;
	}
	d->st.latency_us[b]++;
}

static void respond(struct blk_dev *d, uint64_t id, uint8_t op,
		    int16_t status)
{
	struct sring_head *h = d->sring;
	RING_IDX old = d->rsp_prod_pvt, new;

	blkif_put_response((char *)d->sring + BLKIF_SRING_HEADER_SIZE,
			   d->ring_size, d->rsp_prod_pvt++, d->abi, id, op,
			   status);
	new = d->rsp_prod_pvt;
	/* the response before its index; the index before the event check */
	atomic_thread_fence(memory_order_release);
	__atomic_store_n(&h->rsp_prod, new, __ATOMIC_RELAXED);
	atomic_thread_fence(memory_order_seq_cst);
	if ((RING_IDX)(new - __atomic_load_n(&h->rsp_event, __ATOMIC_RELAXED))
	    < (RING_IDX)(new - old)) {
		xenevtchn_notify(d->host->evtchn, d->port);
		d->st.notify_out++;
	}
}

/* Grant copy between the slot's buffer and the request's pages. */
static int copy_segments(struct blk_dev *d, struct blk_slot *s, bool to_guest)
{
	xengnttab_grant_copy_segment_t seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
	const struct blkif_req *r = &s->req;
	size_t off = 0;
	unsigned n = r->nr_segments;

	for (unsigned i = 0; i < n; i++) {
		unsigned first = r->seg[i].first_sect * 512u;
		unsigned len = (r->seg[i].last_sect - r->seg[i].first_sect +
				1u) * 512u;

		memset(&seg[i], 0, sizeof(seg[i]));
		if (to_guest) {
			seg[i].source.virt = (char *)s->buf + off;
			seg[i].dest.foreign.ref = r->seg[i].gref;
			seg[i].dest.foreign.offset = (uint16_t)first;
			seg[i].dest.foreign.domid = (uint16_t)d->fe_domid;
			seg[i].flags = GNTCOPY_dest_gref;
		} else {
			seg[i].source.foreign.ref = r->seg[i].gref;
			seg[i].source.foreign.offset = (uint16_t)first;
			seg[i].source.foreign.domid = (uint16_t)d->fe_domid;
			seg[i].dest.virt = (char *)s->buf + off;
			seg[i].flags = GNTCOPY_source_gref;
		}
		seg[i].len = (uint16_t)len;
		off += len;
	}
	d->st.grant_copies += n;
	if (xengnttab_grant_copy(d->host->gnttab, n, seg)) {
		d->st.grant_copy_errors++;
		return -1;
	}
	for (unsigned i = 0; i < n; i++)
		if (seg[i].status != GNTST_okay) {
			d->st.grant_copy_errors++;
			return -1;
		}
	return 0;
}

static void finish(struct blk_dev *d, struct blk_slot *s, int16_t status)
{
	note_latency(d, &s->started);
	respond(d, s->req.id, s->req.operation, status);
	s->busy = false;
	d->st.in_flight--;
}

static struct blk_slot *free_slot(struct blk_dev *d)
{
	for (unsigned i = 0; i < d->ring_size; i++)
		if (!d->slots[i].busy)
			return &d->slots[i];
	return NULL;
}

/* Starts one validated request; answers it at once if it fails here. */
static void start(struct blk_dev *d, struct blk_slot *s)
{
	const struct blkif_req *r = &s->req;
	uint64_t tag = (uint64_t)(s - d->slots);
	uint64_t off = r->sector_number * 512u;
	int rc = 0;

	s->busy = true;
	d->st.in_flight++;
	clock_gettime(CLOCK_MONOTONIC, &s->started);
	s->bytes = blkif_req_sectors(r) * 512u;
	s->iov.iov_base = s->buf;
	s->iov.iov_len = s->bytes;
	switch (r->operation) {
	case BLKIF_OP_READ:
		d->st.reads++;
		rc = blk_io_readv(&d->io, d->disk.fd, &s->iov, 1, off, tag);
		break;
	case BLKIF_OP_WRITE:
		d->st.writes++;
		if (copy_segments(d, s, false)) {
			finish(d, s, BLKIF_RSP_ERROR);
			return;
		}
		rc = blk_io_writev(&d->io, d->disk.fd, &s->iov, 1, off, tag);
		break;
	case BLKIF_OP_FLUSH_DISKCACHE:
		d->st.flushes++;
		if (r->nr_segments) {
			/* Linux's blkfront sends none; served as a write then
			 * a flush, it would need two linked requests */
			if (d->st.flushes_with_data++ == 0)
				dlog(d, "a flush carrying data: refused (not "
				     "served yet)");
			finish(d, s, BLKIF_RSP_ERROR);
			return;
		}
		rc = blk_io_flush(&d->io, d->disk.fd, tag);
		break;
	case BLKIF_OP_DISCARD:
		d->st.discards++;
		s->bytes = 0;
		if (!d->disk.is_block_device) {
			/* through io_uring: a whole-disk discard from mkfs
			 * must not stall the daemon */
			rc = blk_io_punch_hole(&d->io, d->disk.fd, off,
					       r->nr_sectors * 512u, tag);
			break;
		}
		rc = blk_disk_discard(&d->disk, off, r->nr_sectors * 512u);
		finish(d, s, rc == -EOPNOTSUPP ? BLKIF_RSP_EOPNOTSUPP
			     : rc ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY);
		return;
	default:
		finish(d, s, BLKIF_RSP_EOPNOTSUPP);
		return;
	}
	if (rc) {
		d->st.io_errors++;
		finish(d, s, BLKIF_RSP_ERROR);
	}
}

static void io_result(void *arg, uint64_t tag, int res)
{
	struct blk_dev *d = arg;
	struct blk_slot *s;
	int16_t status = BLKIF_RSP_OKAY;

	if (tag >= d->ring_size)
		return;
	s = &d->slots[tag];
	if (!s->busy)
		return;
	if (s->req.operation == BLKIF_OP_FLUSH_DISKCACHE ||
	    s->req.operation == BLKIF_OP_DISCARD) {
		if (res == -EOPNOTSUPP)
			status = BLKIF_RSP_EOPNOTSUPP;	/* blkfront stops asking */
		else if (res < 0)
			status = BLKIF_RSP_ERROR;
	} else if (res < 0 || (uint64_t)res != s->bytes) {
		status = BLKIF_RSP_ERROR;
	} else if (s->req.operation == BLKIF_OP_READ) {
		d->st.bytes_read += s->bytes;
		if (copy_segments(d, s, true))
			status = BLKIF_RSP_ERROR;
	} else {
		d->st.bytes_written += s->bytes;
	}
	if (status != BLKIF_RSP_OKAY)
		d->st.io_errors++;
	finish(d, s, status);
}

void blk_dev_io_done(struct blk_dev *d)
{
	if (!d->io_ready)
		return;
	blk_io_reap(&d->io, io_result, d);
	/* slots came free: requests may be waiting on the ring */
	if (d->connected && !d->broken)
		blk_dev_kick(d);
}

/*
 * Takes what the frontend queued, as far as slots allow, and at most one
 * ring's worth per call: a frontend that keeps queueing (refused requests
 * are answered at once and hold no slot) must not keep the daemon's one
 * thread from the other devices. needs_service then asks for another turn.
 */
static void serve_ring(struct blk_dev *d)
{
	struct sring_head *h = d->sring;
	const void *entries = (const char *)d->sring + BLKIF_SRING_HEADER_SIZE;
	unsigned budget = d->ring_size;

	d->needs_service = false;
	for (;;) {
		RING_IDX rp = __atomic_load_n(&h->req_prod, __ATOMIC_RELAXED);

		atomic_thread_fence(memory_order_acquire);
		if (!blkif_ring_req_prod_sane(rp, d->req_cons, d->rsp_prod_pvt,
					      d->ring_size)) {
			dlog(d, "frontend wrote an impossible req_prod %u "
			     "(consumed %u, answered %u): ring no longer "
			     "served", rp, d->req_cons, d->rsp_prod_pvt);
			d->broken = true;
			goto submit;	/* what was queued still goes in */
		}
		while (d->req_cons != rp) {
			struct blk_slot *s;
			struct blkif_problem why;

			if (budget-- == 0) {
				d->needs_service = true;
				goto submit;
			}
			s = free_slot(d);
			if (!s || !blk_io_has_room(&d->io)) {
				/* completions kick the ring again */
				d->st.ring_full++;
				goto submit;
			}
			blkif_fetch(entries, d->ring_size, d->req_cons++,
				    d->abi, &s->req);
			if (blkif_validate(&s->req, &d->lim, &why)) {
				char msg[160];

				blkif_problem_format(&why, msg, sizeof(msg));
				if (d->st.refused < 10)
					dlog(d, "refused request %llu: %s",
					     (unsigned long long)s->req.id,
					     msg);
				d->st.refused++;
				d->st.refusals[why.kind]++;
				respond(d, s->req.id, s->req.operation,
					why.status);
				continue;
			}
			start(d, s);
		}
		/* ask for an event on the next request, then look again */
		__atomic_store_n(&h->req_event, d->req_cons + 1,
				 __ATOMIC_RELAXED);
		atomic_thread_fence(memory_order_seq_cst);
		if (__atomic_load_n(&h->req_prod, __ATOMIC_RELAXED) ==
		    d->req_cons)
			break;
	}
submit:
	if (blk_io_submit(&d->io)) {
		/* nothing else may come to retry it: ask for a turn */
		dlog(d, "io_uring submit failed; trying again");
		d->needs_service = true;
	}
}

void blk_dev_kick(struct blk_dev *d)
{
	if (!d->connected)
		return;
	if (d->broken) {
		/* nothing more is taken; what is queued still goes in */
		if (blk_io_submit(&d->io) == 0)
			d->needs_service = false;
		return;
	}
	serve_ring(d);
}

void blk_dev_free_later(struct blk_dev *d)
{
	if (d->released)
		return;
	disconnect(d);
	d->gone = true;
	d->released = true;
	dlog(d, "done: reads=%llu writes=%llu flushes=%llu discards=%llu "
	     "refused=%llu io_errors=%llu bytes_read=%llu bytes_written=%llu",
	     (unsigned long long)d->st.reads, (unsigned long long)d->st.writes,
	     (unsigned long long)d->st.flushes,
	     (unsigned long long)d->st.discards,
	     (unsigned long long)d->st.refused,
	     (unsigned long long)d->st.io_errors,
	     (unsigned long long)d->st.bytes_read,
	     (unsigned long long)d->st.bytes_written);
	if (d->disk_open)
		blk_disk_close(&d->disk);
	d->disk_open = false;
}

void blk_dev_free(struct blk_dev *d)
{
	blk_dev_free_later(d);
	free(d);
}

char *blk_dev_stats_json(const struct blk_dev *d)
{
	json_object *o = json_object_new_object(), *lat, *ref;
	static const char *const lat_names[8] = {
		"lt_100us", "lt_1ms", "lt_10ms", "lt_100ms", "lt_1s",
		"lt_10s", "lt_100s", "ge_100s"
	};
	char *text;

#define ADD(name, v) json_object_object_add(o, name, \
					    json_object_new_int64((int64_t)(v)))
	ADD("frontend_domid", d->fe_domid);
	ADD("devid", d->devid);
	json_object_object_add(o, "path", json_object_new_string(
		d->disk_open ? d->disk.path : ""));
	json_object_object_add(o, "connected",
			       json_object_new_boolean(d->connected));
	ADD("reads", d->st.reads);
	ADD("writes", d->st.writes);
	ADD("flushes", d->st.flushes);
	ADD("discards", d->st.discards);
	ADD("bytes_read", d->st.bytes_read);
	ADD("bytes_written", d->st.bytes_written);
	ADD("in_flight", d->st.in_flight);
	ADD("refused", d->st.refused);
	ADD("io_errors", d->st.io_errors);
	ADD("grant_maps", 0);
	ADD("grant_unmaps", 0);
	ADD("grant_copies", d->st.grant_copies);
	ADD("grant_copy_errors", d->st.grant_copy_errors);
	ADD("notifications_in", d->st.notify_in);
	ADD("notifications_out", d->st.notify_out);
	ADD("ring_full", d->st.ring_full);
#undef ADD
	lat = json_object_new_object();
	for (unsigned i = 0; i < 8; i++)
		json_object_object_add(lat, lat_names[i],
			json_object_new_int64((int64_t)d->st.latency_us[i]));
	json_object_object_add(o, "latency", lat);
	ref = json_object_new_object();
	for (unsigned i = 1; i < BLKIF_NR_REFUSALS; i++)
		json_object_object_add(ref, blkif_refusal_name(i),
			json_object_new_int64((int64_t)d->st.refusals[i]));
	json_object_object_add(o, "refusals", ref);
	text = strdup(json_object_to_json_string_ext(o,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
	json_object_put(o);
	return text;
}
