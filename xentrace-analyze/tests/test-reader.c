// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The reader on traces built byte by byte in the tests: the merge by TSC,
 * records without TSC, lost-records and wrap records, and every way a
 * file can be damaged (truncated window or header, corrupt header or
 * record, foreign data), through the mapped and the stream paths, plain
 * and compressed.
 */
#include <lzma.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xen/trace.h>
#include <zlib.h>

#include "analyze.h"
#include "input.h"
#include "reader.h"
#include "synth.h"
#include "../../tests/cunit_runner.h"

/* What a test keeps of each delivered record. */
struct got {
	uint8_t kind;
	uint16_t cpu;
	uint8_t has_tsc;
	uint8_t extra;
	uint32_t event;
	uint64_t tsc;
	uint64_t offset;
	uint32_t w0;
};

struct run {
	struct got *rec;
	unsigned n, cap;
	struct xta_reader_error err;
	struct xta_reader_stats stats;
	bool opened;
	char open_err[256];
};

static void run_free(struct run *r)
{
	free(r->rec);
	memset(r, 0, sizeof(*r));
}

static void collect(struct xta_reader *rd, struct run *out)
{
	struct xta_rec rec;

	while (xta_reader_next(rd, &rec)) {
		struct got *g;

		if (out->n == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 64;
			out->rec = realloc(out->rec, out->cap * sizeof(*out->rec));
		}
		g = &out->rec[out->n++];
		g->kind = rec.kind;
		g->cpu = rec.cpu;
		g->has_tsc = rec.has_tsc;
		g->extra = rec.extra;
		g->event = rec.event;
		g->tsc = rec.tsc;
		g->offset = rec.offset;
		g->w0 = rec.extra ? rec.data[0] : 0;
	}
	out->err = *xta_reader_error(rd);
	out->stats = *xta_reader_stats(rd);
}

static void read_mem(const void *buf, size_t len, bool stream, size_t limit,
		     struct run *out)
{
	struct xta_reader *rd;
	struct xta_reader_opts o = { .force_stream = stream, .reorder_limit = limit };

	memset(out, 0, sizeof(*out));
	if (xta_reader_open_mem(&rd, buf, len, &o, out->open_err,
				sizeof(out->open_err)))
		return;
	out->opened = true;
	collect(rd, out);
	xta_reader_close(rd);
}

static void read_path(const char *path, bool stream, struct run *out)
{
	struct xta_reader *rd;
	struct xta_reader_opts o = { .force_stream = stream };

	memset(out, 0, sizeof(*out));
	if (xta_reader_open(&rd, path, &o, out->open_err, sizeof(out->open_err)))
		return;
	out->opened = true;
	collect(rd, out);
	xta_reader_close(rd);
}

/* Only the trace records (no window starts or pCPU ends). */
static unsigned events(const struct run *r, struct got *out, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < r->n; i++)
		if (r->rec[i].kind == XTA_REC_EVENT) {
			if (n < max)
				out[n] = r->rec[i];
			n++;
		}
	return n;
}

static bool same_runs(const struct run *a, const struct run *b)
{
	if (a->n != b->n || a->err.status != b->err.status)
		return false;
	for (unsigned i = 0; i < a->n; i++)
		if (a->rec[i].kind != b->rec[i].kind || a->rec[i].cpu != b->rec[i].cpu ||
		    a->rec[i].tsc != b->rec[i].tsc || a->rec[i].event != b->rec[i].event ||
		    (a->rec[i].kind == XTA_REC_EVENT && a->rec[i].offset != b->rec[i].offset))
			return false;
	return true;
}

#define EV(n) (0x0001f000u + 0x100u + (n))	/* distinct, harmless events */

/* ---- the merge ---- */

