/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The partition operations that touch the hypervisor: create with
 * admission control and rollback, the reboot/cleanup monitor, finding a
 * partition by name or id, and the pool view used for admission.
 */
#ifndef LPAR_HOST_H
#define LPAR_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lpar_config.h"
#include "lpar_policy.h"
#include "lpar_state.h"

struct lpar_create_opts {
	bool paused;
	bool console;
	bool overcommit;
	bool defined;      /* started from a definition (lpar start) */
	bool no_monitor;   /* do not fork the reboot/cleanup monitor */
};

/* Creates the partition: admission, pool, domain, record, monitor,
 * unpause, console. Rolls back everything on failure. 0 or -1 (error
 * printed). */
int lpar_create(struct lpar_config *cfg, const struct lpar_create_opts *o);

/* Resolves NAME or a domain id. run gets the partition record, when
 * there is a live one (*have_run). 0, or -1 with the error printed. */
int lpar_find(const char *arg, uint32_t *domid, struct lpar_run *run,
	      bool *have_run);

/* Is the record's domain alive (same domid and uuid)? */
bool lpar_run_alive(const struct lpar_run *run);

/* Under the state lock: gives a dedicated pool's CPUs back to Pool-0 and
 * removes the record, if the record still belongs to domid
 * (INVALID_DOMID: whatever it holds). */
void lpar_cleanup_locked(const char *name, uint32_t domid);

/* Removes records whose domain is gone (and their pools). Under lock. */
void lpar_reap_stale(void);

/* Pool-0, the dedicated owners and committed shares, from libxl and the
 * records. owners/names freed by lpar_pool_view_free. exclude: a
 * partition to leave out of the committed sum (NULL for none). */
struct lpar_view {
	struct lpar_shared_pool pool;
	struct lpar_owner *owners;
	size_t nowners;
	struct lpar_run *runs;     /* live records */
	size_t nruns;
	int pool0_sched;           /* libxl_scheduler of Pool-0 */
};
int lpar_view_get(struct lpar_view *v, const char *exclude);
void lpar_view_free(struct lpar_view *v);

/* Waits for the domain to have shut down and been dealt with: gone and
 * its record released, or shut down and preserved (on_poweroff =
 * "preserve"). name: its partition, or NULL for a domain lpar did not
 * create (then a shutdown is enough, as for xl shutdown -w). timeout_s
 * <= 0: no limit. 0 when done, -1 on timeout. */
int lpar_wait_gone(uint32_t domid, const char *name, int timeout_s);

#endif
