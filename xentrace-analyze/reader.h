/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The xentrace file format as Xen 4.17's xentrace writes it, and the merge
 * of its per-pCPU streams into one stream in time order.
 *
 * A file is a sequence of windows. Each starts with a TRC_TRACE_CPU_CHANGE
 * record (no TSC, two words: the pCPU and the byte size of the window) and
 * holds whole records copied out of that pCPU's trace buffer. A record is
 * a u32 header (event in bits 0-27, number of extra words in bits 28-30,
 * bit 31 set when a u64 TSC follows), the TSC, then the extra words. A
 * record without a TSC happened at its pCPU's previous TSC.
 *
 * Records of one pCPU are in time order; the merge keeps one cursor per
 * pCPU and always delivers the record with the smallest TSC, staying on
 * the same pCPU on ties (what xenalyze does). Memory does not depend on
 * the trace length: a mapped file is read in place through the cursors,
 * and a stream (stdin, .xz, .gz) keeps only the windows the merge has not
 * reached yet, up to a bound (see xta_reader_opts.reorder_limit).
 */
#ifndef XTA_READER_H
#define XTA_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Xen 4.17 on x86 supports at most 4096 pCPUs. */
#define XTA_MAX_CPUS 4096

enum xta_rec_kind {
	XTA_REC_EVENT,		/* a trace record */
	XTA_REC_WINDOW,		/* a window of this pCPU starts (cpu_change) */
	XTA_REC_CPU_END,	/* no more records from this pCPU */
};

struct xta_rec {
	uint64_t tsc;		/* own TSC, or the previous one of its pCPU */
	uint64_t offset;	/* byte offset in the (decompressed) trace */
	const uint32_t *data;	/* extra words, 4-byte aligned */
	uint32_t event;		/* bits 0-27 of the header */
	uint16_t cpu;
	uint8_t extra;		/* number of extra words, 0..7 */
	uint8_t has_tsc;
	uint8_t kind;		/* enum xta_rec_kind */
};

enum xta_read_status {
	XTA_READ_OK = 0,
	XTA_READ_TRUNCATED,	/* the data ends inside a window or record */
	XTA_READ_CORRUPT,	/* a header makes no sense at that offset */
	XTA_READ_IO,		/* read or decompression error */
};

struct xta_reader_error {
	enum xta_read_status status;	/* of the first problem met */
	uint64_t offset;		/* where, in the decompressed trace */
	unsigned count;			/* problems met in all */
	char msg[256];
};

struct xta_reader_stats {
	uint64_t bytes;		/* trace bytes scanned */
	uint64_t records;	/* XTA_REC_EVENT records delivered */
	uint64_t windows;
	uint64_t tsc_backwards;	/* records older than their pCPU's previous */
	uint64_t late_records;	/* stretches of records delivered after a
				 * newer record of another pCPU: the
				 * look-ahead bound was hit */
	uint64_t stalls;	/* times a pCPU waited beyond the bound */
	unsigned nr_cpus;	/* highest pCPU seen + 1 */
};

struct xta_reader_opts {
	/*
	 * Streams: bytes of windows the merge may hold ahead of the slowest
	 * pCPU (0: 64 MiB). Mapped files: window descriptors held (0: 1 Mi).
	 * Past it a pCPU's next window is taken when the scan reaches it,
	 * and a record older than one already delivered counts as late.
	 */
	size_t reorder_limit;
	bool force_stream;	/* read a plain file as a stream (tests) */
};

struct xta_input;
struct xta_window;
struct xta_buf;

/* One pCPU's cursor. Private to reader.c apart from the fast path. */
struct xta_cpu {
	const uint8_t *pos, *end;	/* the window being read */
	const uint8_t *win_data;	/* its first byte */
	uint64_t win_offset;		/* its offset in the trace */
	uint64_t last_tsc;
	uint64_t head_tsc;		/* TSC of the record at pos */
	bool head_valid;
	bool win_truncated;
	uint8_t state;
	uint16_t id;
	struct xta_buf *buf;		/* streams: the window's storage */
	struct xta_window *q;		/* windows found, not reached yet */
	unsigned q_head, q_len, q_cap;
};

