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

/*
 * Requests one queue serves at a time. The ring may hold more (512
 * entries with 16 pages); the rest wait there, costing dom0 nothing.
 */
#define SLOTS_PER_QUEUE_MAX 64u
/*
 * Grants one queue keeps mapped: 33 per ring entry (a 32-segment
 * indirect request and its indirect page; 1056 for a one-page ring, as
 * Linux's blkback keeps), at most 4096 (each is a mapping in dom0, and
 * vm.max_map_count is 65530 for the whole daemon). Past that, copies.
 */
#define PGRANTS_PER_ENTRY 33u
#define PGRANTS_PER_QUEUE_MAX 4096u
/*
 * Request buffers beyond each slot's own (indirect requests larger than
 * 11 segments) that one device may have in flight, and may hold at all:
 * a frontend's large requests wait on its ring past this, so it cannot
 * make dom0 allocate without bound. They stay in their slot for the next
 * large request: a fresh buffer costs a page fault a page each time, and
 * in a PV dom0 each is a trip through Xen (a 128 KiB read took 5 times
 * the CPU of a 4 KiB one).
 */
#define BIG_BYTES_BUDGET (16u << 20)
#define BIG_BYTES_MIN (64u << 10)
/* of which idle, kept for the next request: a ring of 32 128 KiB reads */
#define BIG_BYTES_IDLE_MAX (4u << 20)

/* A request being served: its private copy and its bounce buffer. */
struct blk_slot {
	bool busy;
	uint8_t op;		/* what to do: the indirect one resolved */
	/*
	 * A barrier or a flush carrying data is served in steps, one I/O
	 * each: FLUSH_BEFORE (everything before it durable), WRITE, then
	 * FLUSH_AFTER (its own data durable). 0 for other requests.
	 */
	uint8_t step;
	uint64_t bytes;
	struct timespec started;
	void *buf;		/* SLOT_BYTES, aligned */
	void *big;		/* a larger buffer, kept for the next */
	size_t big_bytes;	/* its size */
	void *data;		/* this request's: buf or big */
	struct iovec iov;
	struct blk_jentry *je;	/* its journal entry, or NULL */
	struct blk_jentry mem;	/* the entry without a journal */
	/* Last: 32 KiB of segments. */
	struct blkif_req req;
};

/* The ring header every ABI shares (xen/io/ring.h's sring). */
struct sring_head {
	RING_IDX req_prod, req_event;
	RING_IDX rsp_prod, rsp_event;
	uint8_t pad[48];
};

#define SLOT_BYTES (BLKIF_MAX_SEGMENTS_PER_REQUEST * BLKIF_PAGE_SIZE)

