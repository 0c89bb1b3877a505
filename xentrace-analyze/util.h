/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers shared by the analyzer's sources. */
#ifndef XTA_UTIL_H
#define XTA_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define XTA_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation that cannot fail: the analyzer's memory is bounded by the
 * number of domains, vCPUs and causes, so running out of it is fatal and
 * reported as such instead of being handled at every call site. */
void *xta_malloc(size_t size);
void *xta_calloc(size_t n, size_t size);
void *xta_realloc(void *p, size_t size);
char *xta_strdup(const char *s);

/* Trace words are little-endian and only 4-byte aligned. */
static inline uint64_t xta_u64(const uint32_t *words)
{
	uint64_t v;

	memcpy(&v, words, sizeof(v));
	return v;
}

#endif