static void test_merge_by_tsc(void)
{
	struct synth s;
	struct run r;
	struct got e[16];
	static const uint64_t want[] = { 10, 20, 30, 40, 50, 55, 60, 70 };
	unsigned n;

	synth_init(&s);
	synth_window(&s, 0);
	synth_rec0(&s, EV(1), 10);
	synth_rec0(&s, EV(3), 30);
	synth_rec0(&s, EV(5), 50);
	synth_window(&s, 1);
	synth_rec0(&s, EV(2), 20);
	synth_rec0(&s, EV(4), 40);
	synth_window(&s, 0);
	synth_rec0(&s, EV(7), 60);
	synth_window(&s, 1);
	synth_rec0(&s, EV(6), 55);
	synth_rec0(&s, EV(8), 70);
	synth_close(&s);

	for (int stream = 0; stream < 2; stream++) {
		read_mem(s.buf, s.len, stream, 0, &r);
		CU_ASSERT_TRUE_FATAL(r.opened);
		CU_ASSERT_EQUAL(r.err.status, XTA_READ_OK);
		n = events(&r, e, 16);
		CU_ASSERT_EQUAL_FATAL(n, 8);
		for (unsigned i = 0; i < n; i++) {
			CU_ASSERT_EQUAL(e[i].tsc, want[i]);
			CU_ASSERT_EQUAL(e[i].event, EV(i + 1));
		}
		/* pCPU 0's end comes right after its last record (60),
		 * before pCPU 1's 70. */
		CU_ASSERT_EQUAL(r.rec[r.n - 1].kind, XTA_REC_CPU_END);
		CU_ASSERT_EQUAL(r.rec[r.n - 1].cpu, 1);
		CU_ASSERT_EQUAL(r.rec[r.n - 2].tsc, 70);
		CU_ASSERT_EQUAL(r.rec[r.n - 3].kind, XTA_REC_CPU_END);
		CU_ASSERT_EQUAL(r.rec[r.n - 3].cpu, 0);
		CU_ASSERT_EQUAL(r.stats.windows, 4);
		CU_ASSERT_EQUAL(r.stats.nr_cpus, 2);
		CU_ASSERT_EQUAL(r.stats.late_records, 0);
		run_free(&r);
	}
	synth_free(&s);
}

