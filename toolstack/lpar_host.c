// SPDX-License-Identifier: GPL-2.0-or-later
#include "lpar_host.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxl_utils.h>

#include "lpar.h"
#include "lpar_log.h"

#define NO_DOMID ((uint32_t)INVALID_DOMID)

static void bitmap_to_set(const libxl_bitmap *bm, struct xlp_cpuset *set)
{
	xlp_cpuset_clear(set);
	for (unsigned i = 0; i < bm->size * 8 && i < XLP_CPU_MAX; i++)
		if (bm->map[i / 8] & (1u << (i % 8)))
			xlp_cpuset_add(set, i);
}

bool lpar_run_alive(const struct lpar_run *run)
{
	libxl_dominfo info;
	libxl_uuid uuid;
	bool alive = false;

	if (run->domid == NO_DOMID)
		return false;
	libxl_dominfo_init(&info);
	if (libxl_domain_info(lpar_ctx, &info, run->domid) == 0 &&
	    !libxl_uuid_from_string(&uuid, run->uuid) &&
	    !libxl_uuid_compare(&uuid, &info.uuid))
		alive = true;
	libxl_dominfo_dispose(&info);
	return alive;
}

static int pool_id(const char *name, uint32_t *id)
{
	return libxl_name_to_cpupoolid(lpar_ctx, name, id);
}

/*
 * Waits until domid has left the hypervisor's domain list and its pool
 * holds no domain. Xen 4.17 panicked in the lab (credit2 runq_insert,
 * from a vCPU timer) when a cpupool was destroyed and its CPU moved back
 * to Pool-0 right after libxl_domain_destroy returned, while the dying
 * domain was still being torn down; so pools are only dismantled once the
 * domain is completely gone, plus a short grace period.
 */
static void settle_domain_gone(uint32_t domid, const char *pool)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	uint32_t pid;

	for (int i = 0; i < 200; i++) {
		libxl_dominfo info;
		libxl_cpupoolinfo pi;
		bool gone, empty = true;

		libxl_dominfo_init(&info);
		gone = domid == NO_DOMID ||
		       libxl_domain_info(lpar_ctx, &info, domid) ==
		       ERROR_DOMAIN_NOTFOUND;
		libxl_dominfo_dispose(&info);
		if (pool && pool_id(pool, &pid) == 0) {
			libxl_cpupoolinfo_init(&pi);
			if (libxl_cpupool_info(lpar_ctx, &pi, pid) == 0)
				empty = pi.n_dom == 0;
			libxl_cpupoolinfo_dispose(&pi);
		}
		if (gone && empty)
			break;
		nanosleep(&ts, NULL);
	}
	ts.tv_nsec = 200 * 1000 * 1000;
	nanosleep(&ts, NULL);
}

/* Gives the CPUs of a dedicated pool back to Pool-0 and destroys it. */
static int release_pool(const char *pool, const struct xlp_cpuset *cpus)
{
	uint32_t id;
	int rc = 0;
	libxl_bitmap freecpus;

	if (pool_id(pool, &id) == 0 && id != 0) {
		rc = libxl_cpupool_destroy(lpar_ctx, id);
		if (rc)
			lpar_err_libxl("destroying cpupool", rc);
	}
	/* Whatever is free now and was ours goes back to Pool-0. */
	libxl_bitmap_init(&freecpus);
	if (libxl_cpu_bitmap_alloc(lpar_ctx, &freecpus, 0) == 0 &&
	    libxl_get_freecpus(lpar_ctx, &freecpus) == 0) {
		for (int c = xlp_cpuset_next(cpus, 0); c >= 0;
		     c = xlp_cpuset_next(cpus, c + 1))
			if (libxl_bitmap_test(&freecpus, c) &&
			    libxl_cpupool_cpuadd(lpar_ctx, 0, c))
				rc = -1;
	}
	libxl_bitmap_dispose(&freecpus);
	return rc;
}