enum { STEP_NONE, STEP_FLUSH_BEFORE, STEP_WRITE, STEP_FLUSH_AFTER };
#define TAG(q, s) (((uint64_t)(q) << 16) | (s))

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
		if (rc)
			errno = EINVAL;
	} else if (errno == 0) {
		errno = ENOENT;
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

/* Is our state node still Connected, in transaction t? (libxl writes
 * Closing there itself for a hot-unplug.) */
static bool still_connected(struct blk_dev *d, xs_transaction_t t)
{
	char path[256], *v;
	unsigned len;
	bool yes;

	snprintf(path, sizeof(path), "%s/state", d->be_path);
	v = xs_read(d->host->xs, t, path, &len);
	yes = v && atoi(v) == XenbusStateConnected;
	free(v);
	return yes;
}

/*
 * Writes our state (and, for a resize, the new size with it), unless
 * libxl removed the backend directory meanwhile: a plain write would
 * create .../state again and leave a device nobody removes. Check and
 * write in one transaction. force: write even if unchanged (a frontend
 * re-reads the disk's size when Connected is written again).
 */
static void write_state(struct blk_dev *d, int state, bool force,
			const char *sectors)
{
	char path[256], spath[256], val[16], *fe;

	if (d->be_state == state && !force)
		return;
	snprintf(path, sizeof(path), "%s/state", d->be_path);
	snprintf(spath, sizeof(spath), "%s/sectors", d->be_path);
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
		if (sectors && !still_connected(d, t)) {
			/* closing meanwhile: the size no longer matters */
			xs_transaction_end(d->host->xs, t, true);
			return;
		}
		if ((sectors && !xs_write(d->host->xs, t, spath, sectors,
					  strlen(sectors))) ||
		    !xs_write(d->host->xs, t, path, val, strlen(val))) {
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

static void switch_state(struct blk_dev *d, int state)
{
	write_state(d, state, false, NULL);
}

/* As Linux's xenbus_dev_fatal: say why, and close. */
static void fatal(struct blk_dev *d, const char *why)
{
	dlog(d, "%s", why);
	write_node(d, "error", "%s", why);
	switch_state(d, XenbusStateClosing);
}

static void io_result(void *arg, uint64_t tag, int res);

/* ---- the disk ---- */

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
		d->lim.max_indirect_segments = d->offer.max_indirect_segments;
		d->lim.features = BLKIF_FEAT_BARRIER |
			(d->offer.flush_cache ? BLKIF_FEAT_FLUSH : 0) |
			(d->disk.can_discard ? BLKIF_FEAT_DISCARD : 0) |
			(d->offer.max_indirect_segments ? BLKIF_FEAT_INDIRECT
							: 0);
		/* sizes as the xenstore nodes say them (sectors: 512 bytes) */
		dlog(d, "serving %s (%s, %llu sectors, sector-size %u, "
		     "physical-sector-size %u%s%s)", params,
		     ro ? "read-only" : "read-write",
		     (unsigned long long)d->lim.sectors,
		     d->disk.logical_sector_size, d->disk.physical_sector_size,
		     d->disk.direct ? ", O_DIRECT" : ", page cache: ",
		     d->disk.direct || !d->disk.buffered_why
		     ? "" : d->disk.buffered_why);
		rc = 0;
	}
	free(params);
	free(mode);
	return rc;
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
	write_node(d, "feature-max-indirect-segments", "%u",
		   d->offer.max_indirect_segments);
	write_node(d, "feature-discard", "%d", d->disk.can_discard);
	if (d->disk.can_discard) {
		write_node(d, "discard-granularity", "%u",
			   d->disk.discard_granularity);
		write_node(d, "discard-alignment", "%u",
			   d->disk.discard_alignment);
		write_node(d, "discard-secure", "0");
	}
}

/* ---- rings: connect, re-attach, disconnect ---- */

static void unmap_page(void *arg, void *page)
{
	struct blk_queue *q = arg;

	xengnttab_unmap(q->d->host->gnttab, page, 1);
	q->d->st.grant_unmaps++;
	q->d->host->grants_kept--;
}

static void release_queue(struct blk_queue *q, bool leak)
{
	struct blk_dev *d = q->d;

	if (q->port) {
		xenevtchn_unbind(d->host->evtchn, q->port);
		q->port = 0;
	}
	blk_pgrants_clear(&q->pgrants, unmap_page, q);
	if (q->sring) {
		xengnttab_unmap(d->host->gnttab, q->sring, q->nr_ring_pages);
		q->sring = NULL;
	}
	if (q->slots && !leak) {
		for (unsigned i = 0; i < q->nr_slots; i++) {
			free(q->slots[i].buf);
			free(q->slots[i].big);
		}
		free(q->slots);
	}
	q->slots = NULL;
	q->nr_slots = 0;
	q->jq = NULL;
	q->broken = false;
	q->held = false;
	q->replay_pending = false;
	q->map_failed = false;
	q->needs_service = false;
}

/*
 * Stops serving: no new request from here on, every one in flight ends
 * (and is answered) before its buffer or its ring goes. keep_journal: the
 * daemon stops and a successor re-attaches; otherwise the connection is
 * over and so is its journal.
 */
static void disconnect(struct blk_dev *d, bool keep_journal)
{
	bool was_connected = d->connected, leak = false;

	d->connected = false;
	d->needs_service = false;
	if (d->io_ready) {
		/* a completion may queue a barrier's next step: submit
		 * after each reap, until nothing is queued or in flight */
		while (d->io.in_flight || d->io.queued) {
			int rc = blk_io_submit(&d->io);

			if (rc == 0 && !d->io.in_flight)
				rc = -EAGAIN;	/* queued, and nothing took it */
			if (rc == 0)
				rc = blk_io_wait(&d->io);
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
	for (unsigned i = 0; i < d->nr_queues; i++)
		release_queue(&d->q[i], leak);
	d->nr_queues = 0;
	d->big_bytes = 0;
	d->big_in_flight = 0;
	d->big_idle = 0;
	if (keep_journal)
		blk_journal_close(&d->journal);
	else
		blk_journal_remove(&d->journal);
	if (was_connected)
		dlog(d, "disconnected%s",
		     keep_journal ? " (rings left to a successor)" : "");
}

/* The frontend's nodes of queue q: its own directory with several. */
static void queue_dir(struct blk_dev *d, unsigned q, char *buf, size_t len)
{
	if (d->nr_queues == 1)
		snprintf(buf, len, "%s", d->fe_path);
	else
		snprintf(buf, len, "%s/queue-%u", d->fe_path, q);
}

static int connect_queue(struct blk_dev *d, struct blk_queue *q,
			 unsigned order)
{
	char dir[200];
	unsigned long v;
	unsigned keep;

	queue_dir(d, q->index, dir, sizeof(dir));
	q->nr_ring_pages = 1u << order;
	for (unsigned i = 0; i < q->nr_ring_pages; i++) {
		char node[24];

		if (order == 0)
			snprintf(node, sizeof(node), "ring-ref");
		else
			snprintf(node, sizeof(node), "ring-ref%u", i);
		if (read_uint(d, dir, node, &v) || v > UINT32_MAX) {
			dlog(d, "frontend has no usable %s/%s", dir, node);
			return -1;
		}
		q->ring_refs[i] = (uint32_t)v;
	}
	if (read_uint(d, dir, "event-channel", &v) || v > UINT32_MAX) {
		dlog(d, "frontend has no usable %s/event-channel", dir);
		return -1;
	}
	q->remote_port = (unsigned)v;
	q->ring_size = blkif_ring_size(d->abi, q->nr_ring_pages);
	q->sring = xengnttab_map_domain_grant_refs(d->host->gnttab,
						   q->nr_ring_pages,
						   d->fe_domid, q->ring_refs,
						   PROT_READ | PROT_WRITE);
	if (!q->sring) {
		dlog(d, "cannot map the %u ring page(s) of %s: %s",
		     q->nr_ring_pages, dir, strerror(errno));
		return -1;
	}
	q->nr_slots = q->ring_size < SLOTS_PER_QUEUE_MAX ? q->ring_size
							 : SLOTS_PER_QUEUE_MAX;
	q->slots = calloc(q->nr_slots, sizeof(*q->slots));
	if (!q->slots)
		return -1;
	for (unsigned i = 0; i < q->nr_slots; i++) {
		q->slots[i].je = &q->slots[i].mem;
		if (posix_memalign(&q->slots[i].buf, BLKIF_PAGE_SIZE,
				   SLOT_BYTES))
			return -1;
	}
	keep = q->ring_size * PGRANTS_PER_ENTRY;
	if (keep > PGRANTS_PER_QUEUE_MAX)
		keep = PGRANTS_PER_QUEUE_MAX;
	if (d->persistent && blk_pgrants_init(&q->pgrants, keep))
		return -1;
	return 0;
}

static int bind_queue(struct blk_dev *d, struct blk_queue *q)
{
	xenevtchn_port_or_error_t lport =
		xenevtchn_bind_interdomain(d->host->evtchn, d->fe_domid,
					   q->remote_port);

	if (lport < 0) {
		dlog(d, "cannot bind event channel %u: %s", q->remote_port,
		     strerror(errno));
		return -1;
	}
	q->port = (evtchn_port_t)lport;
	return 0;
}

/* Does the journal a daemon before us left describe these rings? */
static bool journal_matches(const struct blk_dev *d)
{
	for (unsigned i = 0; i < d->nr_queues; i++) {
		const struct blk_jqueue *jq = &d->journal.head->q[i];
		const struct blk_queue *q = &d->q[i];

		if (jq->nr_ring_pages != q->nr_ring_pages ||
		    jq->remote_port != q->remote_port ||
		    memcmp(jq->ring_refs, q->ring_refs,
			   q->nr_ring_pages * sizeof(uint32_t)))
			return false;
	}
	return true;
}

/*
 * The journal for these rings: the one left behind when re-attaching
 * (then *found), or a fresh one. Without a journal directory, or if the
 * file cannot be made, the device is served without (logged): a restart
 * then cannot replay what was in flight.
 */
static void setup_journal(struct blk_dev *d, bool reattach, bool *found)
{
	char path[256];
	unsigned slots = d->q[0].nr_slots;

	*found = false;
	if (!d->host->journal_dir)
		return;
	if (blk_journal_path(path, sizeof(path), d->host->journal_dir,
			     d->fe_domid, d->devid)) {
		dlog(d, "journal path too long; no journal");
		return;
	}
	if (reattach) {
		if (blk_journal_open(&d->journal, path, d->fe_domid, d->devid,
				     d->abi, d->nr_queues, slots) == 0) {
			if (journal_matches(d)) {
				*found = true;
				return;
			}
			blk_journal_close(&d->journal);
			dlog(d, "the journal in %s is for other rings", path);
		} else {
			dlog(d, "no usable journal in %s (%s)", path,
			     strerror(errno));
		}
	}
	if (blk_journal_create(&d->journal, path, d->fe_domid, d->devid,
			       d->abi, d->nr_queues, slots)) {
		dlog(d, "cannot create the journal %s: %s; a restart will "
		     "not replay requests in flight", path, strerror(errno));
		return;
	}
	for (unsigned i = 0; i < d->nr_queues; i++) {
		struct blk_jqueue *jq = &d->journal.head->q[i];

		memcpy(jq->ring_refs, d->q[i].ring_refs,
		       sizeof(jq->ring_refs));
		jq->nr_ring_pages = d->q[i].nr_ring_pages;
		jq->remote_port = d->q[i].remote_port;
	}
}

static int connect_rings(struct blk_dev *d, bool reattach);
static void take(struct blk_queue *q, struct blk_slot *s, bool replay);
static void push_responses(struct blk_queue *q, RING_IDX old);
static void kick_all(struct blk_dev *d);

/*
 * Serves again what the daemon before us took and did not answer, in the
 * order it was taken: a barrier must come after what was before it.
 */
static void replay_queue(struct blk_queue *q)
{
	RING_IDX base = q->req_cons - q->ring_size;

	for (;;) {
		struct blk_slot *first = NULL;

		/* a barrier among them: the rest after it (serve_queue
		 * comes back here when it is done) */
		if (q->held)
			return;
		for (unsigned s = 0; s < q->nr_slots; s++) {
			struct blk_slot *c = &q->slots[s];

			if (c->busy || c->je->state != BLK_J_TAKEN)
				continue;
			if (!first ||
			    (RING_IDX)(c->je->ring_idx - base) <
			    (RING_IDX)(first->je->ring_idx - base))
				first = c;
		}
		if (!first) {
			q->replay_pending = false;
			return;
		}
		take(q, first, true);
	}
}

static int connect_rings(struct blk_dev *d, bool reattach)
{
	unsigned long nq = 1, order = 0, pers = 0;
	char *proto = read_node(d, d->fe_path, "protocol");
	char err[256];
	unsigned depth = 0, replay = 0;
	bool found;

	if (read_uint(d, d->fe_path, "multi-queue-num-queues", &nq) &&
	    errno != ENOENT)
		nq = 0;
	if (nq < 1 || nq > d->offer.max_queues) {
		dlog(d, "frontend asks for %lu queues (multi-queue-max-queues "
		     "is %u)", nq, d->offer.max_queues);
		free(proto);
		return -1;
	}
	if (read_uint(d, d->fe_path, "ring-page-order", &order) &&
	    errno != ENOENT)
		order = ~0ul;
	if (order > d->offer.max_ring_order) {
		dlog(d, "frontend asks for a ring-page-order of %lu "
		     "(max-ring-page-order is %u)", order,
		     d->offer.max_ring_order);
		free(proto);
		return -1;
	}
	if (blkif_abi_from_protocol(proto, &d->abi) ||
	    blkif_entry_size(d->abi) > BLK_JOURNAL_RAW_BYTES) {
		dlog(d, "unknown protocol \"%s\"", proto);
		free(proto);
		return -1;
	}
	free(proto);
	if (read_uint(d, d->fe_path, "feature-persistent", &pers))
		pers = 0;
	d->persistent = d->offer.persistent && pers == 1;
	d->nr_queues = (unsigned)nq;
	for (unsigned i = 0; i < d->nr_queues; i++) {
		/* all of them before any: a failure releases them all */
		d->q[i].d = d;
		d->q[i].index = i;
	}
	for (unsigned i = 0; i < d->nr_queues; i++) {
		if (connect_queue(d, &d->q[i], (unsigned)order))
			goto fail;
		depth += d->q[i].nr_slots;
	}
	if (blk_io_init(&d->io, depth, err, sizeof(err))) {
		dlog(d, "%s", err);
		goto fail;
	}
	d->io_ready = true;
	d->host->watch_fd(d->host->arg, d->io.eventfd, d, true);

	setup_journal(d, reattach, &found);
	for (unsigned i = 0; i < d->nr_queues; i++) {
		struct blk_queue *q = &d->q[i];
		struct sring_head *h = q->sring;

		if (d->journal.head) {
			q->jq = &d->journal.head->q[i];
			for (unsigned s = 0; s < q->nr_slots; s++)
				q->slots[s].je =
					blk_journal_entry(&d->journal, i, s);
		}
		if (found) {
			replay += blk_journal_recover(&d->journal, i,
						      &q->req_cons,
						      &q->rsp_prod_pvt);
		} else if (reattach) {
			/*
			 * No journal: responses went out in completion order,
			 * so which requests were answered cannot be told,
			 * unless none is outstanding. Guessing would lose
			 * some and answer others twice.
			 */
			RING_IDX rsp = __atomic_load_n(&h->rsp_prod,
						       __ATOMIC_RELAXED);

			if (__atomic_load_n(&h->req_prod, __ATOMIC_RELAXED) !=
			    rsp) {
				dlog(d, "queue %u has requests outstanding and "
				     "no journal says which were answered",
				     i);
				goto fail;
			}
			q->req_cons = q->rsp_prod_pvt = rsp;
		} else {
			q->req_cons = q->rsp_prod_pvt = 0;
		}
		if (q->jq) {
			blk_journal_set(&q->jq->req_cons, q->req_cons);
			blk_journal_set(&q->jq->rsp_prod, q->rsp_prod_pvt);
		}
		if (bind_queue(d, q))
			goto fail;
	}
	d->connected = true;
	dlog(d, "%s: %u queue(s) of %u ring page(s), %u slots each, event "
	     "channel %u, %s ABI, %s grants%s",
	     reattach ? "re-attached" : "connected", d->nr_queues,
	     d->q[0].nr_ring_pages, d->q[0].ring_size, d->q[0].remote_port,
	     blkif_abi_name(d->abi),
	     d->persistent ? "persistent" : "copied",
	     !reattach ? "" : found ? ", journal found"
				    : ", no journal (nothing was outstanding)");
	if (reattach) {
		for (unsigned i = 0; i < d->nr_queues; i++) {
			struct blk_queue *q = &d->q[i];
			struct sring_head *h = q->sring;

			/* answers written before the restart, maybe not
			 * yet published */
			push_responses(q, __atomic_load_n(&h->rsp_prod,
							  __ATOMIC_RELAXED));
			/* the old daemon may have died between publishing
			 * and notifying: one event too many is harmless */
			xenevtchn_notify(d->host->evtchn, q->port);
			d->st.notify_out++;
			q->replay_pending = true;
			replay_queue(q);
		}
		if (replay)
			dlog(d, "serving %u request(s) again that were in "
			     "flight at the restart", replay);
		if (d->io_ready && blk_io_submit(&d->io))
			d->needs_service = true;
	}
	return 0;
fail:
	disconnect(d, reattach);
	return -1;
}

/* What the daemon before us published for this device (re-attach). */
static void read_offer(struct blk_dev *d)
{
	unsigned long v;

	d->offer = d->host->offer;
	d->offer.flush_cache =
		!read_uint(d, d->be_path, "feature-flush-cache", &v) && v == 1;
	d->offer.persistent =
		!read_uint(d, d->be_path, "feature-persistent", &v) && v == 1;
	d->offer.max_queues =
		!read_uint(d, d->be_path, "multi-queue-max-queues", &v) &&
		v >= 1 && v <= BLK_MAX_QUEUES ? (unsigned)v : 1;
	d->offer.max_ring_order =
		!read_uint(d, d->be_path, "max-ring-page-order", &v) &&
		v <= BLK_MAX_RING_ORDER ? (unsigned)v : 0;
	d->offer.max_indirect_segments =
		!read_uint(d, d->be_path, "feature-max-indirect-segments", &v) &&
		v >= BLKIF_MAX_SEGMENTS_PER_REQUEST &&
		v <= BLKIF_REQ_MAX_SEGMENTS ? (unsigned)v : 0;
}

struct blk_dev *blk_dev_new(struct blk_host *host, unsigned fe_domid,
			    unsigned devid)
{
	struct blk_dev *d = calloc(1, sizeof(*d));
	unsigned long state;
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
	if (!read_uint(d, d->be_path, "state", &state) &&
	    state == XenbusStateConnected) {
		/* a daemon before us connected it: take its rings over, on
		 * the terms it offered and the frontend took */
		d->reattach = true;
		d->be_state = XenbusStateConnected;
		read_offer(d);
		dlog(d, "found connected; re-attaching; frontend %s",
		     d->fe_path);
		return d;
	}
	/* what this backend offers, before InitWait as blkif.h asks */
	d->offer = host->offer;
	write_node(d, "feature-flush-cache", "%d", d->offer.flush_cache);
	write_node(d, "feature-barrier", "1");
	write_node(d, "feature-persistent", "%d", d->offer.persistent);
	write_node(d, "multi-queue-max-queues", "%u", d->offer.max_queues);
	write_node(d, "max-ring-page-order", "%u", d->offer.max_ring_order);
	switch_state(d, XenbusStateInitWait);
	dlog(d, "new; frontend %s", d->fe_path);
	return d;
}

/* A disk resized while no daemon ran: say its size now. */
static void announce_size(struct blk_dev *d)
{
	unsigned long published;
	char sectors[32];

	if (!read_uint(d, d->be_path, "sectors", &published) &&
	    published == d->lim.sectors)
		return;
	snprintf(sectors, sizeof(sectors), "%llu",
		 (unsigned long long)d->lim.sectors);
	dlog(d, "the disk has %s sectors now; telling the frontend", sectors);
	write_state(d, XenbusStateConnected, true, sectors);
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
		disconnect(d, false);
		return false;
	}
	/* state 1 again: libxl removed the device and made a new one with
	 * the same path before we looked; start afresh */
	if (!read_uint(d, d->be_path, "state", &be_state) &&
	    be_state == XenbusStateInitialising && d->be_state != -1) {
		dlog(d, "re-created by the toolstack; starting again");
		disconnect(d, false);
		return false;
	}
	if (read_uint(d, d->be_path, "online", &online))
		online = 1;
	if (read_uint(d, d->fe_path, "state", &fe_state)) {
		/* a xenstore hiccup is not the frontend going away: the next
		 * watch event looks again */
		if (errno != ENOENT && errno != EINVAL)
			return !d->gone;
		fe_state = XenbusStateUnknown;
	}

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
		if (d->connected || !d->disk_open || !online)
			break;
		if (d->reattach && d->be_state == XenbusStateConnected) {
			d->reattach = false;
			if (connect_rings(d, true) == 0) {
				announce_size(d);
				kick_all(d);
			} else {
				fatal(d, "cannot re-attach to the frontend's "
				      "rings (see above)");
			}
			break;
		}
		if (d->be_state != XenbusStateInitWait)
			break;
		if (connect_rings(d, false) == 0) {
			publish_disk(d);
			switch_state(d, XenbusStateConnected);
			kick_all(d);
		} else {
			fatal(d, "cannot connect to the frontend's rings (see "
			      "above)");
		}
		break;
	case XenbusStateClosing:
		/* as Linux's blkback: serve on until the frontend is Closed
		 * (an older blkfront keeps sending I/O while Closing) */
		kick_all(d);
		switch_state(d, XenbusStateClosing);
		break;
	case XenbusStateClosed:
	case XenbusStateUnknown:
		disconnect(d, false);
		d->reattach = false;
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

/* Publishes the responses written since old, and notifies the frontend
 * if it asked to be told. */
static void push_responses(struct blk_queue *q, RING_IDX old)
{
	struct sring_head *h = q->sring;
	RING_IDX new = q->rsp_prod_pvt;

	if (new == old)
		return;
	/* the responses before their index; the index before the check */
	atomic_thread_fence(memory_order_release);
	__atomic_store_n(&h->rsp_prod, new, __ATOMIC_RELAXED);
	atomic_thread_fence(memory_order_seq_cst);
	if ((RING_IDX)(new - __atomic_load_n(&h->rsp_event, __ATOMIC_RELAXED))
	    < (RING_IDX)(new - old)) {
		xenevtchn_notify(q->d->host->evtchn, q->port);
		q->d->st.notify_out++;
	}
}

/*
 * Answers the request in slot s and frees the slot. The journal moves in
 * the order blk_journal.h explains, so a restart at any point neither
 * loses this answer nor gives it twice.
 */
static void respond(struct blk_queue *q, struct blk_slot *s, int16_t status)
{
	struct blk_dev *d = q->d;
	RING_IDX idx = q->rsp_prod_pvt;
	/* an indirect request is answered with its real operation, as
	 * Linux's blkback does and its blkfront expects */
	uint8_t op = s->req.operation == BLKIF_OP_INDIRECT ? s->req.indirect_op
							  : s->req.operation;

	blkif_put_response((char *)q->sring + BLKIF_SRING_HEADER_SIZE,
			   q->ring_size, idx, d->abi, s->req.id, op, status);
	s->je->rsp_idx = idx;
	blk_journal_set(&s->je->state, BLK_J_ANSWERED);
	q->rsp_prod_pvt = idx + 1;
	if (q->jq)
		blk_journal_set(&q->jq->rsp_prod, q->rsp_prod_pvt);
	blk_journal_set(&s->je->state, BLK_J_FREE);
	s->busy = false;
	push_responses(q, idx);
}

static void finish(struct blk_queue *q, struct blk_slot *s, int16_t status)
{
	struct blk_dev *d = q->d;

	note_latency(d, &s->started);
	if (s->bytes > SLOT_BYTES)
		d->big_in_flight -= s->bytes;
	if (s->big && s->data == s->big) {
		/* kept for the next large request, unless enough are */
		if (d->big_idle + s->big_bytes > BIG_BYTES_IDLE_MAX) {
			free(s->big);
			d->big_bytes -= s->big_bytes;
			s->big = NULL;
			s->big_bytes = 0;
		} else {
			d->big_idle += s->big_bytes;
		}
	}
	s->data = NULL;
	d->st.in_flight--;
	if (s->step) {
		s->step = STEP_NONE;
		q->held = false;	/* what waited behind it is taken next */
	}
	respond(q, s, status);
}

/*
 * The page behind a persistent grant, mapped on first use and kept for
 * the life of the ring. NULL when it cannot be kept (the frontend did not
 * negotiate persistent grants, the map is full, or the grant cannot be
 * mapped): the caller copies instead.
 */
static void *persistent_page(struct blk_queue *q, uint32_t gref)
{
	struct blk_dev *d = q->d;
	struct blk_host *h = d->host;
	void *page;

	if (!d->persistent)
		return NULL;
	page = blk_pgrants_find(&q->pgrants, gref);
	/* full here or daemon-wide, or a map failed before (a frontend
	 * handing out references it did not grant): copy */
	if (page || blk_pgrants_full(&q->pgrants) || q->map_failed ||
	    h->grants_kept >= h->max_grants_kept)
		return page;
	page = xengnttab_map_grant_ref(h->gnttab, d->fe_domid, gref,
				       PROT_READ | PROT_WRITE);
	if (!page) {
		d->st.grant_map_errors++;
		q->map_failed = true;
		return NULL;
	}
	d->st.grant_maps++;
	if (blk_pgrants_add(&q->pgrants, gref, page)) {
		xengnttab_unmap(h->gnttab, page, 1);
		d->st.grant_unmaps++;
		return NULL;
	}
	h->grants_kept++;
	return page;
}

/* Room for the grant copies of the largest request (single thread). */
static xengnttab_grant_copy_segment_t copy_seg[BLKIF_REQ_MAX_SEGMENTS];

static int grant_copy(struct blk_dev *d, unsigned n)
{
	if (!n)
		return 0;
	d->st.grant_copies += n;
	if (xengnttab_grant_copy(d->host->gnttab, n, copy_seg)) {
		d->st.grant_copy_errors++;
		return -1;
	}
	for (unsigned i = 0; i < n; i++)
		if (copy_seg[i].status != GNTST_okay) {
			d->st.grant_copy_errors++;
			return -1;
		}
	return 0;
}

static void add_copy(struct blk_dev *d, unsigned i, bool to_guest,
		     uint32_t gref, unsigned offset, void *local, unsigned len)
{
	xengnttab_grant_copy_segment_t *c = &copy_seg[i];

	memset(c, 0, sizeof(*c));
	if (to_guest) {
		c->source.virt = local;
		c->dest.foreign.ref = gref;
		c->dest.foreign.offset = (uint16_t)offset;
		c->dest.foreign.domid = (uint16_t)d->fe_domid;
		c->flags = GNTCOPY_dest_gref;
	} else {
		c->source.foreign.ref = gref;
		c->source.foreign.offset = (uint16_t)offset;
		c->source.foreign.domid = (uint16_t)d->fe_domid;
		c->dest.virt = local;
		c->flags = GNTCOPY_source_gref;
	}
	c->len = (uint16_t)len;
}

/* Moves the request's data between its buffer and the guest's pages. */
static int move_data(struct blk_queue *q, struct blk_slot *s, bool to_guest)
{
	struct blk_dev *d = q->d;
	const struct blkif_req *r = &s->req;
	char *buf = s->data;
	size_t off = 0;
	unsigned n = 0;

	for (unsigned i = 0; i < r->nr_segments; i++) {
		unsigned first = r->seg[i].first_sect * 512u;
		unsigned len = (r->seg[i].last_sect - r->seg[i].first_sect +
				1u) * 512u;
		char *page = persistent_page(q, r->seg[i].gref);

		if (page) {
			if (to_guest)
				memcpy(page + first, buf + off, len);
			else
				memcpy(buf + off, page + first, len);
			d->st.persistent_hits++;
		} else {
			add_copy(d, n++, to_guest, r->seg[i].gref, first,
				 buf + off, len);
		}
		off += len;
	}
	return grant_copy(d, n);
}

/*
 * The segments of an indirect request: each indirect page is read once
 * into private memory (a kept map or a grant copy), then parsed there.
 */
static int load_indirect(struct blk_queue *q, struct blk_slot *s,
			 struct blkif_problem *why)
{
	static uint8_t page[BLKIF_PAGE_SIZE];
	struct blk_dev *d = q->d;
	struct blkif_req *r = &s->req;

	for (unsigned p = 0; p < r->nr_indirect_pages; p++) {
		const void *mapped = persistent_page(q, r->indirect_grefs[p]);

		if (mapped) {
			memcpy(page, mapped, sizeof(page));
			d->st.persistent_hits++;
		} else {
			add_copy(d, 0, false, r->indirect_grefs[p], 0, page,
				 sizeof(page));
			if (grant_copy(d, 1)) {
				*why = (struct blkif_problem){
					.kind = BLKIF_BAD_INDIRECT,
					.reason = "indirect page cannot be "
						  "read (grant)",
					.seg = -1,
					.value = r->indirect_grefs[p],
					.status = BLKIF_RSP_ERROR,
				};
				return -1;
			}
		}
		if (blkif_parse_indirect(r, p, page, sizeof(page),
					 d->lim.max_indirect_segments, why))
			return -1;
	}
	return 0;
}

/*
 * A barrier or a flush with data: the queue is held (nothing more is
 * taken from it) and the steps run one after the other, each queued
 * behind everything before it (a flush is queued with IOSQE_IO_DRAIN).
 * The data is taken from the guest before the first step. Returns 0 or
 * what queueing the step returned; -EIO if the data cannot be read.
 */
static int queue_step(struct blk_queue *q, struct blk_slot *s, uint64_t tag,
		      uint64_t off)
{
	struct blk_dev *d = q->d;

	if (s->step == STEP_WRITE)
		return blk_io_writev(&d->io, d->disk.fd, &s->iov, 1, off, tag);
	return blk_io_flush(&d->io, d->disk.fd, tag);
}

static int start_steps(struct blk_queue *q, struct blk_slot *s,
		       uint8_t first, uint64_t tag, uint64_t off)
{
	q->held = true;
	s->step = first;
	if (s->bytes && move_data(q, s, false))
		return -EIO;
	return queue_step(q, s, tag, off);
}

/* Frees idle slots' large buffers until need more bytes fit the budget. */
static void drop_idle_buffers(struct blk_dev *d, size_t need)
{
	for (unsigned qi = 0; qi < d->nr_queues; qi++) {
		struct blk_queue *q = &d->q[qi];

		for (unsigned i = 0; i < q->nr_slots; i++) {
			struct blk_slot *o = &q->slots[i];

			if (d->big_bytes + need <= BIG_BYTES_BUDGET)
				return;
			if (o->busy || !o->big)
				continue;
			free(o->big);
			d->big_bytes -= o->big_bytes;
			d->big_idle -= o->big_bytes;
			o->big = NULL;
			o->big_bytes = 0;
		}
	}
}

/* The buffer for s->bytes: the slot's own, or its larger one (kept from
 * before, or made now: a power of two, so that it serves again). */
static void *request_buffer(struct blk_dev *d, struct blk_slot *s)
{
	size_t align = d->disk.direct_align > BLKIF_PAGE_SIZE
		       ? d->disk.direct_align : BLKIF_PAGE_SIZE;
	size_t size = BIG_BYTES_MIN;

	if (s->bytes <= SLOT_BYTES)
		return s->buf;	/* a large one the slot keeps stays idle */
	if (s->big)
		d->big_idle -= s->big_bytes;	/* in use, or going */
	if (s->big && s->big_bytes >= s->bytes)
		return s->big;
	if (s->big) {
		free(s->big);
		d->big_bytes -= s->big_bytes;
		s->big = NULL;
		s->big_bytes = 0;
	}
	while (size < s->bytes)
		size <<= 1;
	drop_idle_buffers(d, size);
	if (posix_memalign(&s->big, align, size)) {
		s->big = NULL;
		return NULL;
	}
	s->big_bytes = size;
	d->big_bytes += size;
	return s->big;
}

/* Starts one validated request; answers it at once if it fails here. */
static void start(struct blk_queue *q, struct blk_slot *s)
{
	struct blk_dev *d = q->d;
	const struct blkif_req *r = &s->req;
	uint64_t tag = TAG(q->index, s - q->slots);
	uint64_t off = r->sector_number * 512u;
	int rc = 0;

	/* the data it carries (a discard carries none, whatever its size) */
	s->bytes = r->nr_segments && s->op != BLKIF_OP_DISCARD
		   ? blkif_req_sectors(r) * 512u : 0;
	if (s->bytes > SLOT_BYTES)
		d->big_in_flight += s->bytes;	/* finish() takes it off */
	s->data = request_buffer(d, s);
	if (!s->data) {
		d->st.io_errors++;
		finish(q, s, BLKIF_RSP_ERROR);
		return;
	}
	s->iov.iov_base = s->data;
	s->iov.iov_len = s->bytes;
	switch (s->op) {
	case BLKIF_OP_READ:
		d->st.reads++;
		rc = blk_io_readv(&d->io, d->disk.fd, &s->iov, 1, off, tag);
		break;
	case BLKIF_OP_WRITE:
		d->st.writes++;
		if (move_data(q, s, false)) {
			finish(q, s, BLKIF_RSP_ERROR);
			return;
		}
		rc = blk_io_writev(&d->io, d->disk.fd, &s->iov, 1, off, tag);
		break;
	case BLKIF_OP_FLUSH_DISKCACHE:
		d->st.flushes++;
		if (!r->nr_segments) {
			rc = blk_io_flush(&d->io, d->disk.fd, tag);
			break;
		}
		/* Linux's blkfront sends none: its data, then a flush */
		d->st.flushes_with_data++;
		rc = start_steps(q, s, STEP_WRITE, tag, off);
		break;
	case BLKIF_OP_WRITE_BARRIER:
		/* what was answered before is durable before it, and it is
		 * durable before anything after it is taken */
		d->st.barriers++;
		rc = start_steps(q, s, STEP_FLUSH_BEFORE, tag, off);
		break;
	case BLKIF_OP_DISCARD:
		d->st.discards++;
		s->bytes = 0;
		/* a hole in a file, write-zeroes or BLKDISCARD on a device,
		 * never blocking the daemon: a whole-disk discard from mkfs
		 * must not stall the other guests */
		rc = blk_io_discard(&d->io, &d->disk, off,
				    r->nr_sectors * 512u, tag);
		if (rc == -EOPNOTSUPP) {
			finish(q, s, BLKIF_RSP_EOPNOTSUPP);
			return;
		}
		break;
	default:
		finish(q, s, BLKIF_RSP_EOPNOTSUPP);
		return;
	}
	if (rc) {
		d->st.io_errors++;
		finish(q, s, BLKIF_RSP_ERROR);
	}
}

static void io_result(void *arg, uint64_t tag, int res)
{
	struct blk_dev *d = arg;
	unsigned qi = (unsigned)(tag >> 16), si = (unsigned)(tag & 0xffff);
	struct blk_queue *q;
	struct blk_slot *s;
	int16_t status = BLKIF_RSP_OKAY;

	if (qi >= d->nr_queues || si >= d->q[qi].nr_slots)
		return;
	q = &d->q[qi];
	s = &q->slots[si];
	if (!s->busy)
		return;
	if (s->step) {
		if (res < 0 || (s->step == STEP_WRITE &&
				(uint64_t)res != s->bytes)) {
			status = res == -EOPNOTSUPP ? BLKIF_RSP_EOPNOTSUPP
						    : BLKIF_RSP_ERROR;
		} else if (s->step == STEP_FLUSH_BEFORE && !s->bytes) {
			/* a barrier without data is this one flush */
		} else if (s->step != STEP_FLUSH_AFTER) {
			if (s->step == STEP_WRITE)
				d->st.bytes_written += s->bytes;
			/* before: then the data; the data: then a flush */
			s->step = s->step == STEP_FLUSH_BEFORE
				  ? STEP_WRITE : STEP_FLUSH_AFTER;
			if (queue_step(q, s, tag, s->req.sector_number * 512u)
			    == 0)
				return;	/* submitted by the caller's kick */
			status = BLKIF_RSP_ERROR;
		}
		if (status != BLKIF_RSP_OKAY)
			d->st.io_errors++;
		finish(q, s, status);
		return;
	}
	if (s->op == BLKIF_OP_FLUSH_DISKCACHE || s->op == BLKIF_OP_DISCARD) {
		if (res == -EOPNOTSUPP)
			status = BLKIF_RSP_EOPNOTSUPP;	/* blkfront stops asking */
		else if (res < 0)
			status = BLKIF_RSP_ERROR;
	} else if (res < 0 || (uint64_t)res != s->bytes) {
		status = BLKIF_RSP_ERROR;
	} else if (s->op == BLKIF_OP_READ) {
		d->st.bytes_read += s->bytes;
		if (move_data(q, s, true))
			status = BLKIF_RSP_ERROR;
	} else {
		d->st.bytes_written += s->bytes;
	}
	if (status != BLKIF_RSP_OKAY)
		d->st.io_errors++;
	finish(q, s, status);
}

/*
 * Serves the request whose private copy is in s's journal entry: decode,
 * validate (reading indirect pages once), start. A refusal is answered at
 * once. replay: taken before a restart, served again now.
 */
static void take(struct blk_queue *q, struct blk_slot *s, bool replay)
{
	struct blk_dev *d = q->d;
	struct blkif_req *r = &s->req;
	struct blkif_problem why;

	blkif_fetch(s->je->raw, 1, 0, d->abi, r);
	s->op = r->operation == BLKIF_OP_INDIRECT ? r->indirect_op
						  : r->operation;
	s->busy = true;
	/* until start() knows them (finish() reads them) */
	s->bytes = 0;
	s->data = NULL;
	d->st.in_flight++;
	if (replay)
		d->st.replayed++;
	clock_gettime(CLOCK_MONOTONIC, &s->started);
	if (blkif_validate_header(r, &d->lim, &why))
		goto refuse;
	if (r->operation == BLKIF_OP_INDIRECT) {
		d->st.indirect++;
		if (load_indirect(q, s, &why))
			goto refuse;
	}
	if (blkif_validate(r, &d->lim, &why))
		goto refuse;
	start(q, s);
	return;
refuse:
	if (d->st.refused < 10) {
		char msg[160];

		blkif_problem_format(&why, msg, sizeof(msg));
		dlog(d, "queue %u: refused request %llu: %s", q->index,
		     (unsigned long long)r->id, msg);
	}
	d->st.refused++;
	d->st.refusals[why.kind]++;
	finish(q, s, why.status);
}

static struct blk_slot *free_slot(struct blk_queue *q)
{
	for (unsigned i = 0; i < q->nr_slots; i++)
		if (!q->slots[i].busy)
			return &q->slots[i];
	return NULL;
}

/*
 * Takes what the frontend queued, as far as slots allow, and at most one
 * ring's worth per call: a frontend that keeps queueing (refused requests
 * are answered at once) must not keep the daemon's one thread from the
 * other queues and devices. needs_service then asks for another turn.
 */
static void serve_queue(struct blk_queue *q)
{
	struct blk_dev *d = q->d;
	struct sring_head *h = q->sring;
	const char *entries = (const char *)q->sring + BLKIF_SRING_HEADER_SIZE;
	size_t esize = blkif_entry_size(d->abi);
	unsigned budget = q->ring_size;

	q->needs_service = false;
	if (q->replay_pending)
		replay_queue(q);	/* before anything newer */
	if (q->held || q->replay_pending)
		return;		/* the barrier's completion kicks it again */
	for (;;) {
		RING_IDX rp = __atomic_load_n(&h->req_prod, __ATOMIC_RELAXED);

		atomic_thread_fence(memory_order_acquire);
		if (!blkif_ring_req_prod_sane(rp, q->req_cons, q->rsp_prod_pvt,
					      q->ring_size)) {
			dlog(d, "queue %u: frontend wrote an impossible "
			     "req_prod %u (consumed %u, answered %u): ring no "
			     "longer served", q->index, rp, q->req_cons,
			     q->rsp_prod_pvt);
			q->broken = true;
			return;
		}
		while (q->req_cons != rp) {
			struct blk_slot *s;

			if (budget-- == 0) {
				q->needs_service = true;
				return;
			}
			if (q->held)
				return;	/* a barrier was just taken */
			s = d->big_in_flight < BIG_BYTES_BUDGET ? free_slot(q)
							    : NULL;
			if (!s || !blk_io_has_room(&d->io)) {
				/* completions kick the ring again */
				d->st.ring_full++;
				return;
			}
			/* the one read of the shared slot: into the journal
			 * entry, private to dom0, before anything else */
			memcpy(s->je->raw, entries +
			       (size_t)(q->req_cons & (q->ring_size - 1)) *
			       esize, esize);
			/* and the compiler may not read the ring again for
			 * what it copied (as blkif_proto's copy_slot_once) */
			__asm__ __volatile__("" ::: "memory");
			s->je->ring_idx = q->req_cons;
			blk_journal_set(&s->je->state, BLK_J_TAKEN);
			q->req_cons++;
			if (q->jq)
				blk_journal_set(&q->jq->req_cons, q->req_cons);
			take(q, s, false);
		}
		/* ask for an event on the next request, then look again */
		__atomic_store_n(&h->req_event, q->req_cons + 1,
				 __ATOMIC_RELAXED);
		atomic_thread_fence(memory_order_seq_cst);
		if (__atomic_load_n(&h->req_prod, __ATOMIC_RELAXED) ==
		    q->req_cons)
			return;
	}
}

static void submit(struct blk_dev *d)
{
	if (d->io_ready && blk_io_submit(&d->io)) {
		/* nothing else may come to retry it: ask for a turn */
		dlog(d, "io_uring submit failed; trying again");
		d->needs_service = true;
	}
}

static void serve(struct blk_queue *q)
{
	/* a broken ring takes nothing more; what is queued still goes in */
	if (!q->broken)
		serve_queue(q);
}

static void kick_all(struct blk_dev *d)
{
	if (!d->connected)
		return;
	d->needs_service = false;
	for (unsigned i = 0; i < d->nr_queues; i++) {
		serve(&d->q[i]);
		d->needs_service |= d->q[i].needs_service;
	}
	submit(d);
}

bool blk_dev_port_event(struct blk_dev *d, evtchn_port_t port)
{
	for (unsigned i = 0; d->connected && i < d->nr_queues; i++) {
		if (d->q[i].port != port)
			continue;
		d->st.notify_in++;
		serve(&d->q[i]);
		d->needs_service |= d->q[i].needs_service;
		submit(d);
		return true;
	}
	return false;
}

void blk_dev_kick(struct blk_dev *d)
{
	bool again = false;

	if (!d->connected)
		return;
	for (unsigned i = 0; i < d->nr_queues; i++) {
		if (d->q[i].needs_service)
			serve(&d->q[i]);
		again |= d->q[i].needs_service;
	}
	d->needs_service = again;
	submit(d);
}

void blk_dev_io_done(struct blk_dev *d)
{
	if (!d->io_ready)
		return;
	blk_io_reap(&d->io, io_result, d);
	/* slots came free: requests may be waiting on the rings */
	kick_all(d);
}

void blk_dev_tick(struct blk_dev *d)
{
	uint64_t before = d->disk.size_bytes;
	char err[256], sectors[32];

	if (!d->connected || !d->disk_open ||
	    d->be_state != XenbusStateConnected)
		return;
	/* a disk that went away fails its I/O, which says so */
	if (blk_disk_refresh_size(&d->disk, err, sizeof(err)))
		return;
	if (d->disk.size_bytes == before)
		return;
	d->lim.sectors = d->disk.size_bytes / 512;
	d->st.resizes++;
	dlog(d, "disk resized: %llu -> %llu sectors; telling the frontend",
	     (unsigned long long)(before / 512),
	     (unsigned long long)d->lim.sectors);
	snprintf(sectors, sizeof(sectors), "%llu",
		 (unsigned long long)d->lim.sectors);
	/* Connected written again makes blkfront read sectors anew */
	write_state(d, XenbusStateConnected, true, sectors);
}

void blk_dev_detach(struct blk_dev *d)
{
	if (d->released)
		return;
	disconnect(d, true);
	d->gone = true;
	d->released = true;
	if (d->disk_open)
		blk_disk_close(&d->disk);
	d->disk_open = false;
}

void blk_dev_free_later(struct blk_dev *d)
{
	if (d->released)
		return;
	disconnect(d, false);
	d->gone = true;
	d->released = true;
	dlog(d, "done: reads=%llu writes=%llu flushes=%llu barriers=%llu "
	     "discards=%llu "
	     "refused=%llu io_errors=%llu bytes_read=%llu bytes_written=%llu "
	     "indirect=%llu grant_maps=%llu grant_copies=%llu "
	     "persistent_hits=%llu replayed=%llu",
	     (unsigned long long)d->st.reads, (unsigned long long)d->st.writes,
	     (unsigned long long)d->st.flushes,
	     (unsigned long long)d->st.barriers,
	     (unsigned long long)d->st.discards,
	     (unsigned long long)d->st.refused,
	     (unsigned long long)d->st.io_errors,
	     (unsigned long long)d->st.bytes_read,
	     (unsigned long long)d->st.bytes_written,
	     (unsigned long long)d->st.indirect,
	     (unsigned long long)d->st.grant_maps,
	     (unsigned long long)d->st.grant_copies,
	     (unsigned long long)d->st.persistent_hits,
	     (unsigned long long)d->st.replayed);
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
	unsigned pgrants = 0;
	char *text;

	for (unsigned i = 0; i < d->nr_queues; i++)
		pgrants += d->q[i].pgrants.count;
#define ADD(name, v) json_object_object_add(o, name, \
					    json_object_new_int64((int64_t)(v)))
	ADD("frontend_domid", d->fe_domid);
	ADD("devid", d->devid);
	json_object_object_add(o, "path", json_object_new_string(
		d->disk_open ? d->disk.path : ""));
	json_object_object_add(o, "connected",
			       json_object_new_boolean(d->connected));
	ADD("queues", d->nr_queues);
	ADD("ring_pages", d->nr_queues ? d->q[0].nr_ring_pages : 0);
	json_object_object_add(o, "persistent_grants",
			       json_object_new_boolean(d->persistent));
	ADD("max_indirect_segments", d->lim.max_indirect_segments);
	json_object_object_add(o, "direct_io",
			       json_object_new_boolean(d->disk_open &&
						       d->disk.direct));
	ADD("requests", d->st.reads + d->st.writes + d->st.flushes +
	    d->st.barriers + d->st.discards + d->st.refused);
	ADD("reads", d->st.reads);
	ADD("writes", d->st.writes);
	ADD("flushes", d->st.flushes);
	ADD("barriers", d->st.barriers);
	ADD("discards", d->st.discards);
	ADD("indirect", d->st.indirect);
	ADD("bytes_read", d->st.bytes_read);
	ADD("bytes_written", d->st.bytes_written);
	ADD("in_flight", d->st.in_flight);
	ADD("refused", d->st.refused);
	ADD("io_errors", d->st.io_errors);
	ADD("replayed", d->st.replayed);
	ADD("resizes", d->st.resizes);
	ADD("grant_maps", d->st.grant_maps);
	ADD("grant_unmaps", d->st.grant_unmaps);
	ADD("grant_map_errors", d->st.grant_map_errors);
	ADD("grants_kept", pgrants);
	ADD("persistent_hits", d->st.persistent_hits);
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