static void test_ties_stay_on_pcpu(void)
{
	struct synth s;
	struct run r;
	struct got e[8];

	synth_init(&s);
	synth_window(&s, 0);
	synth_rec0(&s, EV(1), 10);
	synth_rec0(&s, EV(2), 20);
	synth_rec0(&s, EV(3), 20);
	synth_window(&s, 1);
	synth_rec0(&s, EV(4), 20);
	synth_rec0(&s, EV(5), 30);
	synth_close(&s);
	read_mem(s.buf, s.len, false, 0, &r);
	CU_ASSERT_EQUAL_FATAL(events(&r, e, 8), 5);
	for (unsigned i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(e[i].event, EV(i + 1));
	run_free(&r);
	synth_free(&s);
}

static void test_records_without_tsc(void)
{
	struct synth s;
	struct run r;
	struct got e[8];
	uint32_t w = 7;

	synth_init(&s);
	synth_window(&s, 0);
	synth_rec0(&s, EV(1), 100);
	synth_rec(&s, EV(2), false, 0, 1, &w);
	synth_window(&s, 1);
	synth_rec0(&s, EV(4), 150);
	synth_window(&s, 0);
	/* A window may start with a record without TSC: it happened at the
	 * pCPU's previous TSC, before pCPU 1's 150. */
	synth_rec(&s, EV(3), false, 0, 0, NULL);
	synth_rec0(&s, EV(5), 200);
	synth_close(&s);
	read_mem(s.buf, s.len, false, 0, &r);
	CU_ASSERT_EQUAL_FATAL(events(&r, e, 8), 5);
	for (unsigned i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(e[i].event, EV(i + 1));
	CU_ASSERT_EQUAL(e[1].tsc, 100);
	CU_ASSERT_FALSE(e[1].has_tsc);
	CU_ASSERT_EQUAL(e[1].w0, 7);
	CU_ASSERT_EQUAL(e[2].tsc, 100);
	CU_ASSERT_FALSE(e[2].has_tsc);
	CU_ASSERT_TRUE(e[3].has_tsc);
	run_free(&r);
	synth_free(&s);
}

static void test_lost_and_wrap_records(void)
{
	struct synth s;
	struct xta_reader *rd;
	struct xta_analysis *a;
	uint32_t lost[4] = { 42, 0 | 0 << 16, 0, 0 };
	uint32_t pad[5] = { 0 };
	char err[256];
	uint64_t first = 150;

	memcpy(&lost[2], &first, sizeof(first));
	synth_init(&s);
	synth_window(&s, 0);
	synth_runstate(&s, 100, 0, 0, 1, 0);	/* d0v0 runnable -> running */
	synth_rec(&s, TRC_TRACE_WRAP_BUFFER, true, 120, 5, pad);
	synth_rec(&s, TRC_LOST_RECORDS, true, 200, 4, lost);
	synth_rec1(&s, TRC_PV_HYPERCALL_V2, 210, 1);
	synth_close(&s);

	CU_ASSERT_EQUAL_FATAL(xta_reader_open_mem(&rd, s.buf, s.len, NULL, err,
						  sizeof(err)), 0);
	a = xta_analysis_new();
	xta_analysis_run(a, rd);
	CU_ASSERT_EQUAL(a->rerr.status, XTA_READ_OK);
	CU_ASSERT_EQUAL(a->records, 4);
	CU_ASSERT_EQUAL(a->pcpu[0]->lost_records, 42);
	CU_ASSERT_EQUAL(a->pcpu[0]->lost.cycles, 50);
	/* The wrap record is read past, and counted as trace volume. */
	CU_ASSERT_EQUAL(a->pcpu[0]->volume[XTA_CLASS_GEN], (4 + 8 + 20) + (4 + 8 + 16));
	/* d0v0 ran when the records were lost, and runs on: the hypercall
	 * after the loss is still its. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(xta_domain_find(a, 0));
	CU_ASSERT_PTR_NOT_NULL_FATAL(xta_domain_find(a, 0)->vcpu[0]->pv);
	CU_ASSERT_EQUAL(xta_domain_find(a, 0)->vcpu[0]->pv->hypercall[1], 1);
	xta_analysis_free(a);
	xta_reader_close(rd);
	synth_free(&s);
}

/* A pCPU that stops early ends right after its last record. */
static void test_pcpu_ends_early(void)
{
	struct synth s;
	struct run r;

	synth_init(&s);
	synth_window(&s, 0);
	synth_rec0(&s, EV(1), 10);
	synth_window(&s, 1);
	synth_rec0(&s, EV(2), 15);
	for (int i = 0; i < 50; i++) {
		synth_window(&s, 0);
		synth_rec0(&s, EV(3), 20 + (uint64_t)i);
	}
	synth_close(&s);
	for (int stream = 0; stream < 2; stream++) {
		unsigned i;

		read_mem(s.buf, s.len, stream, 0, &r);
		for (i = 0; i < r.n; i++)
			if (r.rec[i].kind == XTA_REC_EVENT && r.rec[i].tsc == 15)
				break;
		/* Its last record, then at once its end: before pCPU 0's 20. */
		CU_ASSERT_FATAL(i + 1 < r.n);
		CU_ASSERT_EQUAL(r.rec[i + 1].kind, XTA_REC_CPU_END);
		CU_ASSERT_EQUAL(r.rec[i + 1].cpu, 1);
		CU_ASSERT_EQUAL(r.rec[i + 1].tsc, 15);
		for (unsigned j = 0; j < i; j++)
			CU_ASSERT(r.rec[j].kind != XTA_REC_EVENT || r.rec[j].tsc < 15);
		run_free(&r);
	}
	synth_free(&s);
}

static void test_empty_window(void)
{
	struct synth s;
	struct run r;
	struct got e[4];

	synth_init(&s);
	synth_window(&s, 0);
	synth_window(&s, 1);
	synth_rec0(&s, EV(1), 10);
	synth_window(&s, 0);
	synth_rec0(&s, EV(2), 20);
	synth_close(&s);
	read_mem(s.buf, s.len, false, 0, &r);
	CU_ASSERT_EQUAL(r.err.status, XTA_READ_OK);
	CU_ASSERT_EQUAL(events(&r, e, 4), 2);
	run_free(&r);
	synth_free(&s);
}

/* ---- damage ---- */

static struct synth three_windows(size_t *last_win, size_t *last_rec)
{
	struct synth s;

	synth_init(&s);
	synth_window(&s, 0);
	synth_rec1(&s, EV(1), 10, 1);
	synth_rec1(&s, EV(2), 20, 2);
	synth_window(&s, 1);
	synth_rec1(&s, EV(3), 15, 3);
	*last_win = s.len;
	synth_window(&s, 0);
	synth_rec1(&s, EV(4), 30, 4);
	*last_rec = synth_rec1(&s, EV(5), 40, 5);
	synth_close(&s);
	return s;
}

static void test_truncated_window(void)
{
	size_t win, rec;
	struct synth s = three_windows(&win, &rec);
	struct run r;
	struct got e[8];
	char want[64];

	for (int stream = 0; stream < 2; stream++) {
		/* Cut in the middle of the last record. */
		read_mem(s.buf, rec + 6, stream, 0, &r);
		CU_ASSERT_TRUE_FATAL(r.opened);
		CU_ASSERT_EQUAL(r.err.status, XTA_READ_TRUNCATED);
		CU_ASSERT_EQUAL(r.err.offset, win);
		snprintf(want, sizeof(want), "offset %zu", win);
		CU_ASSERT_PTR_NOT_NULL(strstr(r.err.msg, want));
		CU_ASSERT_PTR_NOT_NULL(strstr(r.err.msg, "pCPU 0"));
		/* Everything before the cut is there. */
		CU_ASSERT_EQUAL(events(&r, e, 8), 4);
		CU_ASSERT_EQUAL(e[3].event, EV(4));
		run_free(&r);
	}
	synth_free(&s);
}

static void test_truncated_header(void)
{
	size_t win, rec;
	struct synth s = three_windows(&win, &rec);
	struct run r;
	struct got e[8];

	for (int stream = 0; stream < 2; stream++) {
		read_mem(s.buf, win + 5, stream, 0, &r);
		CU_ASSERT_EQUAL(r.err.status, XTA_READ_TRUNCATED);
		CU_ASSERT_EQUAL(r.err.offset, win);
		CU_ASSERT_PTR_NOT_NULL(strstr(r.err.msg, "cpu_change"));
		CU_ASSERT_EQUAL(events(&r, e, 8), 3);
		run_free(&r);
	}
	synth_free(&s);
}

static void test_corrupt_header(void)
{
	size_t win, rec;
	struct synth s = three_windows(&win, &rec);
	struct run r;
	struct got e[8];
	uint32_t junk = 0xdeadbeef;
	char want[64];

	memcpy(s.buf + win, &junk, sizeof(junk));
	for (int stream = 0; stream < 2; stream++) {
		read_mem(s.buf, s.len, stream, 0, &r);
		CU_ASSERT_EQUAL(r.err.status, XTA_READ_CORRUPT);
		CU_ASSERT_EQUAL(r.err.offset, win);
		snprintf(want, sizeof(want), "corrupt window header at offset %zu", win);
		CU_ASSERT_PTR_NOT_NULL(strstr(r.err.msg, want));
		CU_ASSERT_PTR_NOT_NULL(strstr(r.err.msg, "0xdeadbeef"));
		CU_ASSERT_EQUAL(events(&r, e, 8), 3);
		run_free(&r);
	}
	/* A pCPU number Xen cannot have, a size no buffer has. */
	junk = 5000;
	memcpy(s.buf + win, &(uint32_t){ TRC_TRACE_CPU_CHANGE | 2u << 28 }, 4);
	memcpy(s.buf + win + 4, &junk, sizeof(junk));
	read_mem(s.buf, s.len, false, 0, &r);
	CU_ASSERT_EQUAL(r.err.status, XTA_READ_CORRUPT);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err.msg, "pCPU 5000"));
	run_free(&r);
	junk = 0;
	memcpy(s.buf + win + 4, &junk, sizeof(junk));
	junk = 6;
	memcpy(s.buf + win + 8, &junk, sizeof(junk));
	read_mem(s.buf, s.len, false, 0, &r);
	CU_ASSERT_EQUAL(r.err.status, XTA_READ_CORRUPT);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err.msg, "multiple of 4"));
	run_free(&r);
	synth_free(&s);
}

