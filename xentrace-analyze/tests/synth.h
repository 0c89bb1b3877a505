/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Builds xentrace files in memory for the tests, byte for byte as
 * xentrace writes them: cpu_change windows of raw records. */
#ifndef XTA_TEST_SYNTH_H
#define XTA_TEST_SYNTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct synth {
	uint8_t *buf;
	size_t len, cap;
	size_t win;		/* offset of the open window's header */
	bool open;
};

void synth_init(struct synth *s);
void synth_free(struct synth *s);

/* Opens a window of pcpu (closing the previous one). */
void synth_window(struct synth *s, unsigned pcpu);
/* Closes the open window: its size goes into its cpu_change record. */
void synth_close(struct synth *s);

/* A record; tsc is written when has_tsc. Returns its offset. */
size_t synth_rec(struct synth *s, uint32_t event, bool has_tsc, uint64_t tsc,
		 unsigned nwords, const uint32_t *words);
/* Shorthands. */
size_t synth_rec0(struct synth *s, uint32_t event, uint64_t tsc);
size_t synth_rec1(struct synth *s, uint32_t event, uint64_t tsc, uint32_t w0);
size_t synth_rec2(struct synth *s, uint32_t event, uint64_t tsc, uint32_t w0,
		  uint32_t w1);
/* A runstate change of d<dom>v<vcpu> from old to new (Xen's numbers). */
size_t synth_runstate(struct synth *s, uint64_t tsc, unsigned dom,
		      unsigned vcpu, unsigned old, unsigned new);

void synth_raw(struct synth *s, const void *bytes, size_t len);

/* Writes the bytes to a new temporary file; returns its malloc'd path. */
char *synth_tmpfile(const void *bytes, size_t len, const char *suffix);

#endif
