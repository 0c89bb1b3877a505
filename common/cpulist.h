/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CPU lists in the kernel's and xl's notation: "0-3,6,8-9". */
#ifndef XLP_CPULIST_H
#define XLP_CPULIST_H

#include <stdbool.h>
#include <stddef.h>

/* Highest CPU number a list may name, plus one. Xen 4.17 supports up to
 * 4096 physical CPUs on x86. */
#define XLP_CPU_MAX 4096

struct xlp_cpuset {
	unsigned long bits[XLP_CPU_MAX / (8 * sizeof(unsigned long))];
};

void xlp_cpuset_clear(struct xlp_cpuset *set);
void xlp_cpuset_add(struct xlp_cpuset *set, unsigned cpu);
bool xlp_cpuset_has(const struct xlp_cpuset *set, unsigned cpu);
unsigned xlp_cpuset_count(const struct xlp_cpuset *set);
/* Lowest member >= from, or -1 when there is none. */
int xlp_cpuset_next(const struct xlp_cpuset *set, unsigned from);
bool xlp_cpuset_intersects(const struct xlp_cpuset *a, const struct xlp_cpuset *b);

/*
 * Parses text into set (cleared first). Accepts "N", "N-M" and
 * comma-separated lists of those, with optional blanks around items.
 * On error returns -1 and writes a sentence naming the offending item into
 * err (errlen bytes); set is then unspecified.
 */
int xlp_cpulist_parse(const char *text, struct xlp_cpuset *set,
		      char *err, size_t errlen);

/* Writes the canonical form ("0-3,6") into buf; returns the length it
 * needed, like snprintf. An empty set is "". */
size_t xlp_cpulist_format(const struct xlp_cpuset *set, char *buf, size_t len);

#endif