static void test_corrupt_record(void)
{
	struct synth s;
	struct run r;
	struct got e[8];
	size_t bad;
	uint32_t w[2] = { 1, 2 };
	char want[64];

	synth_init(&s);
	synth_window(&s, 0);
	synth_rec0(&s, EV(1), 10);
	/* Claims 7 extra words; the window holds 2 more. */
	bad = s.len;
	synth_raw(&s, &(uint32_t){ EV(9) | 7u << 28 }, 4);
	synth_raw(&s, w, sizeof(w));
	synth_window(&s, 0);
	synth_rec0(&s, EV(2), 20);
	synth_close(&s);
	for (int stream = 0; stream < 2; stream++) {
		read_mem(s.buf, s.len, stream, 0, &r);
		CU_ASSERT_EQUAL(r.err.status, XTA_READ_CORRUPT);
		CU_ASSERT_EQUAL(r.err.offset, bad);
		snprintf(want, sizeof(want), "corrupt record at offset %zu", bad);
		CU_ASSERT_PTR_NOT_NULL(strstr(r.err.msg, want));
		/* The pCPU's next window is still read. */
		CU_ASSERT_EQUAL_FATAL(events(&r, e, 8), 2);
		CU_ASSERT_EQUAL(e[1].event, EV(2));
		run_free(&r);
	}
	synth_free(&s);
}

