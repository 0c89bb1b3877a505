// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xta-tile: writes COPIES copies of a trace back to back, each copy's TSCs
 * shifted past the end of the one before, so that the result reads as one
 * long trace. bench/analyze uses it to make a trace of any size from a
 * real one.
 *
 *   xta-tile COPIES IN OUT     (IN may be .xz/.gz or -, OUT a plain file)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/trace.h>

#include "input.h"
#include "strparse.h"
#include "util.h"

/* The whole input in memory (a real trace is tens of MB). */
static uint8_t *slurp(const char *path, size_t *len)
{
	struct xta_input *in;
	char err[256];
	uint8_t *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	*len = 0;
	if (xta_input_open(&in, path, true, err, sizeof(err))) {
		fprintf(stderr, "xta-tile: %s\n", err);
		exit(1);
	}
	do {
		if (*len + (1 << 20) > cap) {
			cap = cap * 2 + (1 << 20);
			buf = xta_realloc(buf, cap);
		}
		n = xta_input_read(in, buf + *len, 1 << 20, err, sizeof(err));
		if (n < 0) {
			fprintf(stderr, "xta-tile: %s: %s\n", path, err);
			exit(1);
		}
		*len += (size_t)n;
	} while (n > 0);
	xta_input_close(in);
	return buf;
}

/* Calls fn on the TSC of every record that has one. Returns -1 when the
 * data is not a whole trace. */
static int for_each_tsc(uint8_t *buf, size_t len,
			void (*fn)(uint8_t *tsc, void *arg), void *arg)
{
	size_t off = 0;

	while (off + 12 <= len) {
		uint32_t hdr[3];
		size_t end;

		memcpy(hdr, buf + off, sizeof(hdr));
		if ((hdr[0] & 0x0fffffff) != TRC_TRACE_CPU_CHANGE)
			return -1;
		off += 12;
		end = off + hdr[2];
		if (end > len)
			return -1;
		while (off + 4 <= end) {
			uint32_t h;

			memcpy(&h, buf + off, sizeof(h));
			if (h >> 31)
				fn(buf + off + 4, arg);
			/* lost_records: the first lost TSC moves along. */
			if ((h & 0x0fffffff) == TRC_LOST_RECORDS &&
			    ((h >> 28) & 7) == 4 && (h >> 31))
				fn(buf + off + 4 + 8 + 8, arg);
			off += 4 + ((h >> 28) & 7) * 4 + ((h >> 31) ? 8 : 0);
		}
		if (off != end)
			return -1;
	}
	return off == len ? 0 : -1;
}

struct span {
	uint64_t min, max;
};

static void find_span(uint8_t *p, void *arg)
{
	struct span *s = arg;
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	if (v < s->min)
		s->min = v;
	if (v > s->max)
		s->max = v;
}

static void shift(uint8_t *p, void *arg)
{
	uint64_t v, by = *(uint64_t *)arg;

	memcpy(&v, p, sizeof(v));
	v += by;
	memcpy(p, &v, sizeof(v));
}

int main(int argc, char **argv)
{
	uint64_t copies, step;
	struct span span = { UINT64_MAX, 0 };
	char err[256];
	size_t len;
	uint8_t *buf;
	FILE *out;

	if (argc != 4) {
		fputs("Usage: xta-tile COPIES IN OUT\n", stderr);
		return 1;
	}
	if (xlp_parse_u64(argv[1], "COPIES", 1, 100000, &copies, err, sizeof(err))) {
		fprintf(stderr, "xta-tile: %s\n", err);
		return 1;
	}
	buf = slurp(argv[2], &len);
	if (for_each_tsc(buf, len, find_span, &span) || span.min > span.max) {
		fprintf(stderr, "xta-tile: %s is not a whole, clean trace\n", argv[2]);
		return 1;
	}
	/* Each copy starts a millisecond-ish after the previous one ends. */
	step = span.max - span.min + 1000000;
	out = fopen(argv[3], "wb");
	if (!out) {
		fprintf(stderr, "xta-tile: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	for (uint64_t i = 0; i < copies; i++) {
		if (i)
			for_each_tsc(buf, len, shift, &step);
		if (fwrite(buf, 1, len, out) != len) {
			fprintf(stderr, "xta-tile: %s: %s\n", argv[3], strerror(errno));
			return 1;
		}
	}
	if (fclose(out)) {
		fprintf(stderr, "xta-tile: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	free(buf);
	return 0;
}
