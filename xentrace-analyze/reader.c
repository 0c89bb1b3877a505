// SPDX-License-Identifier: GPL-2.0-or-later
#include "reader.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <xen/trace.h>

#include "input.h"
#include "util.h"

/* cpu_change header as xentrace writes it: two extra words, no TSC. */
#define CPU_CHANGE_SIZE 12u
/* Xen's per-pCPU buffers are at most 65535 pages (t_info.tbuf_size is a
 * u16), so no honest window is larger than this. */
#define MAX_WINDOW (65535u * 4096u)

#define DEFAULT_STREAM_LIMIT ((size_t)64 << 20)
#define DEFAULT_MAPPED_LIMIT ((size_t)1 << 20)

enum cpu_state {
	CPU_ACTIVE,	/* in the merge */
	CPU_STALLED,	/* next window beyond the reorder bound: waits */
	CPU_ENDED,	/* all its records delivered */
};

struct xta_window {
	const uint8_t *data;
	uint64_t offset;	/* of data in the trace */
	uint64_t hdr_offset;	/* of the cpu_change record */
	uint32_t len;		/* bytes present */
	uint32_t declared;	/* bytes the cpu_change record announced */
	struct xta_buf *buf;
};

/* Where cursors point when there is nothing to read. */
static const uint32_t no_data;

struct xta_buf {
	struct xta_buf *next;
	size_t cap;
	uint8_t data[];
};

