// SPDX-License-Identifier: GPL-2.0-or-later
#include "synth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/trace.h>

void synth_init(struct synth *s)
{
	memset(s, 0, sizeof(*s));
}

void synth_free(struct synth *s)
{
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

void synth_raw(struct synth *s, const void *bytes, size_t len)
{
	if (s->len + len > s->cap) {
		s->cap = (s->len + len) * 2 + 4096;
		s->buf = realloc(s->buf, s->cap);
		if (!s->buf)
			abort();
	}
	memcpy(s->buf + s->len, bytes, len);
	s->len += len;
}

void synth_close(struct synth *s)
{
	uint32_t size;

	if (!s->open)
		return;
	size = (uint32_t)(s->len - s->win - 12);
	memcpy(s->buf + s->win + 8, &size, sizeof(size));
	s->open = false;
}

void synth_window(struct synth *s, unsigned pcpu)
{
	uint32_t hdr[3] = { TRC_TRACE_CPU_CHANGE | (2u << 28), pcpu, 0 };

	synth_close(s);
	s->win = s->len;
	s->open = true;
	synth_raw(s, hdr, sizeof(hdr));
}

size_t synth_rec(struct synth *s, uint32_t event, bool has_tsc, uint64_t tsc,
		 unsigned nwords, const uint32_t *words)
{
	uint32_t hdr = event | (nwords << 28) | (has_tsc ? 1u << 31 : 0);
	size_t off = s->len;

	synth_raw(s, &hdr, sizeof(hdr));
	if (has_tsc)
		synth_raw(s, &tsc, sizeof(tsc));
	if (nwords)
		synth_raw(s, words, nwords * sizeof(*words));
	return off;
}

size_t synth_rec0(struct synth *s, uint32_t event, uint64_t tsc)
{
	return synth_rec(s, event, true, tsc, 0, NULL);
}

size_t synth_rec1(struct synth *s, uint32_t event, uint64_t tsc, uint32_t w0)
{
	return synth_rec(s, event, true, tsc, 1, &w0);
}

size_t synth_rec2(struct synth *s, uint32_t event, uint64_t tsc, uint32_t w0,
		  uint32_t w1)
{
	uint32_t w[2] = { w0, w1 };

	return synth_rec(s, event, true, tsc, 2, w);
}

size_t synth_runstate(struct synth *s, uint64_t tsc, unsigned dom,
		      unsigned vcpu, unsigned old, unsigned new)
{
	return synth_rec1(s, TRC_SCHED_RUNSTATE_CHANGE | old << 8 | new << 4,
			  tsc, dom << 16 | vcpu);
}

char *synth_tmpfile(const void *bytes, size_t len, const char *suffix)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	size_t n = strlen(dir) + strlen(suffix) + 32;
	char *path = malloc(n);
	int fd;
	FILE *f;

	snprintf(path, n, "%s/xta-test-XXXXXX%s", dir, suffix);
	fd = mkstemps(path, (int)strlen(suffix));
	if (fd < 0)
		abort();
	f = fdopen(fd, "wb");
	if (!f || fwrite(bytes, 1, len, f) != len || fclose(f))
		abort();
	return path;
}