void lpar_cleanup_locked(const char *name, uint32_t domid)
{
	struct lpar_run run;
	char err[LPAR_ERR_MAX];

	if (lpar_run_load(lpar_state_root, name, &run, err, sizeof(err)))
		return;
	if (domid != NO_DOMID && run.domid != domid)
		return;
	if (run.mode == LPAR_CPU_DEDICATED) {
		settle_domain_gone(run.domid, run.pool);
		release_pool(run.pool, &run.cpus);
	}
	lpar_run_remove(lpar_state_root, name);
	lpar_log_note("partition %s (domain %u) cleaned up", name, run.domid);
}

void lpar_reap_stale(void)
{
	char **names;
	size_t n;

	if (lpar_run_list(lpar_state_root, &names, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		struct lpar_run run;
		char err[LPAR_ERR_MAX];

		if (lpar_run_load(lpar_state_root, names[i], &run, err,
				  sizeof(err)) == 0 && !lpar_run_alive(&run))
			lpar_cleanup_locked(names[i], INVALID_DOMID);
	}
	lpar_names_free(names, n);
}

int lpar_view_get(struct lpar_view *v, const char *exclude)
{
	libxl_cpupoolinfo *pools;
	libxl_physinfo phys;
	int npools;
	char **names;
	size_t n;

	memset(v, 0, sizeof(*v));
	libxl_physinfo_init(&phys);
	if (libxl_get_physinfo(lpar_ctx, &phys)) {
		lpar_err_libxl("reading the host's CPUs", ERROR_FAIL);
		return -1;
	}
	v->pool.host_cpus = phys.nr_cpus;
	libxl_physinfo_dispose(&phys);

	pools = libxl_list_cpupool(lpar_ctx, &npools);
	if (!pools) {
		lpar_err_libxl("listing cpupools", ERROR_FAIL);
		return -1;
	}
	for (int i = 0; i < npools; i++) {
		if (pools[i].poolid == 0) {
			bitmap_to_set(&pools[i].cpumap, &v->pool.cpus);
			v->pool0_sched = pools[i].sched;
		}
	}
	libxl_cpupoolinfo_list_free(pools, npools);

	if (lpar_run_list(lpar_state_root, &names, &n))
		return 0;
	v->runs = calloc(n ? n : 1, sizeof(*v->runs));
	v->owners = calloc(n ? n : 1, sizeof(*v->owners));
	if (!v->runs || !v->owners) {
		lpar_names_free(names, n);
		lpar_view_free(v);
		lpar_err("out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct lpar_run *r = &v->runs[v->nruns];
		char err[LPAR_ERR_MAX];

		if (lpar_run_load(lpar_state_root, names[i], r, err,
				  sizeof(err)) || !lpar_run_alive(r))
			continue;
		v->nruns++;
		if (r->mode == LPAR_CPU_DEDICATED) {
			v->owners[v->nowners].name = r->name;
			v->owners[v->nowners].cpus = r->cpus;
			v->nowners++;
		} else if (r->mode == LPAR_CPU_SHARED &&
			   (!exclude || strcmp(exclude, r->name))) {
			v->pool.committed += r->share;
		}
	}
	lpar_names_free(names, n);
	return 0;
}

void lpar_view_free(struct lpar_view *v)
{
	free(v->runs);
	free(v->owners);
	memset(v, 0, sizeof(*v));
}

int lpar_find(const char *arg, uint32_t *domid, struct lpar_run *run,
	      bool *have_run)
{
	char err[LPAR_ERR_MAX];
	char *end;
	unsigned long id;

	*have_run = false;
	errno = 0;
	id = strtoul(arg, &end, 10);
	if (*arg && !*end && !errno) {
		libxl_dominfo info;
		char *name;

		libxl_dominfo_init(&info);
		if (id >= NO_DOMID ||
		    libxl_domain_info(lpar_ctx, &info, (uint32_t)id)) {
			lpar_err("there is no domain with id %s", arg);
			return -1;
		}
		libxl_dominfo_dispose(&info);
		*domid = (uint32_t)id;
		name = libxl_domid_to_name(lpar_ctx, *domid);
		if (name && lpar_run_load(lpar_state_root, name, run, err,
					  sizeof(err)) == 0 &&
		    run->domid == *domid)
			*have_run = true;
		free(name);
		return 0;
	}
	if (libxl_name_to_domid(lpar_ctx, arg, domid)) {
		if (lpar_def_exists(lpar_state_root, arg))
			lpar_err("partition %s is defined but not running "
				 "(start it with: lpar start %s)", arg, arg);
		else
			lpar_err("there is no partition or domain named %s",
				 arg);
		return -1;
	}
	if (lpar_run_load(lpar_state_root, arg, run, err, sizeof(err)) == 0 &&
	    run->domid == *domid)
		*have_run = true;
	return 0;
}

static const char *fault_point(void)
{
	const char *f = getenv("LPAR_FAULT");

	return f ? f : "";
}

/*
 * The creation proper, under the state lock. On failure everything made
 * so far is undone: the domain, the cpupool (its CPUs go back to Pool-0)
 * and the record. restart: the partition is being re-created by its
 * monitor and was admitted before.
 */
static int create_locked(struct lpar_config *cfg,
			 const struct lpar_create_opts *o, uint32_t *domid_out,
			 double *libxl_ms)
{
	double t_entry = lpar_elapsed_ms(), t_libxl = 0, t_checks = 0;
	const char *name = cfg->dc.c_info.name;
	struct lpar_view view;
	struct lpar_run run;
	char err[LPAR_ERR_MAX];
	struct xlp_cpuset removed;
	bool pool_made = false, record_made = false;
	uint32_t poolid = 0, domid = INVALID_DOMID, existing;
	libxl_bitmap map;
	int rc;

	xlp_cpuset_clear(&removed);
	libxl_bitmap_init(&map);
	lpar_reap_stale();

	if (libxl_name_to_domid(lpar_ctx, name, &existing) == 0) {
		lpar_err("%s: a domain named %s already exists (id %u)",
			 cfg->source, name, existing);
		return -1;
	}
	if (cfg->mode == LPAR_CPU_DEDICATED &&
	    pool_id(cfg->pool_name, &poolid) == 0) {
		lpar_err("%s: cpupool %s already exists; remove it first "
			 "(xl cpupool-destroy %s)", cfg->source,
			 cfg->pool_name, cfg->pool_name);
		return -1;
	}
	/* A partition without cpu_mode and cpus= needs no look at the
	 * pools (as with xl create). */
	memset(&view, 0, sizeof(view));
	if ((cfg->mode != LPAR_CPU_DEFAULT ||
	     (cfg->has_cpus && !cfg->dc.c_info.pool_name)) &&
	    lpar_view_get(&view, NULL))
		return -1;
	if (cfg->mode == LPAR_CPU_DEDICATED) {
		rc = lpar_admit_dedicated(name, &cfg->cpus, &view.pool,
					  view.owners, view.nowners,
					  o->overcommit, err, sizeof(err));
	} else if (cfg->mode == LPAR_CPU_SHARED) {
		rc = lpar_admit_shared(name, cfg->share, &view.pool,
				       o->overcommit, err, sizeof(err));
	} else {
		rc = 0;
	}
	if (!rc && cfg->mode != LPAR_CPU_DEDICATED && cfg->has_cpus &&
	    !cfg->dc.c_info.pool_name) {
		for (int c = xlp_cpuset_next(&cfg->cpus, 0); c >= 0;
		     c = xlp_cpuset_next(&cfg->cpus, c + 1)) {
			if (!xlp_cpuset_has(&view.pool.cpus, c)) {
				snprintf(err, sizeof(err), "cpus: CPU %d is not "
					 "in Pool-0 (dedicated to a partition "
					 "or in another pool)", c);
				rc = -1;
				break;
			}
		}
	}
	if (rc) {
		lpar_err("%s: %s", cfg->source, err);
		lpar_view_free(&view);
		return -1;
	}

	memset(&run, 0, sizeof(run));
	snprintf(run.name, sizeof(run.name), "%s", name);
	run.domid = INVALID_DOMID;
	{
		snprintf(run.uuid, sizeof(run.uuid), LIBXL_UUID_FMT,
			 LIBXL_UUID_BYTES(cfg->dc.c_info.uuid));
	}
	run.mode = cfg->mode;
	run.share = cfg->share;
	run.capped = cfg->capped;
	run.overcommit = o->overcommit;
	run.defined = o->defined;
	snprintf(run.pool, sizeof(run.pool), "%s",
		 cfg->pool_name ? cfg->pool_name
		 : cfg->dc.c_info.pool_name ? cfg->dc.c_info.pool_name
		 : "Pool-0");
	if (cfg->mode == LPAR_CPU_DEDICATED)
		run.cpus = cfg->cpus;

	if (cfg->mode == LPAR_CPU_DEDICATED) {
		libxl_uuid puuid;

		for (int c = xlp_cpuset_next(&cfg->cpus, 0); c >= 0;
		     c = xlp_cpuset_next(&cfg->cpus, c + 1)) {
			rc = libxl_cpupool_cpuremove(lpar_ctx, 0, c);
			if (rc) {
				lpar_err_libxl("taking a CPU out of Pool-0", rc);
				goto rollback;
			}
			xlp_cpuset_add(&removed, c);
		}
		rc = libxl_cpu_bitmap_alloc(lpar_ctx, &map, 0);
		if (rc) {
			lpar_err_libxl("allocating a CPU map", rc);
			goto rollback;
		}
		for (int c = xlp_cpuset_next(&cfg->cpus, 0); c >= 0;
		     c = xlp_cpuset_next(&cfg->cpus, c + 1))
			libxl_bitmap_set(&map, c);
		libxl_uuid_generate(&puuid);
		poolid = LIBXL_CPUPOOL_POOLID_ANY;
		rc = libxl_cpupool_create(lpar_ctx, cfg->pool_name,
					  view.pool0_sched, map, &puuid,
					  &poolid);
		if (rc) {
			lpar_err_libxl("creating the partition's cpupool", rc);
			goto rollback;
		}
		pool_made = true;
		lpar_log_note("cpupool %s (id %u) made for %s", cfg->pool_name,
			      poolid, name);
	}
	if (!strcmp(fault_point(), "after-pool")) {
		lpar_err("%s: injected fault after the cpupool step "
			 "(LPAR_FAULT=after-pool)", cfg->source);
		goto rollback;
	}

	if (lpar_run_save(lpar_state_root, &run, cfg->text, cfg->text_len,
			  err, sizeof(err))) {
		lpar_err("%s", err);
		goto rollback;
	}
	record_made = true;

	lpar_log_clear_error();
	t_libxl = lpar_elapsed_ms();
	t_checks = t_libxl - t_entry;
	rc = libxl_domain_create_new(lpar_ctx, &cfg->dc, &domid, NULL, NULL);
	t_libxl = lpar_elapsed_ms() - t_libxl;
	if (rc) {
		lpar_err_libxl("creating the domain", rc);
		goto rollback;
	}
	if (!strcmp(fault_point(), "after-domain")) {
		lpar_err("%s: injected fault after the domain was built "
			 "(LPAR_FAULT=after-domain)", cfg->source);
		goto rollback;
	}
	run.domid = domid;
	if (lpar_run_save(lpar_state_root, &run, NULL, 0, err, sizeof(err))) {
		lpar_err("%s", err);
		goto rollback;
	}
	lpar_log_note("partition %s created as domain %u (%s); "
		      "libxl_domain_create_new took %.0f ms, lpar's checks, "
		      "pool and record before it %.0f ms", name, domid,
		      lpar_cpu_mode_name(cfg->mode), t_libxl, t_checks);
	if (libxl_ms)
		*libxl_ms = t_libxl;
	libxl_bitmap_dispose(&map);
	lpar_view_free(&view);
	*domid_out = domid;
	return 0;

rollback:
	if (domid != NO_DOMID) {
		libxl_dominfo info;

		/* libxl may have destroyed it already on a failed build */
		libxl_dominfo_init(&info);
		if (libxl_domain_info(lpar_ctx, &info, domid) == 0) {
			rc = libxl_domain_destroy(lpar_ctx, domid, NULL);
			if (rc)
				lpar_err_libxl("rollback: destroying the domain",
					       rc);
		}
		libxl_dominfo_dispose(&info);
	}
	if (pool_made) {
		settle_domain_gone(domid, cfg->pool_name);
		rc = libxl_cpupool_destroy(lpar_ctx, poolid);
		if (rc)
			lpar_err_libxl("rollback: destroying the cpupool", rc);
	}
	for (int c = xlp_cpuset_next(&removed, 0); c >= 0;
	     c = xlp_cpuset_next(&removed, c + 1)) {
		rc = libxl_cpupool_cpuadd(lpar_ctx, 0, c);
		if (rc)
			lpar_err_libxl("rollback: giving a CPU back to Pool-0",
				       rc);
	}
	if (record_made)
		lpar_run_remove(lpar_state_root, name);
	lpar_log_note("create of %s rolled back", name);
	fprintf(stderr, "lpar: create of %s rolled back: no domain, cpupool "
		"or record left\n", name);
	libxl_bitmap_dispose(&map);
	lpar_view_free(&view);
	return -1;
}

/* Reloads the partition's config for a restart: its definition if it was
 * started from one and still has it, else the config it was started
 * with. */
static int reload_config(const char *name, bool defined,
			 struct lpar_config *cfg)
{
	char path[4096], err[LPAR_ERR_MAX];
	struct lpar_parse_opts po = { .check_files = true };
	int max = libxl_get_max_cpus(lpar_ctx);

	po.host_max_cpus = max > 0 ? (unsigned)max : 0;
	if (defined && lpar_def_exists(lpar_state_root, name))
		lpar_def_path(lpar_state_root, name, path, sizeof(path));
	else
		lpar_run_cfg_path(lpar_state_root, name, path, sizeof(path));
	if (lpar_config_load(path, &po, cfg, err, sizeof(err))) {
		lpar_err("%s", err);
		return -1;
	}
	return 0;
}

static libxl_action_on_shutdown action_for(const libxl_domain_config *dc,
					   int reason)
{
	switch (reason) {
	case LIBXL_SHUTDOWN_REASON_POWEROFF: return dc->on_poweroff;
	case LIBXL_SHUTDOWN_REASON_REBOOT: return dc->on_reboot;
	case LIBXL_SHUTDOWN_REASON_CRASH: return dc->on_crash;
	case LIBXL_SHUTDOWN_REASON_WATCHDOG: return dc->on_watchdog;
	case LIBXL_SHUTDOWN_REASON_SOFT_RESET: return dc->on_soft_reset;
	default: return LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	}
}

/* The monitor: follows the partition's shutdowns the way xl's daemon
 * does, applying on_poweroff/on_reboot/on_crash, and cleans up the pool
 * and record when the domain is gone however it went. */
static void monitor(const char *name, uint32_t domid)
{
	libxl_evgen_domain_death *w = NULL;
	char pname[80];

	snprintf(pname, sizeof(pname), "%s", name);
	if (libxl_evenable_domain_death(lpar_ctx, domid, 0, &w)) {
		lpar_log_note("monitor for %s: cannot watch domain %u", pname,
			      domid);
		return;
	}
	for (;;) {
		libxl_event *ev = NULL;
		struct lpar_config cfg;
		struct lpar_run run;
		struct lpar_create_opts co = { .no_monitor = true };
		char err[LPAR_ERR_MAX];
		libxl_action_on_shutdown act;
		int lock, reason;
		uint32_t newid;

		if (libxl_event_wait(lpar_ctx, &ev, LIBXL_EVENTMASK_ALL, 0, 0))
			return;
		if (ev->domid != domid) {
			libxl_event_free(lpar_ctx, ev);
			continue;
		}
		if (ev->type == LIBXL_EVENT_TYPE_DOMAIN_DEATH) {
			libxl_event_free(lpar_ctx, ev);
			lock = lpar_state_lock(lpar_state_root, err, sizeof(err));
			lpar_cleanup_locked(pname, domid);
			lpar_state_unlock(lock);
			return;
		}
		if (ev->type != LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN) {
			libxl_event_free(lpar_ctx, ev);
			continue;
		}
		reason = ev->u.domain_shutdown.shutdown_reason;
		libxl_event_free(lpar_ctx, ev);
		if (reason == LIBXL_SHUTDOWN_REASON_SUSPEND) {
			/* Suspended for a save or migration (by xl): the
			 * tool that asked deals with it, as xl's monitor
			 * leaves it too. */
			lpar_log_note("partition %s (domain %u) suspended",
				      pname, domid);
			continue;
		}

		lock = lpar_state_lock(lpar_state_root, err, sizeof(err));
		if (lpar_run_load(lpar_state_root, pname, &run, err,
				  sizeof(err)) || run.domid != domid) {
			/* lpar destroy came first (it holds the lock too) */
			lpar_log_note("partition %s: domain %u shut down when "
				      "its record was gone already (destroyed?); "
				      "removing what is left", pname, domid);
			{
				libxl_dominfo di;

				libxl_dominfo_init(&di);
				if (libxl_domain_info(lpar_ctx, &di, domid) == 0)
					libxl_domain_destroy(lpar_ctx, domid,
							     NULL);
				libxl_dominfo_dispose(&di);
			}
			lpar_cleanup_locked(pname, domid);
			lpar_state_unlock(lock);
			return;
		}
		if (reload_config(pname, run.defined, &cfg)) {
			lpar_err("monitor for %s: cannot read its config again; "
				 "destroying domain %u", pname, domid);
			libxl_domain_destroy(lpar_ctx, domid, NULL);
			lpar_cleanup_locked(pname, domid);
			lpar_state_unlock(lock);
			return;
		}
		act = action_for(&cfg.dc, reason);
		{
			const char *why = libxl_shutdown_reason_to_string(
				(libxl_shutdown_reason)reason);

			lpar_log_note("partition %s (domain %u) shut down "
				      "(%s): %s", pname, domid,
				      why ? why : "unknown reason",
				      lpar_action_name(act));
		}
		switch (act) {
		case LIBXL_ACTION_ON_SHUTDOWN_PRESERVE:
			lpar_config_dispose(&cfg);
			lpar_state_unlock(lock);
			continue;
		case LIBXL_ACTION_ON_SHUTDOWN_RESTART:
		case LIBXL_ACTION_ON_SHUTDOWN_RESTART_RENAME:
		case LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_RESTART:
		case LIBXL_ACTION_ON_SHUTDOWN_SOFT_RESET:
			libxl_evdisable_domain_death(lpar_ctx, w);
			w = NULL;
			libxl_domain_destroy(lpar_ctx, domid, NULL);
			lpar_cleanup_locked(pname, domid);
			co.overcommit = run.overcommit;
			co.defined = run.defined;
			if (create_locked(&cfg, &co, &newid, NULL)) {
				lpar_err("monitor for %s: restarting it failed "
					 "(see above); the partition is down",
					 pname);
				lpar_config_dispose(&cfg);
				lpar_state_unlock(lock);
				return;
			}
			lpar_log_note("partition %s restarted as domain %u",
				      pname, newid);
			lpar_config_dispose(&cfg);
			lpar_state_unlock(lock);
			libxl_domain_unpause(lpar_ctx, newid, NULL);
			domid = newid;
			if (libxl_evenable_domain_death(lpar_ctx, domid, 0,
							&w)) {
				lpar_err("monitor for %s: cannot watch domain "
					 "%u; on_reboot and cleanup will not be "
					 "automatic", pname, domid);
				return;
			}
			continue;
		default:
			libxl_domain_destroy(lpar_ctx, domid, NULL);
			lpar_cleanup_locked(pname, domid);
			lpar_config_dispose(&cfg);
			lpar_state_unlock(lock);
			return;
		}
	}
}

/* Forks the monitor as a daemon in its own session. One fork: the
 * caller (lpar create or start) exits right after, so nobody waits for
 * it and it leaves no zombie. */
static void spawn_monitor(const char *name, uint32_t domid)
{
	pid_t pid = fork();

	if (pid < 0) {
		lpar_err("cannot fork the monitor: %s; on_reboot and cleanup "
			 "will not be automatic", strerror(errno));
		return;
	}
	if (pid > 0)
		return;	/* lpar exits soon: init then adopts the monitor */
	libxl_postfork_child_noexec(lpar_ctx);
	lpar_ctx = NULL;
	setsid();
	if (chdir("/")) {
		/* nothing to do about it */
	}
	{
		int fd = open("/dev/null", O_RDWR);

		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
	}
	signal(SIGHUP, SIG_IGN);
	if (lpar_ctx_open() == 0) {
		lpar_log_note("monitor for %s (domain %u) started", name,
			      domid);
		monitor(name, domid);
		lpar_log_note("monitor for %s ends", name);
		libxl_ctx_free(lpar_ctx);
	}
	lpar_log_close();
	_exit(0);
}

int lpar_create(struct lpar_config *cfg, const struct lpar_create_opts *o)
{
	char err[LPAR_ERR_MAX], name[80];
	uint32_t domid;
	double libxl_ms = 0;
	int lock, rc;

	if (lpar_state_init(lpar_state_root, err, sizeof(err))) {
		lpar_err("%s", err);
		return -1;
	}
	lock = lpar_state_lock(lpar_state_root, err, sizeof(err));
	if (lock < 0) {
		lpar_err("%s", err);
		return -1;
	}
	snprintf(name, sizeof(name), "%s", cfg->dc.c_info.name);
	rc = create_locked(cfg, o, &domid, &libxl_ms);
	lpar_state_unlock(lock);
	if (rc)
		return -1;
	/* Unpaused first, as xl does: the partition runs without waiting
	 * for the fork. A shutdown before the monitor watches is not lost:
	 * libxl reports a domain's shutdown state when a watch starts. */
	if (!o->paused) {
		rc = libxl_domain_unpause(lpar_ctx, domid, NULL);
		if (rc) {
			lpar_err_libxl("unpausing the domain", rc);
			if (!o->no_monitor)
				spawn_monitor(name, domid);
			return -1;
		}
	}
	/* The time to a running partition, and lpar's own share of it
	 * (what is not libxl_domain_create_new), for bench/toolstack. */
	{
		double t = lpar_elapsed_ms();

		lpar_log_note("partition %s %s %.0f ms after lpar started; "
			      "lpar's own part %.0f ms", name,
			      o->paused ? "created (paused)" : "running", t,
			      t - libxl_ms);
	}
	if (!o->no_monitor)
		spawn_monitor(name, domid);
	printf("partition %s started as domain %u\n", name, domid);
	fflush(stdout);
	if (o->console) {
		rc = libxl_primary_console_exec(lpar_ctx, domid, -1);
		lpar_err_libxl("attaching the console", rc);
		return -1;
	}
	return 0;
}

/* Is the action on poweroff of partition name "preserve" (its domain
 * then stays shut down)? */
static bool preserved_on_poweroff(const char *name, uint32_t domid)
{
	struct lpar_run run;
	struct lpar_config cfg;
	char err[LPAR_ERR_MAX];
	bool keep;

	if (lpar_run_load(lpar_state_root, name, &run, err, sizeof(err)) ||
	    run.domid != domid)
		return false;
	if (reload_config(name, run.defined, &cfg))
		return false;
	keep = cfg.dc.on_poweroff == LIBXL_ACTION_ON_SHUTDOWN_PRESERVE;
	lpar_config_dispose(&cfg);
	return keep;
}

int lpar_wait_gone(uint32_t domid, const char *name, int timeout_s)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	bool checked = false;

	for (int i = 0; timeout_s <= 0 || i < timeout_s * 10; i++) {
		libxl_dominfo info;
		int rc;
		bool gone, down;

		libxl_dominfo_init(&info);
		rc = libxl_domain_info(lpar_ctx, &info, domid);
		gone = rc == ERROR_DOMAIN_NOTFOUND || (rc == 0 && info.dying);
		down = rc == 0 && info.shutdown &&
		       info.shutdown_reason == LIBXL_SHUTDOWN_REASON_POWEROFF;
		libxl_dominfo_dispose(&info);
		if (gone) {
			char err[LPAR_ERR_MAX];
			int lock;

			/* The monitor releases the record (and a dedicated
			 * pool); should it be gone, do it here. The lock
			 * waits for a monitor busy with it. */
			if (!name)
				return 0;
			lock = lpar_state_lock(lpar_state_root, err,
					       sizeof(err));
			lpar_cleanup_locked(name, domid);
			lpar_state_unlock(lock);
			return 0;
		}
		if (down) {
			/* Without a record, shut down is all there is to
			 * wait for (as xl shutdown -w); a partition's
			 * monitor applies on_poweroff, so wait for that
			 * unless it is preserve. */
			if (!name)
				return 0;
			if (!checked && preserved_on_poweroff(name, domid))
				return 0;
			checked = true;
		}
		nanosleep(&ts, NULL);
	}
	return -1;
}