static void test_foreign_and_empty(void)
{
	static const char text[] = "#!/bin/sh\necho this is not a trace\n";
	struct run r;
	char *path;

	read_mem(text, sizeof(text), false, 0, &r);
	CU_ASSERT_TRUE(r.opened);
	CU_ASSERT_EQUAL(r.err.status, XTA_READ_CORRUPT);
	CU_ASSERT_EQUAL(r.err.offset, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err.msg, "not a xentrace file"));
	CU_ASSERT_EQUAL(r.n, 0);
	run_free(&r);

	path = synth_tmpfile("", 0, ".bin");
	read_path(path, false, &r);
	CU_ASSERT_FALSE(r.opened);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.open_err, "empty"));
	unlink(path);
	free(path);

	read_path("/nonexistent/trace.bin", false, &r);
	CU_ASSERT_FALSE(r.opened);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.open_err, "No such file"));
}

/* ---- the stream path ---- */

/* A trace of several pCPUs with interleaved windows. */
static struct synth busy_trace(unsigned ncpus, unsigned windows)
{
	struct synth s;
	uint64_t tsc[8] = { 0 };
	uint32_t seed = 12345;

	synth_init(&s);
	for (unsigned w = 0; w < windows; w++) {
		unsigned cpu = w % ncpus;
		unsigned n;

		seed = seed * 1103515245 + 12345;
		n = 1 + (seed >> 16) % 20;
		synth_window(&s, cpu);
		for (unsigned i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			tsc[cpu] += 1 + (seed >> 16) % 100;
			if (i % 3 == 2)
				synth_rec(&s, EV(cpu), false, 0, 1, &seed);
			else
				synth_rec(&s, EV(cpu), true, tsc[cpu] * 8 + cpu, 1, &seed);
		}
	}
	synth_close(&s);
	return s;
}

