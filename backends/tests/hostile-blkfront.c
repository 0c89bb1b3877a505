/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hostile-blkfront: a malicious blkif frontend, for the lab scenario
 * blkback-hostile. It runs in a guest whose vbd no xen-blkfront has taken,
 * and plays the frontend's part of the xenbus handshake with the real
 * guest interfaces: grants through libxengnttab's sharing API
 * (/dev/xen/gntalloc), an event channel through libxenevtchn
 * (/dev/xen/evtchn), xenstore through libxenstore (/dev/xen/xenbus). Then
 * it does what an honest blkfront never does: bad handshake values,
 * unknown operations, bad segment counts and sector ranges, grants that
 * are not granted or not to the backend, garbage slots, a slot rewritten
 * while the backend reads it, an event storm, responses never consumed,
 * req_prod overruns, a close with I/O in flight, a grant ended under
 * reads, garbage and flapping xenbus states, and a clean close at the end.
 *
 * Every case prints one line
 *	LAB-HOSTILE case=NAME status=N expect=WHAT verdict=ok|BAD [...]
 * and the run ends with a summary line and "LAB-HOSTILE done rc=N". The
 * only data it legitimately writes is one 4 KiB page at --legit-sector,
 * so that the scenario can check that nothing else on the disk changed.
 * Everything waits with a timeout, and alarm() ends the program if the
 * whole run overruns: a backend that misbehaves must not hang the guest.
 */
#define _GNU_SOURCE
/*
 * Xen's public headers give a program that says nothing the legacy
 * interface, whose ring.h wants mb()/rmb()/wmb() from the kernel. Built
 * against libxen*, this is a tools program: the latest interface, where
 * ring.h takes xen_mb() and friends from its user (below).
 */
#define __XEN_TOOLS__
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

/*
 * xen/io/ring.h leaves the memory barriers to its user (xenctrl.h would
 * define them, but nothing else of libxenctrl is needed here). The ring
 * macros place them between plain accesses to the shared page; on x86
 * these fences are what the macros need (ordering and a compiler
 * barrier).
 */
#define xen_mb() atomic_thread_fence(memory_order_seq_cst)
#define xen_rmb() atomic_thread_fence(memory_order_acquire)
#define xen_wmb() atomic_thread_fence(memory_order_release)
#include <xen/io/blkif.h>	/* needs <stdint.h> first */
#include <xen/io/protocols.h>
#include <xen/io/ring.h>
#include <xen/io/xenbus.h>

#define PAGE 4096u
/* A grant reference far past any guest's grant table. */
#define GREF_OUT_OF_TABLE 0x7ffffff0u
/* A domain that does not exist: a page granted to it is not the backend's. */
#define OTHER_DOMID 32000u

enum expect { EXP_OK, EXP_ERROR, EXP_ANY };

static const char *const expect_name[] = { "ok", "error", "any" };

struct opts {
	const char *devid;		/* NULL: the first vbd */
	uint64_t legit_sector;
	int timeout_ms;			/* per request and per state change */
	int storm_seconds;
	int race_seconds;
	int deadline_seconds;
	const char *ready_node;
	const char *go_node;
	int go_timeout;
	const char *pattern_file;
};

/* The frontend: handles, paths, one connection's ring, and our pages. */
struct fe {
	struct opts o;
	struct xs_handle *xs;
	xenevtchn_handle *xce;
	xengntshr_handle *xgs;
	unsigned be_domid;
	char fe_path[96];
	char be_path[128];

	/* the current connection */
	bool connected;
	bool dirty;		/* a request was not answered: reconnect */
	void *ring_page;
	uint32_t ring_gref;
	blkif_front_ring_t ring;
	evtchn_port_t port;	/* local, 0 = none */

	/* what the backend published */
	uint64_t sectors;
	unsigned max_indirect;
	bool discard, discard_secure, flush, barrier, read_only;

	/* data pages */
	uint8_t *data;		/* the legit pattern, writable grant */
	uint32_t data_gref;
	uint8_t *rd;		/* read target, writable grant */
	uint32_t rd_gref;
	uint8_t *ro;		/* granted read-only: a read must not land */
	uint32_t ro_gref;
	uint8_t *other;		/* granted to another domain */
	uint32_t other_gref;
	uint8_t *ind;		/* two indirect pages, writable grants */
	uint32_t ind_gref[2];

	/* results */
	unsigned cases, ok, bad;
	uint64_t next_id;
	struct timespec t0;
	bool out_of_time;
};

/* ---- small helpers ---- */

static double elapsed(const struct fe *f)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - f->t0.tv_sec) +
	       (double)(now.tv_nsec - f->t0.tv_nsec) / 1e9;
}

