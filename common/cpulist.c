// SPDX-License-Identifier: GPL-2.0-or-later
#include "cpulist.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BITS_PER_WORD (8 * sizeof(unsigned long))

void xlp_cpuset_clear(struct xlp_cpuset *set)
{
	memset(set, 0, sizeof(*set));
}

void xlp_cpuset_add(struct xlp_cpuset *set, unsigned cpu)
{
	if (cpu < XLP_CPU_MAX)
		set->bits[cpu / BITS_PER_WORD] |= 1UL << (cpu % BITS_PER_WORD);
}

bool xlp_cpuset_has(const struct xlp_cpuset *set, unsigned cpu)
{
	return cpu < XLP_CPU_MAX &&
	       (set->bits[cpu / BITS_PER_WORD] >> (cpu % BITS_PER_WORD)) & 1;
}

unsigned xlp_cpuset_count(const struct xlp_cpuset *set)
{
	unsigned n = 0;

	for (size_t i = 0; i < sizeof(set->bits) / sizeof(set->bits[0]); i++)
		n += (unsigned)__builtin_popcountl(set->bits[i]);
	return n;
}

int xlp_cpuset_next(const struct xlp_cpuset *set, unsigned from)
{
	for (unsigned cpu = from; cpu < XLP_CPU_MAX; cpu++)
		if (xlp_cpuset_has(set, cpu))
			return (int)cpu;
	return -1;
}

bool xlp_cpuset_intersects(const struct xlp_cpuset *a, const struct xlp_cpuset *b)
{
	for (size_t i = 0; i < sizeof(a->bits) / sizeof(a->bits[0]); i++)
		if (a->bits[i] & b->bits[i])
			return true;
	return false;
}

/* Reads a CPU number at *p; advances *p past it. */
static int read_cpu(const char **p, unsigned *cpu)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)**p))
		return -1;
	errno = 0;
	v = strtoul(*p, &end, 10);
	if (errno || v >= XLP_CPU_MAX)
		return -1;
	*cpu = (unsigned)v;
	*p = end;
	return 0;
}

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

int xlp_cpulist_parse(const char *text, struct xlp_cpuset *set,
		      char *err, size_t errlen)
{
	const char *p = text;

	xlp_cpuset_clear(set);
	for (;;) {
		const char *item = p = skip_blanks(p);
		unsigned first, last;
		int itemlen;

		if (read_cpu(&p, &first))
			goto bad;
		last = first;
		p = skip_blanks(p);
		if (*p == '-') {
			p = skip_blanks(p + 1);
			if (read_cpu(&p, &last))
				goto bad;
			if (last < first) {
				itemlen = (int)(p - item);
				snprintf(err, errlen,
					 "CPU range \"%.*s\" runs backwards",
					 itemlen, item);
				return -1;
			}
			p = skip_blanks(p);
		}
		for (unsigned cpu = first; cpu <= last; cpu++)
			xlp_cpuset_add(set, cpu);
		if (*p == '\0')
			return 0;
		if (*p != ',')
			goto bad;
		p++;
		continue;
bad:
		itemlen = (int)strcspn(item, ",");
		snprintf(err, errlen,
			 "\"%.*s\" is not a CPU number or range (expected e.g. \"2\" or \"0-3\", CPUs below %d)",
			 itemlen, item, XLP_CPU_MAX);
		return -1;
	}
}

size_t xlp_cpulist_format(const struct xlp_cpuset *set, char *buf, size_t len)
{
	size_t used = 0;
	int cpu = xlp_cpuset_next(set, 0);

	if (len)
		buf[0] = '\0';
	while (cpu >= 0) {
		char item[32];
		int last = cpu;

		while (last + 1 < XLP_CPU_MAX && xlp_cpuset_has(set, (unsigned)last + 1))
			last++;
		if (last == cpu)
			snprintf(item, sizeof(item), "%s%d", used ? "," : "", cpu);
		else
			snprintf(item, sizeof(item), "%s%d-%d", used ? "," : "", cpu, last);
		/* Keep counting past a short buffer, as snprintf does. */
		if (used < len)
			snprintf(buf + used, len - used, "%s", item);
		used += strlen(item);
		cpu = xlp_cpuset_next(set, (unsigned)last + 1);
	}
	return used;
}
