// SPDX-License-Identifier: GPL-2.0-or-later
#include "util.h"

#include <stdio.h>
#include <stdlib.h>

static void out_of_memory(size_t size)
{
	fprintf(stderr, "xentrace-analyze: out of memory (allocating %zu bytes)\n",
		size);
	exit(3);
}

void *xta_malloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		out_of_memory(size);
	return p;
}

void *xta_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		out_of_memory(n * size);
	return p;
}

void *xta_realloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p)
		out_of_memory(size);
	return p;
}

char *xta_strdup(const char *s)
{
	size_t len = strlen(s) + 1;

	return memcpy(xta_malloc(len), s, len);
}