static void set_error(struct xta_reader *r, enum xta_read_status status,
		      uint64_t offset, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set_error(struct xta_reader *r, enum xta_read_status status,
		      uint64_t offset, const char *fmt, ...)
{
	va_list ap;

	r->err.count++;
	if (r->err.status != XTA_READ_OK)
		return;		/* the first problem is the one to report */
	r->err.status = status;
	r->err.offset = offset;
	va_start(ap, fmt);
	vsnprintf(r->err.msg, sizeof(r->err.msg), fmt, ap);
	va_end(ap);
}

/* ---- buffers for streamed windows ---- */

static struct xta_buf *buf_get(struct xta_reader *r, size_t len)
{
	struct xta_buf **pp, *b;

	for (pp = &r->free_bufs; (b = *pp); pp = &b->next)
		if (b->cap >= len) {
			*pp = b->next;
			return b;
		}
	/* Round up so that buffers are reused across window sizes. */
	len = len < 4096 ? 4096 : (len + 65535) & ~(size_t)65535;
	b = xta_malloc(sizeof(*b) + len);
	b->cap = len;
	return b;
}

static void buf_put(struct xta_reader *r, struct xta_buf *b)
{
	unsigned n = 0;
	struct xta_buf *f;

	if (!b)
		return;
	/* Keep a few for reuse; a stream needs about one per pCPU. */
	for (f = r->free_bufs; f; f = f->next)
		if (++n >= 64) {
			free(b);
			return;
		}
	b->next = r->free_bufs;
	r->free_bufs = b;
}

/* ---- per-pCPU window queues ---- */

static struct xta_cpu *cpu_get(struct xta_reader *r, unsigned id)
{
	struct xta_cpu *c = r->cpus[id];

	if (c)
		return c;
	c = xta_calloc(1, sizeof(*c));
	c->id = (uint16_t)id;
	/* No window yet: an empty one, so that cursor arithmetic is defined. */
	c->pos = c->end = (const uint8_t *)&no_data;
	c->state = CPU_ENDED;	/* not in the merge until it has a window */
	r->cpus[id] = c;
	if (id >= r->stats.nr_cpus)
		r->stats.nr_cpus = id + 1;
	return c;
}

static void activate(struct xta_reader *r, struct xta_cpu *c)
{
	if (c->state == CPU_ACTIVE)
		return;
	c->state = CPU_ACTIVE;
	c->head_valid = false;
	r->active[r->nr_active++] = c->id;
	/* Its next record is not known yet: whoever is current stops at
	 * its next record so that the merge looks at this one first. */
	r->limit = 0;
}

static void deactivate(struct xta_reader *r, struct xta_cpu *c,
		       enum cpu_state state)
{
	for (unsigned i = 0; i < r->nr_active; i++)
		if (r->active[i] == c->id) {
			r->active[i] = r->active[--r->nr_active];
			break;
		}
	c->state = (uint8_t)state;
	c->head_valid = false;
	if (c->last_tsc > r->horizon)
		r->horizon = c->last_tsc;
	if (r->cur == c)
		r->cur = NULL;
}

static void queue_push(struct xta_reader *r, struct xta_cpu *c,
		       const struct xta_window *w)
{
	if (c->q_len == c->q_cap) {
		unsigned cap = c->q_cap ? c->q_cap * 2 : 8;
		struct xta_window *q = xta_malloc(cap * sizeof(*q));

		for (unsigned i = 0; i < c->q_len; i++)
			q[i] = c->q[(c->q_head + i) % c->q_cap];
		free(c->q);
		c->q = q;
		c->q_head = 0;
		c->q_cap = cap;
	}
	c->q[(c->q_head + c->q_len) % c->q_cap] = *w;
	c->q_len++;
	r->queued += r->mapped ? 1 : w->len;
	/* A window for a waiting or not yet seen pCPU brings it (back)
	 * into the merge. */
	if (c->state != CPU_ACTIVE)
		activate(r, c);
}

static bool queue_pop(struct xta_reader *r, struct xta_cpu *c,
		      struct xta_window *w)
{
	if (!c->q_len)
		return false;
	*w = c->q[c->q_head];
	c->q_head = (c->q_head + 1) % c->q_cap;
	c->q_len--;
	r->queued -= r->mapped ? 1 : w->len;
	return true;
}

/* ---- the scan: window headers in file order ---- */

/* Reads n bytes of a stream at the scan position. Returns the number read
 * (less than n only at the end of the data) or -1 after recording an
 * error. */
static ssize_t scan_read(struct xta_reader *r, void *buf, size_t n)
{
	char msg[200];
	ssize_t got = xta_input_read(r->in, buf, n, msg, sizeof(msg));

	if (got < 0) {
		set_error(r, XTA_READ_IO, r->scan_off, "%s", msg);
		return -1;
	}
	return got;
}

/* Gives back mapped pages every pCPU has left behind. */
static void release_behind(struct xta_reader *r)
{
	uint64_t low = r->scan_off;

	for (unsigned i = 0; i < r->nr_active; i++) {
		struct xta_cpu *c = r->cpus[r->active[i]];

		if (c->win_data && c->win_offset < low)
			low = c->win_offset;
		if (c->q_len && c->q[c->q_head].hdr_offset < low)
			low = c->q[c->q_head].hdr_offset;
	}
	xta_input_release(r->in, low);
}

/*
 * Finds the next window and queues it on its pCPU. Returns that pCPU, or
 * NULL at the end of the usable data (scan_done is then set, and an error
 * recorded when the data did not end cleanly).
 */
static struct xta_cpu *scan_one(struct xta_reader *r)
{
	uint32_t hdr[3];
	struct xta_window w = { 0 };
	uint64_t off = r->scan_off;
	uint64_t avail;
	unsigned extra;
	struct xta_cpu *c;

	if (r->scan_done)
		return NULL;
	if (r->mapped) {
		if (off >= r->map_len)
			goto eof;
		avail = r->map_len - off;
		if (avail < CPU_CHANGE_SIZE) {
			set_error(r, XTA_READ_TRUNCATED, off,
				  "trace ends inside a cpu_change record at offset %" PRIu64
				  " (%" PRIu64 " of %u bytes present)",
				  off, avail, CPU_CHANGE_SIZE);
			goto eof;
		}
		memcpy(hdr, r->map + off, sizeof(hdr));
	} else {
		ssize_t got = scan_read(r, hdr, sizeof(hdr));

		if (got < 0)
			goto eof;
		if (got == 0)
			goto eof;
		if (got < (ssize_t)sizeof(hdr)) {
			set_error(r, XTA_READ_TRUNCATED, off,
				  "trace ends inside a cpu_change record at offset %" PRIu64
				  " (%zd of %u bytes present)",
				  off, got, CPU_CHANGE_SIZE);
			r->stats.bytes += (uint64_t)got;
			goto eof;
		}
	}

	extra = (hdr[0] >> 28) & 7;
	if ((hdr[0] & 0x0fffffff) != TRC_TRACE_CPU_CHANGE || (hdr[0] >> 31) ||
	    extra != 2) {
		set_error(r, XTA_READ_CORRUPT, off,
			  "%s at offset %" PRIu64 ": expected a cpu_change record "
			  "(header 0x%08x), found 0x%08x",
			  off ? "corrupt window header" : "not a xentrace file",
			  off, (unsigned)(TRC_TRACE_CPU_CHANGE | (2u << 28)),
			  (unsigned)hdr[0]);
		goto eof;
	}
	if (hdr[1] >= XTA_MAX_CPUS) {
		set_error(r, XTA_READ_CORRUPT, off,
			  "corrupt window header at offset %" PRIu64
			  ": pCPU %u is beyond the %u Xen supports",
			  off, (unsigned)hdr[1], XTA_MAX_CPUS);
		goto eof;
	}
	if ((hdr[2] & 3) || hdr[2] > MAX_WINDOW) {
		set_error(r, XTA_READ_CORRUPT, off,
			  "corrupt window header at offset %" PRIu64
			  ": window size %u is %s",
			  off, (unsigned)hdr[2],
			  (hdr[2] & 3) ? "not a multiple of 4" :
			  "larger than any Xen trace buffer");
		goto eof;
	}

	c = cpu_get(r, hdr[1]);
	w.hdr_offset = off;
	w.offset = off + CPU_CHANGE_SIZE;
	w.declared = hdr[2];
	w.len = hdr[2];
	if (r->mapped) {
		avail = r->map_len - w.offset;
		if (avail < w.len)
			w.len = (uint32_t)avail;
		w.data = r->map + w.offset;
	} else if (!w.len) {
		/* An empty window still needs somewhere to point. */
		w.data = (const uint8_t *)&no_data;
	} else {
		ssize_t got;

		w.buf = buf_get(r, w.len);
		w.data = w.buf->data;
		got = scan_read(r, w.buf->data, w.len);
		if (got < 0) {
			buf_put(r, w.buf);
			r->stats.bytes += CPU_CHANGE_SIZE;
			goto eof;
		}
		w.len = (uint32_t)got;
	}
	r->stats.bytes += CPU_CHANGE_SIZE + w.len;
	r->stats.windows++;
	r->scan_off = w.offset + w.len;
	queue_push(r, c, &w);
	if (w.len < w.declared) {
		set_error(r, XTA_READ_TRUNCATED, off,
			  "trace ends inside the window at offset %" PRIu64
			  " (pCPU %u, %u of %u bytes present)",
			  off, c->id, w.len, w.declared);
		r->scan_done = true;
	}
	if (r->mapped && !(r->stats.windows & 255))
		release_behind(r);
	return c;

eof:
	r->scan_done = true;
	/* pCPUs that were waiting for the scan learn there is nothing more. */
	for (unsigned id = 0; id < r->stats.nr_cpus; id++)
		if (r->cpus[id] && r->cpus[id]->state == CPU_STALLED)
			activate(r, r->cpus[id]);
	return NULL;
}

/* ---- per-pCPU progress ---- */

enum fetch { FETCH_FOUND, FETCH_STALLED, FETCH_NONE };

/* Makes c's next window current, scanning ahead for it if needed. */
static enum fetch fetch_window(struct xta_reader *r, struct xta_cpu *c,
			       struct xta_window *w)
{
	while (!queue_pop(r, c, w)) {
		struct xta_cpu *found;

		if (r->queued >= r->queue_limit && !r->scan_done) {
			/* The others' windows would pile up: let c wait
			 * until the scan reaches its next window. */
			r->stats.stalls++;
			return FETCH_STALLED;
		}
		found = scan_one(r);
		if (!found && r->scan_done && !c->q_len)
			return FETCH_NONE;
	}
	return FETCH_FOUND;
}

/* The cpu_change record of a window, delivered so that dump can show it. */
static void window_record(struct xta_reader *r, struct xta_cpu *c,
			  const struct xta_window *w, struct xta_rec *rec)
{
	r->win_words[0] = c->id;
	r->win_words[1] = w->declared;
	rec->tsc = c->last_tsc;
	rec->offset = w->hdr_offset;
	rec->data = r->win_words;
	rec->event = TRC_TRACE_CPU_CHANGE;
	rec->cpu = c->id;
	rec->extra = 2;
	rec->has_tsc = 0;
	rec->kind = XTA_REC_WINDOW;
}

/*
 * Decodes the record at c->pos into c->head_tsc. Returns false when the
 * window has no whole record left (the rest is dropped and, unless the
 * data merely ends there, reported as corrupt).
 */
static bool load_head(struct xta_reader *r, struct xta_cpu *c)
{
	ptrdiff_t left = c->end - c->pos;
	uint32_t hdr;
	size_t size;

	if (left <= 0)
		return false;
	if (left >= 4) {
		memcpy(&hdr, c->pos, sizeof(hdr));
		size = 4 + ((hdr >> 28) & 7) * 4 + ((hdr >> 31) ? 8 : 0);
		if ((size_t)left >= size) {
			uint64_t tsc = c->last_tsc;

			if (hdr >> 31)
				memcpy(&tsc, c->pos + 4, sizeof(tsc));
			c->head_tsc = tsc;
			c->head_valid = true;
			return true;
		}
	} else {
		hdr = 0;
		size = 4;
	}
	if (!c->win_truncated)
		set_error(r, XTA_READ_CORRUPT,
			  c->win_offset + (uint64_t)(c->pos - c->win_data),
			  "corrupt record at offset %" PRIu64
			  " (pCPU %u): header 0x%08x needs %zu bytes, its window has %td left",
			  c->win_offset + (uint64_t)(c->pos - c->win_data),
			  c->id, (unsigned)hdr, size, left);
	c->pos = c->end;
	return false;
}

static void deliver(struct xta_reader *r, struct xta_cpu *c,
		    struct xta_rec *rec)
{
	uint32_t hdr;
	size_t size;

	memcpy(&hdr, c->pos, sizeof(hdr));
	size = 4 + ((hdr >> 28) & 7) * 4 + ((hdr >> 31) ? 8 : 0);
	if (c->head_tsc < c->last_tsc)
		r->stats.tsc_backwards++;
	xta_reader_take(r, c, rec, hdr, size, c->head_tsc);
	c->head_valid = false;
}

/* A window whose first record is older than where another pCPU has got
 * to: the merge had to go on without it (look-ahead bound). */
static void late_check(struct xta_reader *r, struct xta_cpu *c)
{
	uint32_t hdr;
	uint64_t tsc = c->last_tsc;

	if (c->end - c->pos < 12)
		return;
	memcpy(&hdr, c->pos, sizeof(hdr));
	if (hdr >> 31)
		memcpy(&tsc, c->pos + 4, sizeof(tsc));
	if (tsc < r->horizon && tsc >= c->last_tsc)
		r->stats.late_records++;
}

/* Picks the pCPU with the oldest next record; the current one keeps
 * going on a tie. pCPUs whose next record is not decoded yet go first. */
static void choose(struct xta_reader *r, struct xta_cpu *prev)
{
	struct xta_cpu *best = NULL;
	uint64_t best_key = UINT64_MAX, second = UINT64_MAX;

	for (unsigned i = 0; i < r->nr_active; i++) {
		struct xta_cpu *c = r->cpus[r->active[i]];
		uint64_t key = c->head_valid ? c->head_tsc : 0;

		if (!best || key < best_key ||
		    (key == best_key && (c == prev ||
					 (best != prev && c->id < best->id)))) {
			if (best && best_key < second)
				second = best_key;
			best = c;
			best_key = key;
		} else if (key < second) {
			second = key;
		}
	}
	if (prev && prev->last_tsc > r->horizon)
		r->horizon = prev->last_tsc;
	if (best && best->head_valid && best->head_tsc < r->horizon)
		r->stats.late_records++;	/* another pCPU got ahead */
	r->cur = best;
	r->limit = second;
}

int xta_reader_next_slow(struct xta_reader *r, struct xta_rec *rec)
{
	for (;;) {
		struct xta_cpu *c = r->cur;
		struct xta_window w;

		if (!c) {
			choose(r, NULL);
			if (r->cur)
				continue;
			/* Nothing in the merge: the scan may still find pCPUs. */
			if (!scan_one(r) && !r->nr_active)
				return 0;
			continue;
		}
		if (!c->head_valid && !load_head(r, c)) {
			/* The window is used up: on to the pCPU's next one. */
			buf_put(r, c->buf);
			c->buf = NULL;
			c->win_data = NULL;
			switch (fetch_window(r, c, &w)) {
			case FETCH_FOUND:
				c->buf = w.buf;
				c->win_data = w.data;
				c->win_offset = w.offset;
				c->pos = w.data;
				c->end = w.data + w.len;
				c->win_truncated = w.len < w.declared;
				late_check(r, c);
				window_record(r, c, &w, rec);
				return 1;
			case FETCH_STALLED:
				deactivate(r, c, CPU_STALLED);
				continue;
			case FETCH_NONE:
				deactivate(r, c, CPU_ENDED);
				rec->tsc = c->last_tsc;
				rec->offset = r->scan_off;
				rec->data = NULL;
				rec->event = 0;
				rec->cpu = c->id;
				rec->extra = 0;
				rec->has_tsc = 0;
				rec->kind = XTA_REC_CPU_END;
				return 1;
			}
		}
		if (c->head_tsc <= r->limit) {
			deliver(r, c, rec);
			return 1;
		}
		choose(r, c);
	}
}

static void reader_init(struct xta_reader *r, const struct xta_reader_opts *opts)
{
	uint64_t len;

	r->map = xta_input_map(r->in, &len);
	r->mapped = xta_input_kind(r->in) == XTA_INPUT_MAPPED;
	r->map_len = len;
	r->active = xta_calloc(XTA_MAX_CPUS, sizeof(*r->active));
	r->queue_limit = opts && opts->reorder_limit ? opts->reorder_limit :
			 r->mapped ? DEFAULT_MAPPED_LIMIT : DEFAULT_STREAM_LIMIT;
	r->limit = UINT64_MAX;

	/*
	 * xentrace writes one window per pCPU with data on each pass, so the
	 * first pass tells which pCPUs there are: scan until a pCPU shows up
	 * twice, and all of them start the merge together.
	 */
	for (;;) {
		struct xta_cpu *c = scan_one(r);

		if (!c || c->q_len > 1)
			break;
	}
}

int xta_reader_open(struct xta_reader **out, const char *path,
		    const struct xta_reader_opts *opts, char *err,
		    size_t errlen)
{
	struct xta_reader *r = xta_calloc(1, sizeof(*r));

	if (xta_input_open(&r->in, path, opts && opts->force_stream, err,
			   errlen)) {
		free(r);
		return -1;
	}
	reader_init(r, opts);
	*out = r;
	return 0;
}

int xta_reader_open_mem(struct xta_reader **out, const void *data,
			size_t len, const struct xta_reader_opts *opts,
			char *err, size_t errlen)
{
	struct xta_reader *r = xta_calloc(1, sizeof(*r));

	if (xta_input_open_mem(&r->in, data, len, opts && opts->force_stream,
			       err, errlen)) {
		free(r);
		return -1;
	}
	reader_init(r, opts);
	*out = r;
	return 0;
}

const char *xta_reader_input_desc(const struct xta_reader *r)
{
	return xta_input_desc(r->in);
}

void xta_reader_close(struct xta_reader *r)
{
	struct xta_buf *b;

	if (!r)
		return;
	for (unsigned id = 0; id < XTA_MAX_CPUS; id++) {
		struct xta_cpu *c = r->cpus[id];
		struct xta_window w;

		if (!c)
			continue;
		while (queue_pop(r, c, &w))
			buf_put(r, w.buf);
		buf_put(r, c->buf);
		free(c->q);
		free(c);
	}
	while ((b = r->free_bufs)) {
		r->free_bufs = b->next;
		free(b);
	}
	free(r->active);
	xta_input_close(r->in);
	free(r);
}