struct xta_reader {
	struct xta_cpu *cur;	/* the pCPU being delivered */
	uint64_t limit;		/* smallest next TSC among the others */
	struct xta_reader_stats stats;
	struct xta_reader_error err;

	struct xta_input *in;
	bool mapped;
	const uint8_t *map;
	uint64_t map_len;

	struct xta_cpu *cpus[XTA_MAX_CPUS];
	uint16_t *active;	/* pCPUs taking part in the merge */
	unsigned nr_active;

	uint64_t scan_off;	/* next window header to look at */
	bool scan_done;
	size_t queued;		/* bytes (streams) or windows (mapped) held */
	size_t queue_limit;
	struct xta_buf *free_bufs;
	uint32_t win_words[2];	/* payload of the last XTA_REC_WINDOW */
	uint64_t horizon;	/* newest TSC a pCPU was left at */
};

/*
 * Opens a trace ("-" for stdin). Returns 0, or -1 with a sentence in err
 * when the input cannot be opened at all; problems inside the trace are
 * reported by xta_reader_error() once xta_reader_next() has returned 0.
 */
int xta_reader_open(struct xta_reader **out, const char *path,
		    const struct xta_reader_opts *opts, char *err,
		    size_t errlen);
int xta_reader_open_mem(struct xta_reader **out, const void *data,
			size_t len, const struct xta_reader_opts *opts,
			char *err, size_t errlen);
void xta_reader_close(struct xta_reader *r);

const char *xta_reader_input_desc(const struct xta_reader *r);

int xta_reader_next_slow(struct xta_reader *r, struct xta_rec *rec);

/*
 * Fills rec from the record of size bytes with header hdr at c->pos, with
 * the given TSC, and moves c past it. Shared by the inline fast path and
 * the merge in reader.c, so both deliver records alike.
 */
static inline void xta_reader_take(struct xta_reader *r, struct xta_cpu *c,
				   struct xta_rec *rec, uint32_t hdr,
				   size_t size, uint64_t tsc)
{
	rec->tsc = tsc;
	rec->offset = c->win_offset + (uint64_t)(c->pos - c->win_data);
	rec->data = (const uint32_t *)(c->pos + size - ((hdr >> 28) & 7) * 4);
	rec->event = hdr & 0x0fffffff;
	rec->cpu = c->id;
	rec->extra = (hdr >> 28) & 7;
	rec->has_tsc = hdr >> 31;
	rec->kind = XTA_REC_EVENT;
	c->pos += size;
	c->last_tsc = tsc;
	r->stats.records++;
}

/*
 * The next record in time order: 1, or 0 at the end of the trace (or of
 * its usable part: check xta_reader_error()). The data pointer stays
 * valid until the next call.
 */
static inline int xta_reader_next(struct xta_reader *r, struct xta_rec *rec)
{
	struct xta_cpu *c = r->cur;

	if (__builtin_expect(c != NULL, 1) && c->end - c->pos >= 4) {
		uint32_t hdr;
		size_t size;
		uint64_t tsc = c->last_tsc;

		memcpy(&hdr, c->pos, sizeof(hdr));
		size = 4 + ((hdr >> 28) & 7) * 4 + ((hdr >> 31) ? 8 : 0);
		if ((size_t)(c->end - c->pos) >= size) {
			if (hdr >> 31)
				memcpy(&tsc, c->pos + 4, sizeof(tsc));
			if (tsc <= r->limit && tsc >= c->last_tsc) {
				xta_reader_take(r, c, rec, hdr, size, tsc);
				return 1;
			}
		}
	}
	return xta_reader_next_slow(r, rec);
}

static inline const struct xta_reader_error *
xta_reader_error(const struct xta_reader *r)
{
	return &r->err;
}

static inline const struct xta_reader_stats *
xta_reader_stats(const struct xta_reader *r)
{
	return &r->stats;
}

#endif
