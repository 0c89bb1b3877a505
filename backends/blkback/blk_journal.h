/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The journal of one connected vbd: what lpar-blkback has taken off the
 * frontend's rings and not answered yet, kept in a small file under
 * /run/lpar/blkback/ that the daemon maps MAP_SHARED. Every store to it
 * is in the page cache as soon as it is made, so it outlives the daemon
 * being killed (SIGKILL included) but not a reboot of dom0, which the
 * guest would not outlive either.
 *
 * A daemon started again re-attaches to the rings and event channels the
 * frontend still has in xenstore, and the journal tells it, per queue:
 * how far it had consumed requests, how far it had answered, and the
 * private copy of every request in between, which it serves again.
 * Reads, writes (the data is still in the guest's granted pages: the
 * guest waits for the answer), flushes and discards are idempotent.
 *
 * Each entry moves FREE -> TAKEN (copied off the ring, at ring_idx) ->
 * ANSWERED (its response written at rsp_idx) -> FREE, and the queue's
 * counters move in an order that leaves one reading whatever instant the
 * daemon dies:
 *	copy the slot into raw, ring_idx, state = TAKEN, then req_cons++;
 *	write the response, rsp_idx, state = ANSWERED, rsp_prod++, FREE.
 * So at re-attach: a TAKEN entry at or past req_cons was never taken; an
 * ANSWERED entry's response is on the ring (rsp_prod is at least past
 * it); every other TAKEN entry is served again.
 */
#ifndef BLK_JOURNAL_H
#define BLK_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLK_JOURNAL_MAX_QUEUES 16
#define BLK_JOURNAL_MAX_RING_PAGES 16
/* The largest ring entry of the three ABIs (x86_64). */
#define BLK_JOURNAL_RAW_BYTES 112

enum blk_jstate { BLK_J_FREE, BLK_J_TAKEN, BLK_J_ANSWERED };

struct blk_jentry {
	uint32_t state;		/* enum blk_jstate */
	uint32_t ring_idx;	/* where it was taken from */
	uint32_t rsp_idx;	/* where it was answered */
	uint32_t pad;
	uint8_t raw[BLK_JOURNAL_RAW_BYTES];	/* the slot, as copied */
};

struct blk_jqueue {
	/* the ring this queue was connected to: a frontend that connected
	 * again meanwhile makes the journal stale */
	uint32_t ring_refs[BLK_JOURNAL_MAX_RING_PAGES];
	uint32_t nr_ring_pages;
	uint32_t remote_port;
	uint32_t req_cons;	/* requests taken */
	uint32_t rsp_prod;	/* responses written */
};

struct blk_jhead {
	uint32_t magic, version;
	uint32_t fe_domid, devid;
	uint32_t abi;
	uint32_t nr_queues;
	uint32_t slots_per_queue;
	uint32_t pad;
	struct blk_jqueue q[BLK_JOURNAL_MAX_QUEUES];
};

struct blk_journal {
	struct blk_jhead *head;	/* the mapping; entries follow */
	size_t bytes;
	char path[256];
};

/*
 * The file for (fe_domid, devid) in dir: dir/vbd-FE-DEVID. Returns 0, or
 * -1 if it does not fit.
 */
int blk_journal_path(char *buf, size_t len, const char *dir,
		     unsigned fe_domid, unsigned devid);

/*
 * Creates (or truncates) and maps a fresh journal for a new connection:
 * every entry FREE, counters zero, the identity filled in; the caller
 * fills each queue's ring_refs, nr_ring_pages and remote_port. Returns 0,
 * or -1 with errno.
 */
int blk_journal_create(struct blk_journal *j, const char *path,
		       unsigned fe_domid, unsigned devid, unsigned abi,
		       unsigned nr_queues, unsigned slots_per_queue);

/*
 * Maps the journal a daemon before us left at path, if it is one for
 * exactly this device and shape. Returns 0, or -1 (ENOENT: none; EINVAL:
 * not this device's, or damaged; the caller then starts afresh).
 */
int blk_journal_open(struct blk_journal *j, const char *path,
		     unsigned fe_domid, unsigned devid, unsigned abi,
		     unsigned nr_queues, unsigned slots_per_queue);

/* Entry slot of queue q. */
struct blk_jentry *blk_journal_entry(const struct blk_journal *j,
				     unsigned q, unsigned slot);

/* Unmaps, keeping the file (the daemon stops; a successor reads it). */
void blk_journal_close(struct blk_journal *j);

/* Unmaps and deletes the file (the device was closed properly). */
void blk_journal_remove(struct blk_journal *j);

/*
 * The crash-ordered stores: each is a single aligned 32-bit store that
 * the compiler may not move before the stores preceding it.
 */
static inline void blk_journal_set(uint32_t *field, uint32_t v)
{
	__atomic_store_n(field, v, __ATOMIC_RELEASE);
}

/*
 * What a re-attach finds in queue q: rsp_prod and req_cons to go on from
 * (ANSWERED entries counted in rsp_prod and freed, TAKEN entries that
 * were not consumed yet freed). Entries left TAKEN are to be served
 * again. Returns how many.
 */
unsigned blk_journal_recover(struct blk_journal *j, unsigned q,
			     uint32_t *req_cons, uint32_t *rsp_prod);

#endif
