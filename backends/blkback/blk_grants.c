/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "blk_grants.h"

#include <stdlib.h>

int blk_pgrants_init(struct blk_pgrants *p, unsigned max)
{
	unsigned size = 16;

	while (size < 2 * max)
		size *= 2;
	p->tab = calloc(size, sizeof(*p->tab));
	p->size = p->tab ? size : 0;
	p->count = 0;
	p->max = p->tab ? max : 0;
	return p->tab ? 0 : -1;
}

/* Grant references are small integers the frontend picks: spread them. */
static unsigned bucket(const struct blk_pgrants *p, uint32_t gref)
{
	return (unsigned)((gref * 2654435761u) & (p->size - 1));
}

void *blk_pgrants_find(const struct blk_pgrants *p, uint32_t gref)
{
	if (!p->tab)
		return NULL;
	/* at most half full, so an empty slot ends every search */
	for (unsigned i = bucket(p, gref);; i = (i + 1) & (p->size - 1)) {
		if (!p->tab[i].page)
			return NULL;
		if (p->tab[i].gref == gref)
			return p->tab[i].page;
	}
}

bool blk_pgrants_full(const struct blk_pgrants *p)
{
	return p->count >= p->max;
}

int blk_pgrants_add(struct blk_pgrants *p, uint32_t gref, void *page)
{
	unsigned i;

	if (blk_pgrants_full(p) || !page)
		return -1;
	for (i = bucket(p, gref); p->tab[i].page; i = (i + 1) & (p->size - 1))
		if (p->tab[i].gref == gref)
			return -1;
	p->tab[i].gref = gref;
	p->tab[i].page = page;
	p->count++;
	return 0;
}

void blk_pgrants_clear(struct blk_pgrants *p,
		       void (*unmap)(void *arg, void *page), void *arg)
{
	for (unsigned i = 0; p->tab && i < p->size; i++)
		if (p->tab[i].page)
			unmap(arg, p->tab[i].page);
	free(p->tab);
	p->tab = NULL;
	p->size = p->count = p->max = 0;
}
