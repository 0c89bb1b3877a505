/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One vbd served by lpar-blkback: its xenbus handshake with the guest's
 * blkfront, its shared ring and event channel, and the requests in
 * flight. The daemon (lpar-blkback.c) owns the handles and the epoll
 * loop; a device is driven by three calls: blk_dev_update() when its
 * xenstore nodes or its frontend's change, blk_dev_kick() when its event
 * channel fires, blk_dev_io_done() when its disk I/O completes.
 */
#ifndef BLK_DEV_H
#define BLK_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#include "blk_disk.h"
#include "blk_io.h"
#include "blkif_proto.h"

/* What every device shares: the daemon's handles. */
struct blk_host {
	struct xs_handle *xs;
	xenevtchn_handle *evtchn;
	xengnttab_handle *gnttab;
	unsigned self_domid;
	/* called when a device's I/O eventfd must be (un)watched */
	void (*watch_fd)(void *arg, int fd, void *dev, bool on);
	void *arg;
};

/* Counters for --stats; all only grow. */
struct blk_stats {
	uint64_t reads, writes, flushes, discards, refused, io_errors;
	uint64_t bytes_read, bytes_written;
	uint64_t grant_copies, grant_copy_errors;
	uint64_t notify_in, notify_out, ring_full, flushes_with_data;
	uint64_t refusals[BLKIF_NR_REFUSALS];
	uint64_t latency_us[8];	/* <100us, <1ms, <10ms, <100ms, <1s, ... */
	unsigned in_flight;
};

struct blk_slot;

struct blk_dev {
	struct blk_host *host;
	unsigned fe_domid, devid;
	char be_path[128];	/* /local/domain/S/backend/vbd/F/D */
	char fe_path[128];	/* from the backend's "frontend" node */
	int be_state;		/* what we last wrote */
	bool disk_open, connected, broken, gone;
	bool open_tried;	/* the disk is opened once, failure is final */
	bool released;		/* blk_dev_free_later() done */
	/* more requests wait on the ring than one turn serves (fairness:
	 * the daemon comes back to them after the other devices) */
	bool needs_service;
	struct blk_disk disk;
	struct blkif_disk_limits lim;
	/* the ring */
	enum blkif_abi abi;
	void *sring;		/* mapped page: 64-byte header, entries */
	unsigned ring_size;
	uint32_t ring_ref;
	evtchn_port_t port;	/* local port */
	RING_IDX req_cons, rsp_prod_pvt;
	struct blk_io io;
	bool io_ready;
	struct blk_slot *slots;	/* ring_size of them */
	struct blk_stats st;
};

/* Starts serving the backend directory of (fe_domid, devid): publishes
 * the features and goes to InitWait. Returns NULL on error (logged). */
struct blk_dev *blk_dev_new(struct blk_host *host, unsigned fe_domid,
			    unsigned devid);

/* Re-reads the nodes and moves the handshake on. Returns false once the
 * device is finished (removed); the caller then frees it. */
bool blk_dev_update(struct blk_dev *d);

/* The event channel fired (port matched): serve the ring. */
void blk_dev_kick(struct blk_dev *d);

/* Completions are waiting on d->io. */
void blk_dev_io_done(struct blk_dev *d);

/* Disconnects (waiting for I/O in flight); the memory stays until
 * blk_dev_free(), for epoll events already returned that point at it. */
void blk_dev_free_later(struct blk_dev *d);
/* Frees (after blk_dev_free_later, or disconnecting first). */
void blk_dev_free(struct blk_dev *d);

/* The statistics as a JSON object text (caller frees). */
char *blk_dev_stats_json(const struct blk_dev *d);

#endif
