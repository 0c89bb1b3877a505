/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One vbd served by lpar-blkback: its xenbus handshake with the guest's
 * blkfront, its queues (each a shared ring of one or more pages and an
 * event channel), the requests in flight and their journal. The daemon
 * (lpar-blkback.c) owns the handles and the epoll loop; a device is
 * driven by four calls: blk_dev_update() when its xenstore nodes or its
 * frontend's change, blk_dev_port_event() when an event channel fires,
 * blk_dev_io_done() when its disk I/O completes, blk_dev_tick() once a
 * second (online resize).
 */
#ifndef BLK_DEV_H
#define BLK_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#include "blk_disk.h"
#include "blk_grants.h"
#include "blk_io.h"
#include "blk_journal.h"
#include "blkif_proto.h"

#define BLK_MAX_QUEUES BLK_JOURNAL_MAX_QUEUES
#define BLK_MAX_RING_ORDER 4	/* 16 pages: BLK_JOURNAL_MAX_RING_PAGES */

/* What a backend offers its frontend, in xenbus nodes. */
struct blk_offer {
	unsigned max_queues;		/* multi-queue-max-queues */
	unsigned max_ring_order;	/* max-ring-page-order */
	unsigned max_indirect_segments;	/* 0: no indirect descriptors */
	bool persistent;		/* feature-persistent */
	/* feature-flush-cache; without it, frontends use barriers */
	bool flush_cache;
};

/* What every device shares: the daemon's handles and its limits. */
struct blk_host {
	struct xs_handle *xs;
	xenevtchn_handle *evtchn;
	xengnttab_handle *gnttab;
	unsigned self_domid;
	struct blk_offer offer;		/* lpar-blkback's options */
	const char *journal_dir;	/* NULL: no journal, no re-attach */
	/*
	 * Persistent grants kept mapped, all devices together, and the most
	 * there may be: each is a mapping of its own, and the daemon's
	 * vm.max_map_count (65530) must leave room for rings and io_uring.
	 */
	unsigned grants_kept, max_grants_kept;
	/* called when a device's I/O eventfd must be (un)watched */
	void (*watch_fd)(void *arg, int fd, void *dev, bool on);
	void *arg;
};

/* Counters for --stats; all only grow. */
struct blk_stats {
	uint64_t reads, writes, flushes, discards, refused, io_errors;
	uint64_t indirect, replayed;
	uint64_t bytes_read, bytes_written;
	uint64_t grant_copies, grant_copy_errors;
	uint64_t grant_maps, grant_unmaps, grant_map_errors;
	uint64_t persistent_hits;	/* segments moved through a kept map */
	uint64_t barriers, flushes_with_data;
	uint64_t notify_in, notify_out, ring_full;
	uint64_t resizes;
	uint64_t refusals[BLKIF_NR_REFUSALS];
	uint64_t latency_us[8];	/* <100us, <1ms, <10ms, <100ms, <1s, ... */
	unsigned in_flight;
};

struct blk_slot;
struct blk_dev;

/* One ring: a queue of multi-queue blkif, or the only one. */
struct blk_queue {
	struct blk_dev *d;
	unsigned index;
	void *sring;		/* mapped pages: 64-byte header, entries */
	unsigned nr_ring_pages;
	uint32_t ring_refs[BLK_JOURNAL_MAX_RING_PAGES];
	unsigned ring_size;	/* entries */
	unsigned remote_port;
	evtchn_port_t port;	/* local port; 0: not bound */
	RING_IDX req_cons, rsp_prod_pvt;
	bool broken;
	/* a barrier (or a flush carrying data) is being served: nothing
	 * after it is taken until it is done */
	bool held;
	/* requests taken by the daemon before a restart wait to be served
	 * again, before anything newer */
	bool replay_pending;
	/* more requests wait on the ring than one turn serves */
	bool needs_service;
	struct blk_slot *slots;	/* requests in flight, nr_slots at most */
	unsigned nr_slots;
	struct blk_pgrants pgrants;	/* feature-persistent */
	bool map_failed;	/* a grant could not be mapped: copy from now */
	struct blk_jqueue *jq;	/* in the journal, or NULL */
};

struct blk_dev {
	struct blk_host *host;
	unsigned fe_domid, devid;
	char be_path[128];	/* /local/domain/S/backend/vbd/F/D */
	char fe_path[128];	/* from the backend's "frontend" node */
	int be_state;		/* what we last wrote */
	bool disk_open, connected, gone;
	bool open_tried;	/* the disk is opened once, failure is final */
	bool released;		/* blk_dev_free_later() done */
	/* found Connected at start: a daemon before us served it, so go on
	 * with its rings instead of a new handshake */
	bool reattach;
	/* what this device offers: the daemon's options, or when
	 * re-attaching, what the daemon before us published */
	struct blk_offer offer;
	bool needs_service;	/* some queue wants another turn */
	struct blk_disk disk;
	struct blkif_disk_limits lim;
	enum blkif_abi abi;
	bool persistent;	/* negotiated */
	unsigned nr_queues;
	struct blk_queue q[BLK_MAX_QUEUES];
	struct blk_io io;	/* one io_uring for all queues */
	bool io_ready;
	struct blk_journal journal;
	/* bytes of request buffers beyond the per-slot ones: held (in
	 * flight or kept for the next request), of those idle, and bytes of
	 * large requests in flight. A frontend's large indirect requests are
	 * admitted against a budget. */
	uint64_t big_bytes, big_idle, big_in_flight;
	struct blk_stats st;
};

/*
 * Starts serving the backend directory of (fe_domid, devid): publishes
 * the features and goes to InitWait, or, if the backend is Connected
 * already (this daemon was restarted), prepares to re-attach. Returns
 * NULL on error (logged).
 */
struct blk_dev *blk_dev_new(struct blk_host *host, unsigned fe_domid,
			    unsigned devid);

/* Re-reads the nodes and moves the handshake on. Returns false once the
 * device is finished (removed); the caller then frees it. */
bool blk_dev_update(struct blk_dev *d);

/* Event channel port fired: if it is one of d's, serve that queue and
 * return true. */
bool blk_dev_port_event(struct blk_dev *d, evtchn_port_t port);

/* Serves the queues that asked for another turn. */
void blk_dev_kick(struct blk_dev *d);

/* Completions are waiting on d->io. */
void blk_dev_io_done(struct blk_dev *d);

/* Once a second or so: notices a disk that grew or shrank and tells the
 * frontend (online resize). */
void blk_dev_tick(struct blk_dev *d);

/*
 * The daemon stops: takes no more requests, answers those in flight,
 * and lets go of the rings without telling the frontend, keeping the
 * journal, so that a daemon started again re-attaches. The caller frees
 * d with blk_dev_free() afterwards.
 */
void blk_dev_detach(struct blk_dev *d);

/* Disconnects (waiting for I/O in flight) and removes the journal; the
 * memory stays until blk_dev_free(), for epoll events already returned
 * that point at it. */
void blk_dev_free_later(struct blk_dev *d);
/* Frees (after blk_dev_free_later or blk_dev_detach, or disconnecting
 * first). */
void blk_dev_free(struct blk_dev *d);

/* The statistics as a JSON object text (caller frees). */
char *blk_dev_stats_json(const struct blk_dev *d);

#endif
