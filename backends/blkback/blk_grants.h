/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Persistent grants of one ring: a frontend that negotiated
 * feature-persistent grants the same pages again and again, so the
 * daemon maps each grant reference once, keeps the mapping until the
 * ring goes, and copies data with memcpy instead of a grant map or a
 * grant copy per request. This is the map from grant reference to the
 * address of its mapped page; the daemon does the mapping.
 *
 * It never forgets an entry (frontends reuse their grants; Linux's
 * blkfront keeps them for the life of the ring), and it is bounded: once
 * it holds max entries, a new reference is not kept and the daemon falls
 * back to grant copy for it, so a frontend cannot make dom0 map without
 * end.
 */
#ifndef BLK_GRANTS_H
#define BLK_GRANTS_H

#include <stdbool.h>
#include <stdint.h>

struct blk_pgrant {
	uint32_t gref;
	void *page;		/* NULL: the slot is empty */
};

struct blk_pgrants {
	struct blk_pgrant *tab;	/* open addressing, linear probing */
	unsigned size;		/* a power of two, at least 2 * max */
	unsigned count, max;
};

/* Room for max mappings. Returns 0, or -1 (no memory). */
int blk_pgrants_init(struct blk_pgrants *p, unsigned max);

/* The mapped page of gref, or NULL. */
void *blk_pgrants_find(const struct blk_pgrants *p, uint32_t gref);

/* Can one more mapping be kept? */
bool blk_pgrants_full(const struct blk_pgrants *p);

/* Keeps gref -> page (gref not in yet). Returns 0, or -1 when full. */
int blk_pgrants_add(struct blk_pgrants *p, uint32_t gref, void *page);

/* Calls unmap(arg, page) for every mapping, then frees the table. */
void blk_pgrants_clear(struct blk_pgrants *p,
		       void (*unmap)(void *arg, void *page), void *arg);

#endif
