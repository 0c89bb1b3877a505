// SPDX-License-Identifier: GPL-2.0-or-later
#include "stat.h"

#include <stdio.h>
#include <stdlib.h>

#include "util.h"

uint64_t xta_hist_bucket_low(unsigned i)
{
	unsigned shift;

	if (i < XTA_HIST_SUB)
		return i;
	shift = (i >> XTA_HIST_SUB_BITS) - 1;
	return (uint64_t)(XTA_HIST_SUB | (i & (XTA_HIST_SUB - 1))) << shift;
}

void xta_stat_hist_alloc(struct xta_stat *s)
{
	s->hist = xta_calloc(1, sizeof(*s->hist));
	if (!s->count)
		s->min = UINT64_MAX;
}

void xta_stat_merge(struct xta_stat *a, const struct xta_stat *b)
{
	a->events += b->events;
	if (!b->count)
		return;
	if (!a->hist)
		xta_stat_hist_alloc(a);
	if (!a->count || b->min < a->min)
		a->min = b->min;
	if (b->max > a->max)
		a->max = b->max;
	a->count += b->count;
	a->cycles += b->cycles;
	for (unsigned i = 0; i < XTA_HIST_BUCKETS; i++)
		a->hist->bucket[i] += b->hist->bucket[i];
}

uint64_t xta_stat_percentile(const struct xta_stat *s, double p)
{
	uint64_t rank, seen = 0;

	if (!s->count)
		return 0;
	if (p <= 0)
		return s->min;
	if (p >= 1)
		return s->max;
	/* Nearest-rank: the smallest value with at least p*count at or below. */
	rank = (uint64_t)(p * (double)s->count);
	if ((double)rank < p * (double)s->count)
		rank++;
	if (!rank)
		rank = 1;
	for (unsigned i = 0; i < XTA_HIST_BUCKETS; i++) {
		seen += s->hist->bucket[i];
		if (seen >= rank) {
			uint64_t lo = xta_hist_bucket_low(i);
			uint64_t hi = i + 1 < XTA_HIST_BUCKETS ?
				xta_hist_bucket_low(i + 1) - 1 : UINT64_MAX;
			/* The bucket's middle, clamped to what was seen. */
			uint64_t v = lo + (hi - lo) / 2;

			if (v < s->min)
				v = s->min;
			if (v > s->max)
				v = s->max;
			return v;
		}
	}
	return s->max;
}

void xta_stat_free(struct xta_stat *s)
{
	free(s->hist);
	s->hist = NULL;
}