static int64_t now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* A fixed-seed generator: the garbage is the same on every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static void say(const struct fe *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(const struct fe *f, const char *fmt, ...)
{
	va_list ap;

	printf("LAB-HOSTILE [%.1f] ", elapsed(f));
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* One result line; counts it. */
static void result(struct fe *f, const char *name, const char *status,
		   enum expect exp, bool good, const char *extra)
{
	f->cases++;
	if (good)
		f->ok++;
	else
		f->bad++;
	printf("LAB-HOSTILE case=%s status=%s expect=%s verdict=%s%s%s\n",
	       name, status, expect_name[exp], good ? "ok" : "BAD",
	       extra && *extra ? " " : "", extra ? extra : "");
}

static bool status_meets(int status, enum expect exp)
{
	switch (exp) {
	case EXP_OK:
		return status == BLKIF_RSP_OKAY;
	case EXP_ERROR:
		return status == BLKIF_RSP_ERROR ||
		       status == BLKIF_RSP_EOPNOTSUPP;
	case EXP_ANY:
		return true;
	}
	return false;
}

/* ---- xenstore ---- */

static char *xs_get(struct fe *f, const char *dir, const char *node)
{
	char path[256];
	unsigned len;

	snprintf(path, sizeof(path), "%s%s%s", dir, *dir ? "/" : "", node);
	return xs_read(f->xs, XBT_NULL, path, &len);
}

static bool xs_get_u64(struct fe *f, const char *dir, const char *node,
		       uint64_t *out)
{
	char *s = xs_get(f, dir, node), *end;
	bool ok = false;

	if (s) {
		errno = 0;
		*out = strtoull(s, &end, 10);
		ok = !errno && end != s && !*end;
		free(s);
	}
	return ok;
}

static bool xs_put(struct fe *f, const char *dir, const char *node,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static bool xs_put(struct fe *f, const char *dir, const char *node,
		   const char *fmt, ...)
{
	char path[256], val[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s%s%s", dir, *dir ? "/" : "", node);
	if (!xs_write(f->xs, XBT_NULL, path, val, strlen(val))) {
		say(f, "cannot write %s = %s: %s", path, val, strerror(errno));
		return false;
	}
	return true;
}

static int be_state(struct fe *f)
{
	uint64_t v;

	return xs_get_u64(f, f->be_path, "state", &v) ? (int)v : -1;
}

static void set_fe_state(struct fe *f, int state)
{
	xs_put(f, f->fe_path, "state", "%d", state);
}

/*
 * Polls the backend's state until it is one of `want` (a bit mask of
 * 1 << XenbusState*), for at most ms. Returns the state, or -1.
 * Polling, not a watch: simple, and nothing here is time-critical.
 */
static int wait_be_state(struct fe *f, unsigned want, int ms)
{
	int64_t end = now_ms() + ms;

	for (;;) {
		int s = be_state(f);

		if (s >= 0 && s < 32 && (want & (1u << s)))
			return s;
		if (now_ms() >= end)
			return -1;
		msleep(50);
	}
}

#define BIT(s) (1u << (s))

/* ---- pages and the ring ---- */

static void *share(struct fe *f, unsigned domid, uint32_t *gref,
		   bool writable, const char *what)
{
	void *p = xengntshr_share_pages(f->xgs, domid, 1, gref, writable);

	if (!p) {
		say(f, "cannot share a page (%s): %s", what, strerror(errno));
		exit(2);
	}
	return p;
}

static int alloc_pages(struct fe *f)
{
	f->data = share(f, f->be_domid, &f->data_gref, true, "data");
	for (unsigned i = 0; i < PAGE; i++)
		f->data[i] = (uint8_t)("LAB-HOSTILE legit write. "[i % 25] ^
					(i / 25));
	f->rd = share(f, f->be_domid, &f->rd_gref, true, "read target");
	f->ro = share(f, f->be_domid, &f->ro_gref, false, "read-only");
	memset(f->ro, 0xaa, PAGE);
	f->other = share(f, OTHER_DOMID, &f->other_gref, true, "other domain");
	memset(f->other, 0xbb, PAGE);
	f->ind = xengntshr_share_pages(f->xgs, f->be_domid, 2, f->ind_gref, 1);
	if (!f->ind) {
		say(f, "cannot share the indirect pages: %s", strerror(errno));
		return -1;
	}
	if (f->o.pattern_file) {
		FILE *p = fopen(f->o.pattern_file, "w");

		if (!p || fwrite(f->data, PAGE, 1, p) != 1 || fclose(p)) {
			say(f, "cannot write %s", f->o.pattern_file);
			return -1;
		}
	}
	say(f, "pages: data gref %u, read %u, read-only %u, other-domain %u, "
	    "indirect %u %u", f->data_gref, f->rd_gref, f->ro_gref,
	    f->other_gref, f->ind_gref[0], f->ind_gref[1]);
	return 0;
}

/* Drops the ring and the event channel of the last connection. */
static void drop_ring(struct fe *f)
{
	if (f->port) {
		xenevtchn_unbind(f->xce, f->port);
		f->port = 0;
	}
	if (f->ring_page) {
		/* gntalloc keeps the page until the backend unmaps it */
		xengntshr_unshare(f->xgs, f->ring_page, 1);
		f->ring_page = NULL;
	}
	f->connected = false;
	f->dirty = false;
}

/* A fresh ring page and event channel, as blkfront makes for each
 * connection (the backend starts counting from 0 again). */
static int new_ring(struct fe *f)
{
	xenevtchn_port_or_error_t p;

	drop_ring(f);
	f->ring_page = share(f, f->be_domid, &f->ring_gref, true, "ring");
	memset(f->ring_page, 0, PAGE);
	SHARED_RING_INIT((blkif_sring_t *)f->ring_page);
	FRONT_RING_INIT(&f->ring, (blkif_sring_t *)f->ring_page, PAGE);
	p = xenevtchn_bind_unbound_port(f->xce, f->be_domid);
	if (p < 0) {
		say(f, "cannot allocate an event channel: %s", strerror(errno));
		return -1;
	}
	f->port = (evtchn_port_t)p;
	return 0;
}

/*
 * Brings the backend back to InitWait with our state Initialising, from
 * wherever the last case left it: Closed first (and wait for the backend
 * to follow, else it would not see the restart), then Initialising. The
 * ring and event channel go, unless keep_ring (a frontend that offers the
 * same ring again).
 */
static int reset_handshake(struct fe *f, bool keep_ring)
{
	int s = be_state(f);

	if (s == XenbusStateInitWait) {
		uint64_t fs;

		if (xs_get_u64(f, f->fe_path, "state", &fs) &&
		    fs == XenbusStateInitialising)
			return 0;
	}
	set_fe_state(f, XenbusStateClosed);
	/* InitWait may be a state the backend is about to leave (it is
	 * behind on our writes): it must hold for a moment */
	for (int tries = 0; tries < 10; tries++) {
		s = wait_be_state(f, BIT(XenbusStateClosed) |
				  BIT(XenbusStateInitWait), f->o.timeout_ms);
		if (s != XenbusStateInitWait)
			break;
		msleep(300);
		if (be_state(f) == XenbusStateInitWait)
			break;
	}
	if (!keep_ring)
		drop_ring(f);
	f->connected = false;
	if (s < 0) {
		say(f, "backend did not close (state %d)", be_state(f));
		return -1;
	}
	set_fe_state(f, XenbusStateInitialising);
	if (wait_be_state(f, BIT(XenbusStateInitWait), f->o.timeout_ms) < 0) {
		say(f, "backend did not come back to InitWait (state %d)",
		    be_state(f));
		return -1;
	}
	return 0;
}

static void read_backend(struct fe *f)
{
	uint64_t v;

	f->sectors = xs_get_u64(f, f->be_path, "sectors", &v) ? v : 0;
	f->max_indirect = xs_get_u64(f, f->be_path,
				     "feature-max-indirect-segments", &v)
			  ? (unsigned)v : 0;
	f->discard = xs_get_u64(f, f->be_path, "feature-discard", &v) && v;
	f->discard_secure = xs_get_u64(f, f->be_path, "discard-secure", &v) &&
			    v;
	f->flush = xs_get_u64(f, f->be_path, "feature-flush-cache", &v) && v;
	f->barrier = xs_get_u64(f, f->be_path, "feature-barrier", &v) && v;
	f->read_only = xs_get_u64(f, f->be_path, "info", &v) &&
		       (v & VDISK_READONLY);
}

/*
 * The handshake, with the given node values (NULL: the honest one).
 * Returns the backend state reached: Connected, or Closing/Closed when it
 * refused, or -1 when it did neither in time.
 */
static int handshake(struct fe *f, const char *ring_ref, const char *port,
		     const char *protocol)
{
	int s;

	if (reset_handshake(f, false) || new_ring(f))
		return -1;
	if (ring_ref)
		xs_put(f, f->fe_path, "ring-ref", "%s", ring_ref);
	else
		xs_put(f, f->fe_path, "ring-ref", "%u", f->ring_gref);
	if (port)
		xs_put(f, f->fe_path, "event-channel", "%s", port);
	else
		xs_put(f, f->fe_path, "event-channel", "%u", f->port);
	xs_put(f, f->fe_path, "protocol", "%s",
	       protocol ? protocol : XEN_IO_PROTO_ABI_NATIVE);
	set_fe_state(f, XenbusStateInitialised);
	s = wait_be_state(f, BIT(XenbusStateConnected) |
			  BIT(XenbusStateClosing) | BIT(XenbusStateClosed),
			  f->o.timeout_ms);
	if (s == XenbusStateConnected) {
		read_backend(f);
		set_fe_state(f, XenbusStateConnected);
		f->connected = true;
	}
	return s;
}

static int connect_honest(struct fe *f)
{
	int s = handshake(f, NULL, NULL, NULL);

	if (s != XenbusStateConnected) {
		say(f, "cannot connect: backend state %d", s);
		return -1;
	}
	return 0;
}

/* Frontend-initiated close, as blkfront on removal: Closing, Closed. */
static void close_clean(struct fe *f)
{
	set_fe_state(f, XenbusStateClosing);
	wait_be_state(f, BIT(XenbusStateClosing) | BIT(XenbusStateClosed),
		      f->o.timeout_ms);
	set_fe_state(f, XenbusStateClosed);
	wait_be_state(f, BIT(XenbusStateClosed), f->o.timeout_ms);
	drop_ring(f);
}

/* ---- requests ---- */

static void notify(struct fe *f)
{
	if (xenevtchn_notify(f->xce, f->port))
		say(f, "notify: %s", strerror(errno));
}

static RING_IDX rsp_prod(const struct fe *f)
{
	return __atomic_load_n(&f->ring.sring->rsp_prod, __ATOMIC_ACQUIRE);
}

/* Waits until the backend's rsp_prod reaches target; events are drained
 * but not trusted: rsp_prod is polled too. Returns 0, or -1 on timeout. */
static int wait_rsp(struct fe *f, RING_IDX target, int ms)
{
	int64_t end = now_ms() + ms;
	struct pollfd p = { .fd = xenevtchn_fd(f->xce), .events = POLLIN };

	for (;;) {
		if ((int32_t)(rsp_prod(f) - target) >= 0)
			return 0;
		if (now_ms() >= end)
			return -1;
		if (poll(&p, 1, 20) > 0 && (p.revents & POLLIN)) {
			xenevtchn_port_or_error_t port =
				xenevtchn_pending(f->xce);

			if (port >= 0)
				xenevtchn_unmask(f->xce, (evtchn_port_t)port);
		}
	}
}

/* Takes every response up to rsp_prod (at most a ring's worth) into out
 * (may be NULL); re-arms rsp_event. Returns how many. */
static unsigned take_responses(struct fe *f, blkif_response_t *out,
			       unsigned max)
{
	unsigned n = 0;
	int more;

	do {
		RING_IDX rp = rsp_prod(f);

		while (f->ring.rsp_cons != rp && n < RING_SIZE(&f->ring)) {
			blkif_response_t *r =
				RING_GET_RESPONSE(&f->ring, f->ring.rsp_cons);

			if (out && n < max)
				out[n] = *r;
			n++;
			f->ring.rsp_cons++;
		}
		if (f->ring.rsp_cons != rp)
			break;	/* a backend answering more than we asked */
		RING_FINAL_CHECK_FOR_RESPONSES(&f->ring, more);
	} while (more && n < RING_SIZE(&f->ring));
	return n;
}

/* Puts count raw slots on the ring and notifies as ring.h says. */
static void push_slots(struct fe *f, const void *slots, unsigned count)
{
	int do_notify;

	for (unsigned i = 0; i < count; i++) {
		memcpy(RING_GET_REQUEST(&f->ring, f->ring.req_prod_pvt),
		       (const char *)slots + i * sizeof(blkif_request_t),
		       sizeof(blkif_request_t));
		f->ring.req_prod_pvt++;
	}
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f->ring, do_notify);
	if (do_notify)
		notify(f);
}

static bool out_of_time(struct fe *f)
{
	if (!f->out_of_time && elapsed(f) > f->o.deadline_seconds) {
		say(f, "the run's deadline (%d s) has passed: remaining cases "
		    "are skipped", f->o.deadline_seconds);
		f->out_of_time = true;
	}
	return f->out_of_time;
}

/* A connected, clean ring for the next case, or false (case skipped). */
static bool ready(struct fe *f, const char *name)
{
	if (out_of_time(f)) {
		result(f, name, "skipped", EXP_ANY, false, "why=deadline");
		return false;
	}
	if (f->connected && !f->dirty)
		return true;
	if (connect_honest(f) == 0)
		return true;
	result(f, name, "skipped", EXP_ANY, false, "why=no-connection");
	return false;
}

/*
 * One request, answered or not within the timeout. Returns the status, or
 * INT16_MIN when unanswered (the ring is then dirty: the next case
 * reconnects).
 */
static int one_request(struct fe *f, blkif_request_t *req, uint64_t *rsp_id)
{
	blkif_response_t rsp;

	req->id = ++f->next_id;
	push_slots(f, req, 1);
	if (wait_rsp(f, f->ring.req_prod_pvt, f->o.timeout_ms)) {
		f->dirty = true;
		return INT16_MIN;
	}
	if (take_responses(f, &rsp, 1) != 1) {
		f->dirty = true;
		return INT16_MIN;
	}
	*rsp_id = rsp.id;
	return rsp.status;
}

/* Sends req as case name and judges the answer; check (may be NULL) adds
 * what must hold of our pages afterwards. */
static void req_case(struct fe *f, const char *name, blkif_request_t req,
		     enum expect exp,
		     bool (*check)(struct fe *f, char *note, size_t len))
{
	char st[16], note[128] = "";
	uint64_t id = 0;
	int status;
	bool good;

	if (!ready(f, name))
		return;
	status = one_request(f, &req, &id);
	if (status == INT16_MIN) {
		result(f, name, "none", exp, false, "why=no-response");
		return;
	}
	snprintf(st, sizeof(st), "%d", status);
	good = status_meets(status, exp);
	if (id != req.id) {
		snprintf(note, sizeof(note), "why=id-mismatch sent=%" PRIu64
			 " got=%" PRIu64, req.id, id);
		good = false;
	} else if (check && !check(f, note, sizeof(note))) {
		good = false;
	}
	result(f, name, st, exp, good, note);
}

/* A read or write of nseg segments, all of page gref, first..last. */
static blkif_request_t rw(uint8_t op, uint64_t sector, unsigned nseg,
			  uint32_t gref, uint8_t first, uint8_t last)
{
	blkif_request_t r;

	memset(&r, 0, sizeof(r));
	r.operation = op;
	r.nr_segments = (uint8_t)nseg;
	r.sector_number = sector;
	for (unsigned i = 0; i < nseg && i < BLKIF_MAX_SEGMENTS_PER_REQUEST;
	     i++) {
		r.seg[i].gref = gref;
		r.seg[i].first_sect = first;
		r.seg[i].last_sect = last;
	}
	return r;
}

static blkif_request_t discard(uint64_t sector, uint64_t count, uint8_t flag)
{
	blkif_request_t r;
	blkif_request_discard_t *d = (blkif_request_discard_t *)&r;

	memset(&r, 0, sizeof(r));
	d->operation = BLKIF_OP_DISCARD;
	d->flag = flag;
	d->sector_number = sector;
	d->nr_sectors = count;
	return r;
}

static blkif_request_t indirect(uint8_t op, uint16_t nseg, uint64_t sector,
				uint32_t gref0, uint32_t gref1)
{
	blkif_request_t r;
	blkif_request_indirect_t *in = (blkif_request_indirect_t *)&r;

	memset(&r, 0, sizeof(r));
	in->operation = BLKIF_OP_INDIRECT;
	in->indirect_op = op;
	in->nr_segments = nseg;
	in->sector_number = sector;
	in->indirect_grefs[0] = gref0;
	in->indirect_grefs[1] = gref1;
	return r;
}

/* ---- checks of our own pages after a case ---- */

static bool rd_matches(struct fe *f, char *note, size_t len)
{
	bool same = !memcmp(f->rd, f->data, PAGE);

	snprintf(note, len, "data=%s", same ? "match" : "DIFFERS");
	return same;
}

static bool all_bytes(const uint8_t *p, uint8_t v)
{
	for (unsigned i = 0; i < PAGE; i++)
		if (p[i] != v)
			return false;
	return true;
}

static bool ro_untouched(struct fe *f, char *note, size_t len)
{
	bool same = all_bytes(f->ro, 0xaa);

	snprintf(note, len, "read-only-page=%s", same ? "untouched" : "WRITTEN");
	return same;
}

static bool other_untouched(struct fe *f, char *note, size_t len)
{
	bool same = all_bytes(f->other, 0xbb);

	snprintf(note, len, "other-domain-page=%s",
		 same ? "untouched" : "WRITTEN");
	return same;
}

/* The honest read of the legit page, into a cleared page. */
static void control_read(struct fe *f, const char *name)
{
	memset(f->rd, 0, PAGE);
	req_case(f, name, rw(BLKIF_OP_READ, f->o.legit_sector, 1, f->rd_gref,
			     0, 7), EXP_OK, rd_matches);
}

/* ---- the cases ---- */

/* Handshake values the backend must refuse (and close), then recover. */
static void handshake_cases(struct fe *f)
{
	static const struct {
		const char *name, *ring_ref, *port, *protocol;
	} hs[] = {
		{ "hs-unknown-protocol", NULL, NULL, "x86_16-abi" },
		{ "hs-garbage-ring-ref", "12abc", NULL, NULL },
		{ "hs-ungranted-ring-ref", "2147483632", NULL, NULL },
		{ "hs-foreign-ring-ref", "OTHER", NULL, NULL },
		{ "hs-bad-event-channel", NULL, "4000", NULL },
	};
	char other[16];

	snprintf(other, sizeof(other), "%u", f->other_gref);
	for (size_t i = 0; i < sizeof(hs) / sizeof(hs[0]); i++) {
		const char *rr = hs[i].ring_ref;
		char st[32];
		int s;

		if (out_of_time(f)) {
			result(f, hs[i].name, "skipped", EXP_ERROR, false,
			       "why=deadline");
			continue;
		}
		if (rr && !strcmp(rr, "OTHER"))
			rr = other;
		s = handshake(f, rr, hs[i].port, hs[i].protocol);
		snprintf(st, sizeof(st), "%s",
			 s == XenbusStateClosing ? "backend-closing"
			 : s == XenbusStateClosed ? "backend-closed"
			 : s == XenbusStateConnected ? "backend-CONNECTED"
			 : "no-change");
		/* refused = the backend closed; connecting would be a bug,
		 * and so would hanging in InitWait with no word */
		result(f, hs[i].name, st, EXP_ERROR,
		       s == XenbusStateClosing || s == XenbusStateClosed, "");
		f->dirty = true;	/* the next case reconnects */
	}
}

static void request_cases(struct fe *f)
{
	uint64_t L = f->o.legit_sector, P = L + 64, N = f->sectors;

	/* the protected page P: every write aimed there must be refused,
	 * and the scenario checks the image there afterwards */
	req_case(f, "unknown-op-0x77", rw(0x77, L, 1, f->rd_gref, 0, 7),
		 EXP_ERROR, NULL);
	req_case(f, "reserved-op-4", rw(BLKIF_OP_RESERVED_1, P, 1,
					f->data_gref, 0, 7), EXP_ERROR, NULL);
	if (!f->barrier)
		req_case(f, "barrier-not-offered",
			 rw(BLKIF_OP_WRITE_BARRIER, P, 1, f->data_gref, 0, 7),
			 EXP_ERROR, NULL);
	req_case(f, "nseg-0-read", rw(BLKIF_OP_READ, L, 0, f->rd_gref, 0, 7),
		 EXP_ERROR, NULL);
	req_case(f, "nseg-0-write", rw(BLKIF_OP_WRITE, P, 0, f->data_gref, 0,
				       7), EXP_ERROR, NULL);
	req_case(f, "nseg-12-read", rw(BLKIF_OP_READ, L, 12, f->rd_gref, 0, 7),
		 EXP_ERROR, NULL);
	req_case(f, "nseg-255-write", rw(BLKIF_OP_WRITE, P, 255, f->data_gref,
					 0, 7), EXP_ERROR, NULL);
	req_case(f, "first-after-last", rw(BLKIF_OP_READ, L, 1, f->rd_gref, 5,
					   2), EXP_ERROR, NULL);
	req_case(f, "last-sect-8", rw(BLKIF_OP_READ, L, 1, f->rd_gref, 0, 8),
		 EXP_ERROR, NULL);
	req_case(f, "last-sect-255-write", rw(BLKIF_OP_WRITE, P, 1,
					      f->data_gref, 0, 255),
		 EXP_ERROR, NULL);
	req_case(f, "past-end-read", rw(BLKIF_OP_READ, N - 4, 1, f->rd_gref,
					0, 7), EXP_ERROR, NULL);
	req_case(f, "at-end-write", rw(BLKIF_OP_WRITE, N, 1, f->data_gref, 0,
				       7), EXP_ERROR, NULL);
	req_case(f, "sector-wraps-read", rw(BLKIF_OP_READ, UINT64_MAX - 3, 1,
					    f->rd_gref, 0, 7), EXP_ERROR, NULL);
	req_case(f, "sector-max-write", rw(BLKIF_OP_WRITE, UINT64_MAX, 1,
					   f->data_gref, 0, 0), EXP_ERROR,
		 NULL);
	/* 88 sectors from 2^64 - 80: the end wraps to sector 8 */
	req_case(f, "sector-wraps-11seg-write",
		 rw(BLKIF_OP_WRITE, UINT64_MAX - 79, 11, f->data_gref, 0, 7),
		 EXP_ERROR, NULL);
	/* sector * 512 wraps to byte 0 */
	req_case(f, "byte-offset-wraps-write",
		 rw(BLKIF_OP_WRITE, 1ull << 55, 1, f->data_gref, 0, 7),
		 EXP_ERROR, NULL);
	req_case(f, "gref-out-of-table-read",
		 rw(BLKIF_OP_READ, L, 1, GREF_OUT_OF_TABLE, 0, 7), EXP_ERROR,
		 NULL);
	req_case(f, "gref-out-of-table-write",
		 rw(BLKIF_OP_WRITE, P, 1, GREF_OUT_OF_TABLE, 0, 7), EXP_ERROR,
		 NULL);
	if (ready(f, "gref-revoked-write")) {
		/*
		 * Granted to the backend a moment ago, no longer. The kernel
		 * hands a freed reference out again at the next grant, so
		 * nothing is shared between the revocation and the request
		 * (ready() first: a reconnect would share a ring page).
		 */
		uint32_t gone;
		void *p = share(f, f->be_domid, &gone, true, "revoked");

		xengntshr_unshare(f->xgs, p, 1);
		req_case(f, "gref-revoked-write",
			 rw(BLKIF_OP_WRITE, P, 1, gone, 0, 7), EXP_ERROR,
			 NULL);
	}
	req_case(f, "gref-other-domain-write",
		 rw(BLKIF_OP_WRITE, P, 1, f->other_gref, 0, 7), EXP_ERROR,
		 NULL);
	req_case(f, "gref-other-domain-read",
		 rw(BLKIF_OP_READ, L, 1, f->other_gref, 0, 7), EXP_ERROR,
		 other_untouched);
	req_case(f, "gref-read-only-read",
		 rw(BLKIF_OP_READ, L, 1, f->ro_gref, 0, 7), EXP_ERROR,
		 ro_untouched);
	{
		/* good, bad, good: nothing of it may reach the disk */
		blkif_request_t r = rw(BLKIF_OP_WRITE, P, 3, f->data_gref, 0,
				       7);

		r.seg[1].gref = GREF_OUT_OF_TABLE;
		req_case(f, "one-bad-segment-of-3-write", r, EXP_ERROR, NULL);
	}
	/* a discard may be refused as unsupported, or by its range: both
	 * are errors; with discard offered the range is what refuses */
	req_case(f, "discard-past-end", discard(N - 8, 64, 0), EXP_ERROR,
		 NULL);
	req_case(f, "discard-wraps", discard(UINT64_MAX - 7, 16, 0),
		 EXP_ERROR, NULL);
	req_case(f, "discard-huge", discard(8, UINT64_MAX, 0), EXP_ERROR,
		 NULL);
	if (!f->discard_secure)
		req_case(f, "discard-secure-not-offered",
			 discard(P, 8, BLKIF_DISCARD_SECURE), EXP_ERROR,
			 NULL);
	control_read(f, "control-read-2");
}

static void indirect_cases(struct fe *f)
{
	uint64_t L = f->o.legit_sector, P = L + 64;
	struct blkif_request_segment *seg =
		(struct blkif_request_segment *)f->ind;
	unsigned per_page = PAGE / sizeof(*seg);

	if (!f->max_indirect) {
		/* not offered: the operation itself must be refused */
		for (unsigned i = 0; i < 16; i++)
			seg[i] = (struct blkif_request_segment){
				f->rd_gref, 0, 7 };
		req_case(f, "indirect-not-offered",
			 indirect(BLKIF_OP_READ, 16, L, f->ind_gref[0], 0),
			 EXP_ERROR, NULL);
		return;
	}
	say(f, "the backend offers %u indirect segments", f->max_indirect);
	/* a valid one first: 16 segments, all into the read page */
	for (unsigned i = 0; i < per_page; i++)
		seg[i] = (struct blkif_request_segment){ f->rd_gref, 0, 7 };
	req_case(f, "indirect-control-read",
		 indirect(BLKIF_OP_READ, 16, L, f->ind_gref[0], 0), EXP_OK,
		 NULL);
	req_case(f, "indirect-nseg-0",
		 indirect(BLKIF_OP_READ, 0, L, f->ind_gref[0], 0), EXP_ERROR,
		 NULL);
	req_case(f, "indirect-nseg-over-max",
		 indirect(BLKIF_OP_READ, (uint16_t)(f->max_indirect + 1), L,
			  f->ind_gref[0], f->ind_gref[1]), EXP_ERROR, NULL);
	req_case(f, "indirect-nseg-65535",
		 indirect(BLKIF_OP_READ, 65535, L, f->ind_gref[0],
			  f->ind_gref[1]), EXP_ERROR, NULL);
	req_case(f, "indirect-op-flush",
		 indirect(BLKIF_OP_FLUSH_DISKCACHE, 16, L, f->ind_gref[0], 0),
		 EXP_ERROR, NULL);
	req_case(f, "indirect-op-nested",
		 indirect(BLKIF_OP_INDIRECT, 16, L, f->ind_gref[0], 0),
		 EXP_ERROR, NULL);
	req_case(f, "indirect-page-out-of-table-write",
		 indirect(BLKIF_OP_WRITE, 16, P, GREF_OUT_OF_TABLE, 0),
		 EXP_ERROR, NULL);
	req_case(f, "indirect-page-other-domain-write",
		 indirect(BLKIF_OP_WRITE, 16, P, f->other_gref, 0), EXP_ERROR,
		 NULL);
	/* the second page missing: a 600-segment request with one gref */
	if (f->max_indirect > per_page)
		req_case(f, "indirect-second-page-missing-write",
			 indirect(BLKIF_OP_WRITE, (uint16_t)(per_page + 88), P,
				  f->ind_gref[0], GREF_OUT_OF_TABLE),
			 EXP_ERROR, NULL);
	/* segments pointing nowhere, then garbage */
	for (unsigned i = 0; i < per_page; i++)
		seg[i] = (struct blkif_request_segment){ f->data_gref, 0, 7 };
	seg[5] = (struct blkif_request_segment){ f->data_gref, 6, 1 };
	req_case(f, "indirect-bad-segment-write",
		 indirect(BLKIF_OP_WRITE, 16, P, f->ind_gref[0], 0), EXP_ERROR,
		 NULL);
	for (unsigned i = 0; i < PAGE; i++)
		f->ind[i] = (uint8_t)rnd();
	req_case(f, "indirect-garbage-page-write",
		 indirect(BLKIF_OP_WRITE, 16, P, f->ind_gref[0], 0), EXP_ERROR,
		 NULL);
	/* sectors past the end, with good segments */
	for (unsigned i = 0; i < per_page; i++)
		seg[i] = (struct blkif_request_segment){ f->rd_gref, 0, 7 };
	req_case(f, "indirect-past-end-read",
		 indirect(BLKIF_OP_READ, 16, f->sectors - 8, f->ind_gref[0],
			  0), EXP_ERROR, NULL);
}

/* A whole ring of random slots at once. */
static void garbage_case(struct fe *f)
{
	const char *name = "garbage-slots";
	blkif_request_t g[64];
	blkif_response_t rsp[64];
	unsigned n, errors = 0, oks = 0, unknown_id = 0, answered;
	char st[16], note[128];
	bool good;

	if (!ready(f, name))
		return;
	n = RING_SIZE(&f->ring);
	if (n > 64)
		n = 64;
	for (unsigned i = 0; i < n; i++)
		for (unsigned b = 0; b < sizeof(g[i]); b += 8) {
			uint64_t x = rnd();

			memcpy((char *)&g[i] + b, &x,
			       sizeof(g[i]) - b < 8 ? sizeof(g[i]) - b : 8);
		}
	/*
	 * Random, except that none may be a request an honest backend
	 * serves: the start sector (read, write, discard and indirect all
	 * keep it at the same offset) lies past any disk, and a flush, which
	 * needs no sector, carries a segment (refused: not served).
	 */
	for (unsigned i = 0; i < n; i++) {
		g[i].sector_number |= 1ull << 63;
		if (g[i].operation == BLKIF_OP_FLUSH_DISKCACHE &&
		    !g[i].nr_segments)
			g[i].nr_segments = 1;
	}
	push_slots(f, g, n);
	if (wait_rsp(f, f->ring.req_prod_pvt, f->o.timeout_ms))
		f->dirty = true;
	answered = take_responses(f, rsp, 64);
	for (unsigned i = 0; i < answered && i < n; i++) {
		bool known = false;

		for (unsigned j = 0; j < n; j++)
			known |= rsp[i].id == g[j].id;
		unknown_id += !known;
		if (rsp[i].status == BLKIF_RSP_OKAY)
			oks++;
		else
			errors++;
	}
	good = answered == n && oks == 0 && unknown_id == 0;
	snprintf(st, sizeof(st), "%d", answered ? rsp[0].status : INT16_MIN);
	snprintf(note, sizeof(note), "answered=%u/%u errors=%u ok=%u "
		 "unknown-ids=%u", answered, n, errors, oks, unknown_id);
	if (answered != n)
		f->dirty = true;
	result(f, name, answered ? st : "none", EXP_ERROR, good, note);
}

/* ---- the racing writer ---- */

/*
 * The writer rewrites, field by field and at random, every slot the
 * backend may be reading (between what it has answered and what we
 * pushed). Whatever mix of fields the backend catches, a write can only
 * carry the legit pattern to the legit sector: every other combination is
 * out of range, badly segmented or badly granted. So the disk stays as the
 * scenario expects, and only the backend's handling is tested.
 */
struct racer {
	struct fe *f;
	atomic_bool stop;
	uint64_t rewrites;
	bool indirect_ok;	/* BLKIF_OP_INDIRECT may be a variant */
};

static void rewrite_slot(struct racer *rc, blkif_request_t *s)
{
	struct fe *f = rc->f;
	uint64_t L = f->o.legit_sector;
	const uint8_t ops[] = { BLKIF_OP_READ, BLKIF_OP_WRITE, 0x77,
				BLKIF_OP_INDIRECT };
	const uint8_t nsegs[] = { 1, 0, 200 };
	const uint64_t sectors[] = { L, f->sectors + 8, UINT64_MAX - 3 };
	const uint32_t grefs[] = { f->data_gref, GREF_OUT_OF_TABLE };
	const uint8_t lasts[] = { 7, 9 };
	const uint8_t firsts[] = { 0, 8 };
	uint64_t r = rnd();

	switch (r % 6) {
	case 0:
		__atomic_store_n(&s->operation,
				 ops[(r >> 8) % (rc->indirect_ok ? 4 : 3)],
				 __ATOMIC_RELAXED);
		break;
	case 1:
		__atomic_store_n(&s->nr_segments, nsegs[(r >> 8) % 3],
				 __ATOMIC_RELAXED);
		break;
	case 2:
		__atomic_store_n(&s->sector_number, sectors[(r >> 8) % 3],
				 __ATOMIC_RELAXED);
		break;
	case 3:
		__atomic_store_n(&s->seg[0].gref, grefs[(r >> 8) % 2],
				 __ATOMIC_RELAXED);
		break;
	case 4:
		__atomic_store_n(&s->seg[0].first_sect, firsts[(r >> 8) % 2],
				 __ATOMIC_RELAXED);
		__atomic_store_n(&s->seg[0].last_sect, lasts[(r >> 9) % 2],
				 __ATOMIC_RELAXED);
		break;
	default:
		__atomic_store_n(&s->id, r, __ATOMIC_RELAXED);
		break;
	}
	rc->rewrites++;
}

static void *racer_main(void *arg)
{
	struct racer *rc = arg;
	struct fe *f = rc->f;
	blkif_sring_t *sr = f->ring.sring;
	unsigned size = RING_SIZE(&f->ring);

	while (!atomic_load_explicit(&rc->stop, memory_order_relaxed)) {
		RING_IDX lo = __atomic_load_n(&sr->rsp_prod, __ATOMIC_ACQUIRE);
		RING_IDX hi = __atomic_load_n(&sr->req_prod, __ATOMIC_ACQUIRE);

		/* only slots not yet answered: a response is left alone,
		 * except in the moment between this check and the store */
		for (RING_IDX i = lo; i != hi && (RING_IDX)(i - lo) < size;
		     i++)
			rewrite_slot(rc, &sr->ring[i & (size - 1)].req);
	}
	return NULL;
}

static void race_case(struct fe *f)
{
	const char *name = "racing-slot-rewrites";
	struct racer rc = { .f = f, .indirect_ok = f->max_indirect == 0 };
	pthread_t th;
	unsigned size, pushed = 0, answered = 0;
	int64_t end;
	char note[160];
	bool good;

	if (!ready(f, name))
		return;
	size = RING_SIZE(&f->ring);
	atomic_init(&rc.stop, false);
	if (pthread_create(&th, NULL, racer_main, &rc)) {
		result(f, name, "skipped", EXP_ANY, false, "why=no-thread");
		return;
	}
	end = now_ms() + f->o.race_seconds * 1000;
	while (now_ms() < end) {
		unsigned outstanding = f->ring.req_prod_pvt - f->ring.rsp_cons;
		unsigned room = size - outstanding;
		int do_notify;

		/* start each slot as an honest read of the legit page */
		for (unsigned i = 0; i < room; i++) {
			blkif_request_t r = rw(BLKIF_OP_READ,
					       f->o.legit_sector, 1,
					       f->data_gref, 0, 7);

			r.id = ++f->next_id;
			memcpy(RING_GET_REQUEST(&f->ring,
						f->ring.req_prod_pvt),
			       &r, sizeof(r));
			f->ring.req_prod_pvt++;
			pushed++;
		}
		RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f->ring, do_notify);
		if (room && do_notify)
			notify(f);
		wait_rsp(f, f->ring.rsp_cons + 1, 200);
		/* only the count: the writer may have scribbled a response */
		answered += take_responses(f, NULL, 0);
	}
	atomic_store(&rc.stop, true);
	pthread_join(th, NULL);
	if (wait_rsp(f, f->ring.req_prod_pvt, f->o.timeout_ms))
		f->dirty = true;
	answered += take_responses(f, NULL, 0);
	good = answered == pushed;
	if (!good)
		f->dirty = true;
	snprintf(note, sizeof(note), "requests=%u answered=%u "
		 "slot-rewrites=%" PRIu64, pushed, answered, rc.rewrites);
	result(f, name, good ? "answered" : "none", EXP_ANY, good, note);
	control_read(f, "control-read-after-race");
}

/*
 * Notifications in a tight loop, with an honest read now and then that
 * must still be answered: the storm may cost the backend time, never
 * its service.
 */
static void storm_case(struct fe *f)
{
	const char *name = "event-storm";
	uint64_t notifies = 0, failed = 0;
	unsigned reads = 0, answered = 0;
	int64_t end;
	char note[160];
	bool good;

	if (!ready(f, name))
		return;
	end = now_ms() + f->o.storm_seconds * 1000;
	while (now_ms() < end) {
		for (unsigned i = 0; i < 1024; i++) {
			if (xenevtchn_notify(f->xce, f->port))
				failed++;
			notifies++;
		}
		if (f->ring.req_prod_pvt == f->ring.rsp_cons) {
			blkif_request_t r = rw(BLKIF_OP_READ,
					       f->o.legit_sector, 1,
					       f->rd_gref, 0, 7);

			r.id = ++f->next_id;
			push_slots(f, &r, 1);
			reads++;
		}
		answered += take_responses(f, NULL, 0);
	}
	if (wait_rsp(f, f->ring.req_prod_pvt, f->o.timeout_ms))
		f->dirty = true;
	answered += take_responses(f, NULL, 0);
	good = answered == reads && failed == 0;
	snprintf(note, sizeof(note), "notifies=%" PRIu64 " failed=%" PRIu64
		 " seconds=%d reads=%u answered=%u", notifies, failed,
		 f->o.storm_seconds, reads, answered);
	result(f, name, good ? "answered" : "none", EXP_OK, good, note);
	control_read(f, "control-read-after-storm");
}

/*
 * Responses never consumed: rsp_event pushed far away and rsp_cons left
 * alone, two ring-fulls of honest reads pushed one after the other. The
 * backend sees nothing wrong (it cannot know what we consumed) and must
 * answer them all without waiting for us.
 */
static void no_consume_case(struct fe *f)
{
	const char *name = "responses-never-consumed";
	blkif_sring_t *sr;
	unsigned size, pushed = 0;
	RING_IDX base;
	char note[128];
	bool good = true;

	if (!ready(f, name))
		return;
	sr = f->ring.sring;
	size = RING_SIZE(&f->ring);
	base = f->ring.rsp_cons;
	__atomic_store_n(&sr->rsp_event, base + 0x40000000u, __ATOMIC_RELEASE);
	for (int round = 0; round < 2 && good; round++) {
		for (unsigned i = 0; i < size; i++) {
			blkif_request_t r = rw(BLKIF_OP_READ,
					       f->o.legit_sector, 1,
					       f->rd_gref, 0, 7);

			r.id = ++f->next_id;
			memcpy(RING_GET_REQUEST(&f->ring,
						f->ring.req_prod_pvt),
			       &r, sizeof(r));
			f->ring.req_prod_pvt++;
			pushed++;
		}
		atomic_thread_fence(memory_order_release);
		__atomic_store_n(&sr->req_prod, f->ring.req_prod_pvt,
				 __ATOMIC_RELAXED);
		notify(f);
		good = wait_rsp(f, f->ring.req_prod_pvt, f->o.timeout_ms) == 0;
	}
	snprintf(note, sizeof(note), "pushed=%u answered=%u", pushed,
		 rsp_prod(f) - base);
	/* now consume, and ask for events again */
	f->ring.rsp_cons = rsp_prod(f);
	__atomic_store_n(&sr->rsp_event, f->ring.rsp_cons + 1,
			 __ATOMIC_RELEASE);
	if (!good)
		f->dirty = true;
	result(f, name, good ? "answered" : "none", EXP_OK, good, note);
}

/*
 * req_prod set where no honest frontend could put it. The backend may
 * declare the ring broken (it then serves nothing more from it) or close
 * the device; what it must not do is take the slots as requests. Then a
 * reconnect must work.
 */
static void overrun_case(struct fe *f, const char *name, int32_t ahead)
{
	blkif_sring_t *sr;
	RING_IDX before;
	unsigned got;
	char note[128];
	int s;

	if (!ready(f, name))
		return;
	sr = f->ring.sring;
	before = rsp_prod(f);
	__atomic_store_n(&sr->req_prod, f->ring.req_prod_pvt + (RING_IDX)ahead,
			 __ATOMIC_RELEASE);
	notify(f);
	/* nothing should come; give it time to do something wrong */
	wait_rsp(f, before + 1, 3000);
	got = rsp_prod(f) - before;
	s = be_state(f);
	snprintf(note, sizeof(note), "req_prod=%+d answered=%u "
		 "backend-state=%d outcome=%s", ahead, got, s,
		 got ? "SERVED-GARBAGE"
		 : s == XenbusStateConnected ? "ring-broken"
		 : "device-closed");
	result(f, name, got ? "answered" : "none", EXP_ERROR, got == 0, note);
	f->dirty = true;	/* the next case reconnects */
}

/* ---- the handshake under a connected ring ---- */

/* Honest reads of the legit sector into page gref, and writes of the
 * pattern there, alternating, count of them; pushed and notified. */
static void push_honest(struct fe *f, uint32_t read_gref, unsigned count)
{
	for (unsigned i = 0; i < count; i++) {
		blkif_request_t r = i % 2 ?
			rw(BLKIF_OP_WRITE, f->o.legit_sector, 1, f->data_gref,
			   0, 7) :
			rw(BLKIF_OP_READ, f->o.legit_sector, 1, read_gref, 0,
			   7);

		r.id = ++f->next_id;
		memcpy(RING_GET_REQUEST(&f->ring, f->ring.req_prod_pvt), &r,
		       sizeof(r));
		f->ring.req_prod_pvt++;
	}
	atomic_thread_fence(memory_order_release);
	__atomic_store_n(&f->ring.sring->req_prod, f->ring.req_prod_pvt,
			 __ATOMIC_RELAXED);
	notify(f);
}

/*
 * A ring's worth of I/O, and at once Closed (no Closing first): the
 * backend must end what is in flight before it lets go of the ring and
 * our pages, and close.
 */
static void close_in_flight_case(struct fe *f)
{
	const char *name = "closed-with-requests-in-flight";
	RING_IDX base;
	char note[96];
	int s;

	if (!ready(f, name))
		return;
	base = rsp_prod(f);
	push_honest(f, f->rd_gref, RING_SIZE(&f->ring));
	set_fe_state(f, XenbusStateClosed);
	s = wait_be_state(f, BIT(XenbusStateClosed), f->o.timeout_ms);
	snprintf(note, sizeof(note), "requests=%u answered-before-close=%u",
		 RING_SIZE(&f->ring), rsp_prod(f) - base);
	result(f, name, s == XenbusStateClosed ? "backend-closed"
	       : "not-closed", EXP_ANY, s == XenbusStateClosed, note);
	f->dirty = true;
}

/*
 * Reads into a page whose grant we end while they are in flight: each
 * read lands before the end or fails its grant copy; all are answered.
 */
static void revoke_in_flight_case(struct fe *f)
{
	const char *name = "grant-revoked-during-reads";
	unsigned n, ok = 0, err = 0, got;
	blkif_response_t rsp[64];
	uint32_t gref;
	uint8_t *page;
	char note[96];
	bool good;

	if (!ready(f, name))
		return;
	n = RING_SIZE(&f->ring);
	if (n > 64)
		n = 64;
	page = share(f, f->be_domid, &gref, true, "revoked in flight");
	for (unsigned i = 0; i < n; i++) {
		blkif_request_t r = rw(BLKIF_OP_READ, f->o.legit_sector, 1,
				       gref, 0, 7);

		r.id = ++f->next_id;
		memcpy(RING_GET_REQUEST(&f->ring, f->ring.req_prod_pvt), &r,
		       sizeof(r));
		f->ring.req_prod_pvt++;
	}
	atomic_thread_fence(memory_order_release);
	__atomic_store_n(&f->ring.sring->req_prod, f->ring.req_prod_pvt,
			 __ATOMIC_RELAXED);
	notify(f);
	xengntshr_unshare(f->xgs, page, 1);
	if (wait_rsp(f, f->ring.req_prod_pvt, f->o.timeout_ms))
		f->dirty = true;
	got = take_responses(f, rsp, 64);
	for (unsigned i = 0; i < got && i < n; i++) {
		if (rsp[i].status == BLKIF_RSP_OKAY)
			ok++;
		else
			err++;
	}
	good = got == n;
	if (!good)
		f->dirty = true;
	snprintf(note, sizeof(note), "reads=%u answered=%u ok=%u errors=%u",
		 n, got, ok, err);
	result(f, name, good ? "answered" : "none", EXP_ANY, good, note);
}

/* A state that is no number, while connected: the backend closes. */
static void garbage_state_case(struct fe *f)
{
	const char *name = "garbage-state-while-connected";
	int s;

	if (!ready(f, name))
		return;
	xs_put(f, f->fe_path, "state", "4x");
	s = wait_be_state(f, BIT(XenbusStateClosed) | BIT(XenbusStateClosing),
			  f->o.timeout_ms);
	result(f, name, s == XenbusStateClosed ? "backend-closed"
	       : s == XenbusStateClosing ? "backend-closing" : "no-change",
	       EXP_ERROR, s >= 0, "");
	f->dirty = true;
}

/*
 * Fills every slot with a request the backend must refuse (operation
 * 0x77) whose id ends in 0x77 too: the backend's response in the slot,
 * read again as a request (a backend that replays a reattached ring
 * does), has 0x77 as its operation once more. So nothing a backend may
 * find on this ring moves data.
 */
static void fill_refusable(struct fe *f)
{
	for (unsigned i = 0; i < RING_SIZE(&f->ring); i++) {
		blkif_request_t r = rw(0x77, 0, 0, 0, 0, 0);

		r.id = (++f->next_id << 8) | 0x77;
		memcpy(RING_GET_REQUEST(&f->ring, i), &r, sizeof(r));
	}
	atomic_thread_fence(memory_order_release);
}

/*
 * The same ring offered again on a reconnect, its indices where they
 * were (4 requests pushed and answered), its first 4 slots honest reads
 * with ids ending in 0x77. A backend that attaches at the ring's rsp_prod
 * (Linux's BACK_RING_ATTACH) sees nothing to do; one that starts at index
 * 0 serves the 4 slots again. Either is recorded; nothing here writes.
 */
static void reattach_case(struct fe *f)
{
	const char *name = "ring-reused-across-reconnect";
	blkif_sring_t *sr;
	blkif_request_t sent[4];
	unsigned replayed = 0;
	char note[160];
	int s;

	if (!ready(f, name))
		return;
	sr = f->ring.sring;
	fill_refusable(f);
	for (unsigned i = 0; i < 4; i++) {
		sent[i] = rw(BLKIF_OP_READ, f->o.legit_sector, 1, f->rd_gref,
			     0, 7);
		sent[i].id = (++f->next_id << 8) | 0x77;
		memcpy(RING_GET_REQUEST(&f->ring, i), &sent[i],
		       sizeof(sent[i]));
	}
	atomic_thread_fence(memory_order_release);
	__atomic_store_n(&sr->req_prod, 4, __ATOMIC_RELAXED);
	__atomic_store_n(&sr->rsp_prod, 4, __ATOMIC_RELAXED);
	__atomic_store_n(&sr->rsp_event, 5, __ATOMIC_RELAXED);
	if (reset_handshake(f, true)) {
		result(f, name, "none", EXP_ANY, false, "why=no-reset");
		f->dirty = true;
		return;
	}
	set_fe_state(f, XenbusStateInitialised);
	s = wait_be_state(f, BIT(XenbusStateConnected) |
			  BIT(XenbusStateClosing), f->o.timeout_ms);
	if (s == XenbusStateConnected) {
		set_fe_state(f, XenbusStateConnected);
		msleep(2000);
		/* a slot that now holds a response to our id was served */
		for (unsigned i = 0; i < 4; i++) {
			blkif_response_t *r = RING_GET_RESPONSE(&f->ring, i);

			replayed += __atomic_load_n(&r->id, __ATOMIC_ACQUIRE)
				    == sent[i].id;
		}
	}
	snprintf(note, sizeof(note), "backend-state=%d replayed=%u/4 "
		 "outcome=%s", s, replayed, s != XenbusStateConnected
		 ? "refused" : replayed ? "served-from-index-0"
		 : "attached-at-rsp_prod");
	result(f, name, s == XenbusStateConnected ? "connected" : "closed",
	       EXP_ANY, s >= 0, note);
	f->dirty = true;
}

/*
 * The ring ABIs a frontend may name besides native, honestly: a 32-bit
 * x86 guest's "x86_32-abi" (64-bit fields 4-byte aligned: 108-byte
 * request slots, 12-byte responses; Linux dropped 32-bit PV guests in
 * 5.9, so no lab guest speaks it) and an explicit "x86_64-abi" (112 and
 * 16). Slots are written byte by byte at the offsets xen/io/blkif.h's
 * fields get under each ABI's alignment (test-blkif-i386 checks those
 * against gcc -m32). On the legit page: a new pattern written and read
 * back, then the legit pattern again, so the scenario's image check
 * holds. These must succeed.
 */
struct abi_layout {
	const char *protocol;
	size_t entry, id, sector, seg;	/* request slot */
};

static const struct abi_layout abi_x86_32 = { "x86_32-abi", 108, 4, 12, 20 };
static const struct abi_layout abi_x86_64 = { "x86_64-abi", 112, 8, 16, 24 };

static void put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* One 8-sector request of the legit page through gref, or a flush; the
 * response's status, or INT16_MIN for none (or a wrong id or op). */
static int abi_request(struct fe *f, const struct abi_layout *l,
		       RING_IDX *prod, uint8_t op, uint32_t gref)
{
	blkif_sring_t *sr = f->ring_page;
	uint8_t *entries = (uint8_t *)f->ring_page + 64;
	uint8_t *slot = entries + (*prod % 32u) * l->entry;
	uint64_t id = ++f->next_id;
	bool data = op != BLKIF_OP_FLUSH_DISKCACHE;

	memset(slot, 0, l->entry);
	slot[0] = op;
	slot[1] = data ? 1 : 0;
	put_le(slot + l->id, id, 8);
	put_le(slot + l->sector, data ? f->o.legit_sector : 0, 8);
	if (data) {
		put_le(slot + l->seg, gref, 4);
		slot[l->seg + 4] = 0;	/* first_sect */
		slot[l->seg + 5] = 7;	/* last_sect */
	}
	(*prod)++;
	__atomic_store_n(&sr->rsp_event, *prod, __ATOMIC_RELAXED);
	atomic_thread_fence(memory_order_release);
	__atomic_store_n(&sr->req_prod, *prod, __ATOMIC_RELAXED);
	notify(f);
	if (wait_rsp(f, *prod, f->o.timeout_ms))
		return INT16_MIN;
	/* the response in the same slot: id, then operation and status at
	 * 8 and 10 under either ABI */
	atomic_thread_fence(memory_order_acquire);
	if (get_le(slot, 8) != id || slot[8] != op)
		return INT16_MIN;
	return (int16_t)get_le(slot + 10, 2);
}

static void abi_case(struct fe *f, const struct abi_layout *l)
{
	char name[48], note[160];
	RING_IDX prod = 0;
	int s, st[5] = { 0 };
	bool alt_back = false, legit_back = false;

	snprintf(name, sizeof(name), "abi-%s", l->protocol);
	if (out_of_time(f)) {
		result(f, name, "skipped", EXP_OK, false, "why=deadline");
		return;
	}
	s = handshake(f, NULL, NULL, l->protocol);
	if (s != XenbusStateConnected) {
		snprintf(note, sizeof(note), "why=not-connected state=%d", s);
		result(f, name, "none", EXP_OK, false, note);
		f->dirty = true;
		return;
	}
	/* the native ring helpers count differently now: reconnect after */
	f->dirty = true;
	/* a second pattern in the first indirect page */
	for (unsigned i = 0; i < PAGE; i++)
		f->ind[i] = (uint8_t)(f->data[i] ^ 0x5a ^ (uint8_t)l->entry);
	st[0] = abi_request(f, l, &prod, BLKIF_OP_WRITE, f->ind_gref[0]);
	memset(f->rd, 0, PAGE);
	st[1] = abi_request(f, l, &prod, BLKIF_OP_READ, f->rd_gref);
	alt_back = !memcmp(f->rd, f->ind, PAGE);
	st[2] = abi_request(f, l, &prod, BLKIF_OP_WRITE, f->data_gref);
	memset(f->rd, 0, PAGE);
	st[3] = abi_request(f, l, &prod, BLKIF_OP_READ, f->rd_gref);
	legit_back = !memcmp(f->rd, f->data, PAGE);
	st[4] = f->flush ? abi_request(f, l, &prod, BLKIF_OP_FLUSH_DISKCACHE,
				       0) : 0;
	snprintf(note, sizeof(note), "statuses=%d,%d,%d,%d,%d "
		 "new-pattern=%s legit-pattern=%s", st[0], st[1], st[2], st[3],
		 st[4], alt_back ? "match" : "DIFFERS",
		 legit_back ? "match" : "DIFFERS");
	result(f, name, st[0] || st[1] || st[2] || st[3] || st[4] ? "error"
	       : "0", EXP_OK, !st[0] && !st[1] && !st[2] && !st[3] && !st[4] &&
	       alt_back && legit_back, note);
}

/*
 * The frontend's state flipped Closed, Initialising, Initialised as fast
 * as xenstore takes it, with the old ring's nodes left in place: the
 * backend may connect and disconnect many times (or see only some of the
 * flips), and must end up where an honest handshake works again.
 */
static void flapping_case(struct fe *f)
{
	const char *name = "xenbus-state-flapping";
	const unsigned flips = 40;
	int ok;
	char note[96];

	if (!ready(f, name))
		return;
	/* the backend may take this ring up again and again, each time at
	 * an index of its choosing: only refusable slots on it */
	fill_refusable(f);
	for (unsigned i = 0; i < flips; i++) {
		set_fe_state(f, XenbusStateClosed);
		set_fe_state(f, XenbusStateInitialising);
		set_fe_state(f, XenbusStateInitialised);
	}
	msleep(1000);
	snprintf(note, sizeof(note), "flips=%u backend-state-after=%d", flips,
		 be_state(f));
	ok = connect_honest(f) == 0;
	result(f, name, ok ? "reconnected" : "stuck", EXP_OK, ok, note);
	if (!ok)
		f->dirty = true;
}

/* ---- main ---- */

static void usage(FILE *out)
{
	fprintf(out,
"Usage: hostile-blkfront [OPTIONS]\n\n"
"A malicious blkif frontend for lpar-blkback's lab (blkback-hostile): run\n"
"in a guest whose vbd no xen-blkfront has taken, with /dev/xen/gntalloc,\n"
"/dev/xen/evtchn and /dev/xen/xenbus.\n\n"
"  --devid N           the vbd (default: the first under device/vbd)\n"
"  --legit-sector N    where its one honest 4 KiB write goes (default 2048)\n"
"  --timeout MS        for each answer and state change (default 45000;\n"
"                      a loaded TCG host is slow)\n"
"  --race-seconds S    racing slot rewrites (default 6)\n"
"  --storm-seconds S   the event storm (default 8)\n"
"  --deadline S        skip what is left after S seconds (default 300)\n"
"  --ready-node NODE   write \"ready\" there once connected (e.g.\n"
"                      data/lab-hostile) ...\n"
"  --go-node NODE      ... then wait for NODE to exist before the attacks\n"
"  --go-timeout S      at most S seconds (default 180)\n"
"  --pattern-file FILE write the legit page there (for a checksum)\n");
}

static int parse_int(const char *s, long long min, long long max,
		     long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno || end == s || *end || *out < min || *out > max ? -1 : 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "devid", required_argument, NULL, 'd' },
		{ "legit-sector", required_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 't' },
		{ "race-seconds", required_argument, NULL, 'r' },
		{ "storm-seconds", required_argument, NULL, 's' },
		{ "deadline", required_argument, NULL, 'D' },
		{ "ready-node", required_argument, NULL, 'R' },
		{ "go-node", required_argument, NULL, 'g' },
		{ "go-timeout", required_argument, NULL, 'G' },
		{ "pattern-file", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long long v;
	int c;

	*o = (struct opts){ .legit_sector = 2048, .timeout_ms = 45000,
			    .storm_seconds = 8, .race_seconds = 6,
			    .deadline_seconds = 300, .go_timeout = 180 };
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'd': o->devid = optarg; break;
		case 'l':
			if (parse_int(optarg, 0, INT64_MAX / 512, &v))
				goto bad;
			o->legit_sector = (uint64_t)v;
			break;
		case 't':
			if (parse_int(optarg, 100, 600000, &v))
				goto bad;
			o->timeout_ms = (int)v;
			break;
		case 'r':
		case 's':
		case 'D':
		case 'G':
			if (parse_int(optarg, 0, 3600, &v))
				goto bad;
			*(c == 'r' ? &o->race_seconds
			  : c == 's' ? &o->storm_seconds
			  : c == 'D' ? &o->deadline_seconds
				     : &o->go_timeout) = (int)v;
			break;
		case 'R': o->ready_node = optarg; break;
		case 'g': o->go_node = optarg; break;
		case 'p': o->pattern_file = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "hostile-blkfront: bad value '%s'\n", optarg);
	return -1;
}

/* Finds the vbd and its backend; waits for the backend's InitWait. */
static int find_device(struct fe *f)
{
	char *id = NULL, *be;
	uint64_t v;
	unsigned n = 0;
	char **ids = NULL;

	if (f->o.devid) {
		id = strdup(f->o.devid);
	} else {
		ids = xs_directory(f->xs, XBT_NULL, "device/vbd", &n);
		if (ids && n)
			id = strdup(ids[0]);
		free(ids);
	}
	if (!id) {
		say(f, "no vbd in device/vbd (give the guest a disk)");
		return -1;
	}
	snprintf(f->fe_path, sizeof(f->fe_path), "device/vbd/%s", id);
	free(id);
	be = xs_get(f, f->fe_path, "backend");
	if (!be || strlen(be) >= sizeof(f->be_path) ||
	    !xs_get_u64(f, f->fe_path, "backend-id", &v)) {
		say(f, "%s has no backend or backend-id", f->fe_path);
		free(be);
		return -1;
	}
	snprintf(f->be_path, sizeof(f->be_path), "%s", be);
	free(be);
	f->be_domid = (unsigned)v;
	say(f, "frontend %s, backend %s (domain %u)", f->fe_path, f->be_path,
	    f->be_domid);
	if (wait_be_state(f, BIT(XenbusStateInitWait), 60000) < 0) {
		say(f, "the backend never reached InitWait (state %d)",
		    be_state(f));
		return -1;
	}
	return 0;
}

static void wait_go(struct fe *f)
{
	int64_t end = now_ms() + (int64_t)f->o.go_timeout * 1000;
	char *v;

	if (f->o.ready_node)
		xs_put(f, "", f->o.ready_node, "ready");
	if (!f->o.go_node)
		return;
	say(f, "waiting for %s (at most %d s)", f->o.go_node, f->o.go_timeout);
	while (!(v = xs_get(f, "", f->o.go_node))) {
		if (now_ms() >= end) {
			say(f, "no %s after %d s: going on alone",
			    f->o.go_node, f->o.go_timeout);
			return;
		}
		msleep(200);
	}
	free(v);
	say(f, "go");
}

int main(int argc, char **argv)
{
	static struct fe f;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse_opts(argc, argv, &f.o))
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &f.t0);
	/* the last resort against a hang: SIGALRM's default ends us */
	alarm((unsigned)(f.o.deadline_seconds + f.o.go_timeout + 120));

	f.xs = xs_open(0);
	f.xce = xenevtchn_open(NULL, 0);
	f.xgs = xengntshr_open(NULL, 0);
	if (!f.xs || !f.xce || !f.xgs) {
		say(&f, "cannot open %s: %s",
		    !f.xs ? "xenstore (/dev/xen/xenbus)"
		    : !f.xce ? "/dev/xen/evtchn (xen-evtchn loaded?)"
			     : "/dev/xen/gntalloc (xen-gntalloc loaded?)",
		    strerror(errno));
		return 2;
	}
	if (find_device(&f) || alloc_pages(&f))
		return 2;

	say(&f, "phase handshake");
	handshake_cases(&f);

	say(&f, "phase connect");
	if (connect_honest(&f)) {
		result(&f, "connect", "none", EXP_OK, false, "");
		return 1;
	}
	say(&f, "disk sectors=%" PRIu64 " indirect=%u discard=%d "
	    "discard-secure=%d flush=%d barrier=%d read-only=%d", f.sectors,
	    f.max_indirect, f.discard, f.discard_secure, f.flush, f.barrier,
	    f.read_only);
	if (f.sectors < f.o.legit_sector + 128) {
		say(&f, "the disk is too small for --legit-sector %" PRIu64,
		    f.o.legit_sector);
		return 2;
	}
	/* the one honest write; the scenario finds it on the image */
	req_case(&f, "control-write", rw(BLKIF_OP_WRITE, f.o.legit_sector, 1,
					 f.data_gref, 0, 7), EXP_OK, NULL);
	say(&f, "legit-write sector=%" PRIu64 " sectors=8", f.o.legit_sector);
	control_read(&f, "control-read");
	req_case(&f, "control-flush", rw(BLKIF_OP_FLUSH_DISKCACHE, 0, 0, 0, 0,
					 0), f.flush ? EXP_OK : EXP_ERROR,
		 NULL);

	wait_go(&f);
	say(&f, "phase requests");
	request_cases(&f);
	indirect_cases(&f);
	garbage_case(&f);
	control_read(&f, "control-read-after-garbage");
	say(&f, "phase race");
	race_case(&f);
	say(&f, "phase storm");
	storm_case(&f);
	no_consume_case(&f);
	say(&f, "phase overrun");
	overrun_case(&f, "req-prod-overrun", 1000);
	control_read(&f, "control-read-after-reconnect");
	overrun_case(&f, "req-prod-backwards", -5);
	control_read(&f, "control-read-after-reconnect-2");
	say(&f, "phase lifecycle");
	close_in_flight_case(&f);
	control_read(&f, "control-read-after-closed-in-flight");
	revoke_in_flight_case(&f);
	control_read(&f, "control-read-after-revoke");
	garbage_state_case(&f);
	control_read(&f, "control-read-after-garbage-state");
	reattach_case(&f);
	control_read(&f, "control-read-after-reattach");
	flapping_case(&f);
	control_read(&f, "control-read-after-flapping");
	say(&f, "phase abi");
	abi_case(&f, &abi_x86_32);
	abi_case(&f, &abi_x86_64);
	control_read(&f, "control-read-after-abi");

	say(&f, "phase close");
	close_clean(&f);
	{
		int s = be_state(&f);

		result(&f, "clean-close", s == XenbusStateClosed ? "closed"
		       : "not-closed", EXP_OK, s == XenbusStateClosed, "");
	}
	rc = f.bad ? 1 : 0;
	printf("LAB-HOSTILE summary cases=%u ok=%u bad=%u\n", f.cases, f.ok,
	       f.bad);
	printf("LAB-HOSTILE done rc=%d\n", rc);
	xengntshr_close(f.xgs);
	xenevtchn_close(f.xce);
	xs_close(f.xs);
	return rc;
}