static void test_stream_equals_mapped(void)
{
	struct synth s = busy_trace(4, 400);
	struct run mapped, stream, bounded;
	struct got e[1];
	unsigned total;

	read_mem(s.buf, s.len, false, 0, &mapped);
	read_mem(s.buf, s.len, true, 0, &stream);
	CU_ASSERT_EQUAL(mapped.err.status, XTA_READ_OK);
	CU_ASSERT_TRUE(same_runs(&mapped, &stream));
	total = events(&mapped, e, 0);
	CU_ASSERT(total > 1000);
	/* Ordered: a merge never goes back in time on a clean trace. */
	for (unsigned i = 1; i < mapped.n; i++)
		if (mapped.rec[i].kind == XTA_REC_EVENT)
			CU_ASSERT(mapped.rec[i].tsc >= mapped.rec[i - 1].tsc ||
				  mapped.rec[i - 1].kind != XTA_REC_EVENT);

	/* With almost no room to look ahead every record still arrives. */
	read_mem(s.buf, s.len, true, 64, &bounded);
	CU_ASSERT_EQUAL(bounded.err.status, XTA_READ_OK);
	CU_ASSERT_EQUAL(events(&bounded, e, 0), total);
	/* ... and when they come out of order, that is said. */
	CU_ASSERT(bounded.stats.stalls > 0);
	CU_ASSERT(same_runs(&mapped, &bounded) || bounded.stats.late_records > 0);
	run_free(&mapped);
	run_free(&stream);
	run_free(&bounded);
	synth_free(&s);
}

static void test_compressed(void)
{
	struct synth s = busy_trace(3, 100);
	struct run plain, xz, gz, xz_cut;
	size_t cap = s.len + 4096, xz_len = 0;
	uint8_t *xz_buf = malloc(cap), *gz_buf = malloc(cap);
	z_stream z;

	CU_ASSERT_EQUAL_FATAL(lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, NULL,
						      s.buf, s.len, xz_buf,
						      &xz_len, cap), LZMA_OK);
	memset(&z, 0, sizeof(z));
	CU_ASSERT_EQUAL_FATAL(deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8,
					   Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = s.buf;
	z.avail_in = (uInt)s.len;
	z.next_out = gz_buf;
	z.avail_out = (uInt)cap;
	CU_ASSERT_EQUAL_FATAL(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);

	read_mem(s.buf, s.len, false, 0, &plain);
	read_mem(xz_buf, xz_len, false, 0, &xz);
	read_mem(gz_buf, z.total_out, false, 0, &gz);
	CU_ASSERT_TRUE(same_runs(&plain, &xz));
	CU_ASSERT_TRUE(same_runs(&plain, &gz));

	/* A cut compressed file: what decompresses is read, then an error. */
	read_mem(xz_buf, xz_len / 2, false, 0, &xz_cut);
	CU_ASSERT_NOT_EQUAL(xz_cut.err.status, XTA_READ_OK);
	CU_ASSERT(xz_cut.n > 0);
	CU_ASSERT(xz_cut.n < plain.n);
	run_free(&plain);
	run_free(&xz);
	run_free(&gz);
	run_free(&xz_cut);
	free(xz_buf);
	free(gz_buf);
	synth_free(&s);
}

/* "-" reads standard input, here a pipe that cannot be mapped. */
static void test_stdin_pipe(void)
{
	struct synth s = busy_trace(2, 50);
	struct run plain, piped;
	int fds[2], saved;
	pid_t child;

	read_mem(s.buf, s.len, false, 0, &plain);
	CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
	child = fork();
	CU_ASSERT_FATAL(child >= 0);
	if (child == 0) {
		size_t done = 0;

		close(fds[0]);
		while (done < s.len) {
			ssize_t n = write(fds[1], s.buf + done, s.len - done);

			if (n <= 0)
				_exit(1);
			done += (size_t)n;
		}
		_exit(0);
	}
	close(fds[1]);
	saved = dup(0);
	dup2(fds[0], 0);
	close(fds[0]);
	read_path("-", false, &piped);
	dup2(saved, 0);
	close(saved);
	waitpid(child, NULL, 0);
	CU_ASSERT_TRUE(piped.opened);
	CU_ASSERT_TRUE(same_runs(&plain, &piped));
	run_free(&plain);
	run_free(&piped);
	synth_free(&s);
}

