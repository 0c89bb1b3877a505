/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running statistics of durations (in TSC cycles) with percentiles from a
 * fixed-size log-bucket histogram: memory per statistic is constant, never
 * proportional to the number of samples.
 */
#ifndef XTA_STAT_H
#define XTA_STAT_H

#include <stdint.h>

/*
 * Buckets: values below 2^XTA_HIST_SUB_BITS are exact; above, each power
 * of two is split into 2^XTA_HIST_SUB_BITS buckets, so any percentile is
 * within 1/16 (6.25 %) of a value actually seen.
 */
#define XTA_HIST_SUB_BITS	4
#define XTA_HIST_SUB		(1u << XTA_HIST_SUB_BITS)
#define XTA_HIST_BUCKETS	((64 - XTA_HIST_SUB_BITS + 1) * XTA_HIST_SUB)

struct xta_hist {
	uint64_t bucket[XTA_HIST_BUCKETS];
};

struct xta_stat {
	uint64_t events;	/* every update, zero-length ones included */
	uint64_t count;		/* updates with a non-zero duration */
	uint64_t cycles;	/* sum of the durations */
	uint64_t min, max;	/* over non-zero durations */
	struct xta_hist *hist;	/* allocated at the first non-zero update */
};

static inline unsigned xta_hist_index(uint64_t v)
{
	unsigned msb, shift;

	if (v < XTA_HIST_SUB)
		return (unsigned)v;
	msb = 63 - (unsigned)__builtin_clzll(v);
	shift = msb - XTA_HIST_SUB_BITS;
	/* The top XTA_HIST_SUB_BITS+1 bits of v, leading 1 included. */
	return ((shift + 1) << XTA_HIST_SUB_BITS) +
	       (unsigned)((v >> shift) & (XTA_HIST_SUB - 1));
}

/* Smallest value that falls in bucket i. */
uint64_t xta_hist_bucket_low(unsigned i);

void xta_stat_hist_alloc(struct xta_stat *s);

static inline void xta_stat_add(struct xta_stat *s, uint64_t cycles)
{
	s->events++;
	if (!cycles)
		return;
	if (__builtin_expect(!s->hist, 0))
		xta_stat_hist_alloc(s);	/* also sets min to its maximum */
	if (cycles < s->min)
		s->min = cycles;
	if (cycles > s->max)
		s->max = cycles;
	s->count++;
	s->cycles += cycles;
	s->hist->bucket[xta_hist_index(cycles)]++;
}

/* Counts an event that has no duration (events only). */
static inline void xta_stat_event(struct xta_stat *s)
{
	s->events++;
}

/* Adds b into a (histograms included). */
void xta_stat_merge(struct xta_stat *a, const struct xta_stat *b);

/* The value below which a fraction p (0..1) of the non-zero durations
 * lie; 0 when there are none. Exact for small values, within one bucket
 * (6.25 %) otherwise, and always within [min, max]. */
uint64_t xta_stat_percentile(const struct xta_stat *s, double p);

void xta_stat_free(struct xta_stat *s);

#endif