/* The real PV trace through both paths: xz stream vs mapped file. */
static void test_real_trace_both_paths(void)
{
	char xz_path[4096], err[256], *plain_path;
	struct xta_input *in;
	struct run from_xz, from_map;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;

	snprintf(xz_path, sizeof(xz_path), "%s/trace-pv.bin.xz", XTA_TEST_DATA);
	CU_ASSERT_EQUAL_FATAL(xta_input_open(&in, xz_path, false, err, sizeof(err)), 0);
	do {
		if (len + (1 << 20) > cap) {
			cap = cap * 2 + (1 << 20);
			buf = realloc(buf, cap);
		}
		n = xta_input_read(in, buf + len, 1 << 20, err, sizeof(err));
		CU_ASSERT_FATAL(n >= 0);
		len += (size_t)n;
	} while (n > 0);
	xta_input_close(in);
	plain_path = synth_tmpfile(buf, len, ".bin");
	read_path(xz_path, false, &from_xz);
	read_path(plain_path, false, &from_map);
	CU_ASSERT_EQUAL(from_map.err.status, XTA_READ_OK);
	CU_ASSERT_EQUAL(from_map.stats.records, 917696);
	CU_ASSERT_TRUE(same_runs(&from_xz, &from_map));
	unlink(plain_path);
	free(plain_path);
	free(buf);
	run_free(&from_xz);
	run_free(&from_map);
}

/*
 * Random damage: flipped bytes, cuts and splices of a valid trace. The
 * reader and analysis must finish, never crash or hang, and report damage
 * at an offset inside the data. Runs under ASan/UBSan in CI.
 */
static void test_random_damage(void)
{
	struct synth s = busy_trace(3, 60);
	uint8_t *buf = malloc(s.len);
	uint32_t seed = 777;

	for (int iter = 0; iter < 600; iter++) {
		struct xta_reader *rd;
		struct xta_analysis *a;
		size_t len = s.len;
		char err[256];
		struct xta_reader_opts o = { .force_stream = iter & 1 };

		memcpy(buf, s.buf, s.len);
		for (int k = 0; k < 1 + iter % 5; k++) {
			seed = seed * 1103515245 + 12345;
			buf[(seed >> 8) % len] ^= (uint8_t)(1u << (seed % 8)) | (uint8_t)(seed >> 24);
		}
		if (iter % 3 == 0) {
			seed = seed * 1103515245 + 12345;
			len = (seed >> 4) % len;
		}
		if (xta_reader_open_mem(&rd, buf, len, &o, err, sizeof(err)))
			continue;
		a = xta_analysis_new();
		xta_analysis_run(a, rd);
		if (a->rerr.status != XTA_READ_OK)
			CU_ASSERT(a->rerr.offset <= len);
		xta_analysis_free(a);
		xta_reader_close(rd);
	}
	free(buf);
	synth_free(&s);
}

static const struct xlp_test merge_tests[] = {
	{ "merge by TSC, pCPU ends in place", test_merge_by_tsc },
	{ "ties stay on the same pCPU", test_ties_stay_on_pcpu },
	{ "records without TSC", test_records_without_tsc },
	{ "lost-records and wrap records", test_lost_and_wrap_records },
	{ "a pCPU that stops early", test_pcpu_ends_early },
	{ "empty window", test_empty_window },
	{ NULL, NULL },
};

static const struct xlp_test damage_tests[] = {
	{ "truncated last window", test_truncated_window },
	{ "truncated cpu_change header", test_truncated_header },
	{ "corrupt window header", test_corrupt_header },
	{ "corrupt record", test_corrupt_record },
	{ "foreign, empty and missing files", test_foreign_and_empty },
	{ "random damage", test_random_damage },
	{ NULL, NULL },
};

static const struct xlp_test stream_tests[] = {
	{ "stream equals mapped, bounded look-ahead", test_stream_equals_mapped },
	{ "xz and gzip", test_compressed },
	{ "stdin pipe", test_stdin_pipe },
	{ "real trace: xz stream vs mapped file", test_real_trace_both_paths },
	{ NULL, NULL },
};

int main(void)
{
	static const struct xlp_suite suites[] = {
		{ "reader/merge", merge_tests, NULL, NULL },
		{ "reader/damage", damage_tests, NULL, NULL },
		{ "reader/streams", stream_tests, NULL, NULL },
		{ NULL, NULL, NULL, NULL },
	};

	signal(SIGPIPE, SIG_IGN);
	return xlp_cunit_run(suites);
}
