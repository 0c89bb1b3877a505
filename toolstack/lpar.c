// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lpar: the partition toolstack. An xl-like command on libxl that adds
 * dedicated and shared CPU partitions (see lpar(1), lpar.cfg(5)).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <libxl.h>
#include <libxl_utils.h>

#include "lpar.h"
#include "lpar_config.h"
#include "lpar_host.h"
#include "lpar_log.h"
#include "lpar_policy.h"
#include "lpar_state.h"
#include "strparse.h"

#ifndef LPAR_STATE_DIR_DEFAULT
#define LPAR_STATE_DIR_DEFAULT "/var/lib/lpar"
#endif
#ifndef LPAR_LOG_DIR_DEFAULT
#define LPAR_LOG_DIR_DEFAULT "/var/log/lpar"
#endif

libxl_ctx *lpar_ctx;
const char *lpar_state_root;
const char *lpar_log_dir;
static xentoollog_logger *logger;
static struct timespec started;

double lpar_elapsed_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - started.tv_sec) * 1e3 +
	       (double)(now.tv_nsec - started.tv_nsec) / 1e6;
}

void lpar_err(const char *fmt, ...)
{
	va_list ap;

	fputs("lpar: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	va_start(ap, fmt);
	lpar_log_verror(fmt, ap);
	va_end(ap);
}

void lpar_err_libxl(const char *what, int rc)
{
	const char *last = lpar_log_last_error();

	lpar_err("%s failed: %s%s(libxl error %d); full log in %s", what,
		 last, *last ? " " : "", rc, lpar_log_path());
}

int lpar_ctx_open(void)
{
	if (lpar_ctx)
		return 0;
	if (!logger)
		logger = lpar_log_open(lpar_log_dir);
	if (libxl_ctx_alloc(&lpar_ctx, LIBXL_VERSION, 0, logger)) {
		lpar_ctx = NULL;
		lpar_err("cannot talk to Xen: %s (is this a Xen dom0, and are "
			 "you root?); full log in %s",
			 *lpar_log_last_error() ? lpar_log_last_error()
						: "libxl_ctx_alloc failed",
			 lpar_log_path());
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- */

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
};

static const struct cmd *current;

static void usage_of(const struct cmd *c, FILE *f)
{
	fprintf(f, "Usage: lpar %s %s\n\n%s\n", c->name, c->usage, c->help);
}

/* Handles -h/--help and a wrong argument count. Returns 1 when the
 * command should stop with status *rc. */
static int common_args(int argc, char **argv, int min, int max, int *rc)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage_of(current, stdout);
			*rc = 0;
			return 1;
		}
		if (!strcmp(argv[i], "--"))
			break;
	}
	if (argc - 1 < min || (max >= 0 && argc - 1 > max)) {
		usage_of(current, stderr);
		*rc = 2;
		return 1;
	}
	return 0;
}

static unsigned host_max_cpus(void)
{
	int n = lpar_ctx ? libxl_get_max_cpus(lpar_ctx) : 0;

	return n > 0 ? (unsigned)n : 0;
}

/* getopt for a command: returns the option or -1; sets *stop on -h or
 * an unknown option. */
static int next_opt(int argc, char **argv, const char *shortopts,
		    const struct option *longopts, int *rc, bool *stop)
{
	int c = getopt_long(argc, argv, shortopts, longopts, NULL);

	if (c == 'h') {
		usage_of(current, stdout);
		*rc = 0;
		*stop = true;
	} else if (c == '?') {
		usage_of(current, stderr);
		*rc = 2;
		*stop = true;
	}
	return c;
}

static void parse_warn(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "lpar: %s\n", line);
}

static int create_from(const char *path, const struct lpar_create_opts *co,
		       bool dryrun)
{
	struct lpar_parse_opts po = { .check_files = true, .warn = parse_warn };
	struct lpar_config cfg;
	char err[LPAR_ERR_MAX];
	int rc;

	if (!dryrun && lpar_ctx_open())
		return 1;
	if (dryrun && !lpar_ctx) {
		/* A dry run works without Xen; quietly use it if there. */
		if (access("/proc/xen/privcmd", R_OK) == 0 ||
		    access("/dev/xen/privcmd", R_OK) == 0)
			lpar_ctx_open();
	}
	po.host_max_cpus = host_max_cpus();
	if (lpar_config_load(path, &po, &cfg, err, sizeof(err))) {
		lpar_err("%s", err);
		return 1;
	}
	if (dryrun) {
		char *json = lpar_config_json(&cfg);

		if (!json) {
			lpar_err("cannot turn the config into JSON");
			lpar_config_dispose(&cfg);
			return 1;
		}
		fputs(json, stdout);
		free(json);
		lpar_config_dispose(&cfg);
		return 0;
	}
	rc = lpar_create(&cfg, co);
	lpar_config_dispose(&cfg);
	return rc ? 1 : 0;
}

static int cmd_create(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "console", no_argument, NULL, 'c' },
		{ "paused", no_argument, NULL, 'p' },
		{ "dryrun", no_argument, NULL, 'n' },
		{ "overcommit", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lpar_create_opts co = { 0 };
	bool dry = false, stop = false;
	int c, rc = 0;

	while ((c = next_opt(argc, argv, "+cpnoh", lo, &rc, &stop)) != -1) {
		if (stop)
			return rc;
		switch (c) {
		case 'c': co.console = true; break;
		case 'p': co.paused = true; break;
		case 'n': dry = true; break;
		case 'o': co.overcommit = true; break;
		}
	}
	if (argc - optind != 1) {
		usage_of(current, stderr);
		return 2;
	}
	return create_from(argv[optind], &co, dry);
}

static int cmd_start(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "console", no_argument, NULL, 'c' },
		{ "paused", no_argument, NULL, 'p' },
		{ "overcommit", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lpar_create_opts co = { .defined = true };
	char path[4096];
	bool stop = false;
	int c, rc = 0;

	while ((c = next_opt(argc, argv, "+cpoh", lo, &rc, &stop)) != -1) {
		if (stop)
			return rc;
		switch (c) {
		case 'c': co.console = true; break;
		case 'p': co.paused = true; break;
		case 'o': co.overcommit = true; break;
		}
	}
	if (argc - optind != 1) {
		usage_of(current, stderr);
		return 2;
	}
	if (!lpar_def_exists(lpar_state_root, argv[optind])) {
		lpar_err("no partition named %s is defined (see lpar list "
			 "--all)", argv[optind]);
		return 1;
	}
	lpar_def_path(lpar_state_root, argv[optind], path, sizeof(path));
	return create_from(path, &co, false);
}

static int cmd_define(int argc, char **argv)
{
	struct lpar_parse_opts po = { .check_files = true, .warn = parse_warn };
	struct lpar_config cfg;
	char err[LPAR_ERR_MAX];
	int rc;

	if (common_args(argc, argv, 1, 1, &rc))
		return rc;
	if (lpar_config_load(argv[1], &po, &cfg, err, sizeof(err))) {
		lpar_err("%s", err);
		return 1;
	}
	if (lpar_state_init(lpar_state_root, err, sizeof(err)) ||
	    lpar_def_save(lpar_state_root, cfg.dc.c_info.name, cfg.text,
			  cfg.text_len, err, sizeof(err))) {
		lpar_err("%s", err);
		lpar_config_dispose(&cfg);
		return 1;
	}
	printf("partition %s defined\n", cfg.dc.c_info.name);
	lpar_config_dispose(&cfg);
	return 0;
}

static int cmd_undefine(int argc, char **argv)
{
	char err[LPAR_ERR_MAX];
	int rc;

	if (common_args(argc, argv, 1, 1, &rc))
		return rc;
	if (lpar_def_remove(lpar_state_root, argv[1], err, sizeof(err))) {
		lpar_err("%s", err);
		return 1;
	}
	printf("partition %s undefined\n", argv[1]);
	return 0;
}

/* Resolves the one NAME argument of simple commands. */
static int target(const char *arg, uint32_t *domid, struct lpar_run *run,
		  bool *have_run)
{
	if (lpar_ctx_open())
		return -1;
	return lpar_find(arg, domid, run, have_run);
}

static int cmd_destroy(int argc, char **argv)
{
	struct lpar_run run;
	bool have;
	uint32_t domid;
	char err[LPAR_ERR_MAX];
	int rc, lock;

	if (common_args(argc, argv, 1, 1, &rc))
		return rc;
	/* Under the lock before the name is resolved: a monitor that is
	 * restarting the partition holds it, so the name then means the
	 * new domain (and a monitor that comes after finds no record and
	 * does not restart what was destroyed). */
	lock = lpar_state_lock(lpar_state_root, err, sizeof(err));
	if (target(argv[1], &domid, &run, &have)) {
		lpar_state_unlock(lock);
		return 1;
	}
	if (domid == 0) {
		lpar_state_unlock(lock);
		lpar_err("refusing to destroy dom0");
		return 1;
	}
	rc = libxl_domain_destroy(lpar_ctx, domid, NULL);
	if (rc) {
		lpar_state_unlock(lock);
		lpar_err_libxl("destroying the domain", rc);
		return 1;
	}
	if (have)
		lpar_cleanup_locked(run.name, domid);
	lpar_state_unlock(lock);
	return 0;
}

static int cmd_simple(int argc, char **argv,
		      int (*fn)(libxl_ctx *, uint32_t,
				const libxl_asyncop_how *),
		      const char *what)
{
	struct lpar_run run;
	bool have;
	uint32_t domid;
	int rc;

	if (common_args(argc, argv, 1, 1, &rc))
		return rc;
	if (target(argv[1], &domid, &run, &have))
		return 1;
	rc = fn(lpar_ctx, domid, NULL);
	if (rc) {
		lpar_err_libxl(what, rc);
		return 1;
	}
	return 0;
}

static int cmd_pause(int argc, char **argv)
{
	return cmd_simple(argc, argv, libxl_domain_pause, "pausing the domain");
}

static int cmd_unpause(int argc, char **argv)
{
	return cmd_simple(argc, argv, libxl_domain_unpause,
			  "unpausing the domain");
}

static int cmd_reboot(int argc, char **argv)
{
	return cmd_simple(argc, argv, libxl_domain_reboot,
			  "asking the domain to reboot");
}

static int cmd_shutdown(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "wait", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lpar_run run;
	bool have, wait = false, stop = false;
	uint32_t domid;
	int c, rc = 0;

	while ((c = next_opt(argc, argv, "+wh", lo, &rc, &stop)) != -1) {
		if (stop)
			return rc;
		if (c == 'w')
			wait = true;
	}
	if (argc - optind != 1) {
		usage_of(current, stderr);
		return 2;
	}
	if (target(argv[optind], &domid, &run, &have))
		return 1;
	rc = libxl_domain_shutdown(lpar_ctx, domid, NULL);
	if (rc) {
		lpar_err_libxl("asking the domain to shut down", rc);
		return 1;
	}
	if (wait && lpar_wait_gone(domid, have ? run.name : NULL, 0))
		return 1;
	return 0;
}

static int cmd_console(int argc, char **argv)
{
	struct lpar_run run;
	bool have;
	uint32_t domid;
	int rc;

	if (common_args(argc, argv, 1, 1, &rc))
		return rc;
	if (target(argv[1], &domid, &run, &have))
		return 1;
	rc = libxl_primary_console_exec(lpar_ctx, domid, -1);
	lpar_err_libxl("attaching the console", rc);
	return 1;
}

/* ---- list ---- */

static const char *state_str(const libxl_dominfo *d, char buf[7])
{
	snprintf(buf, 7, "%c%c%c%c%c%c", d->running ? 'r' : '-',
		 d->blocked ? 'b' : '-', d->paused ? 'p' : '-',
		 d->shutdown ? 's' : '-',
		 d->shutdown && d->shutdown_reason == LIBXL_SHUTDOWN_REASON_CRASH
			 ? 'c' : '-',
		 d->dying ? 'd' : '-');
	return buf;
}

static int cmd_list(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, all = false, stop = false;
	libxl_dominfo *doms;
	int c, rc = 0, ndom;
	json_object *arr = NULL;
	char **defs = NULL;
	size_t ndefs = 0;

	while ((c = next_opt(argc, argv, "+jah", lo, &rc, &stop)) != -1) {
		if (stop)
			return rc;
		if (c == 'j')
			json = true;
		else if (c == 'a')
			all = true;
	}
	if (argc != optind) {
		usage_of(current, stderr);
		return 2;
	}
	if (lpar_ctx_open())
		return 1;
	doms = libxl_list_domain(lpar_ctx, &ndom);
	if (!doms) {
		lpar_err_libxl("listing domains", ERROR_FAIL);
		return 1;
	}
	if (all)
		lpar_def_list(lpar_state_root, &defs, &ndefs);
	if (json)
		arr = json_object_new_array();
	else
		printf("%-20s %5s %7s %5s %-6s %-9s %5s %-14s %10s\n", "Name",
		       "ID", "Mem", "VCPUs", "State", "CPU mode", "Share",
		       "Pool", "Time(s)");
	for (int i = 0; i < ndom; i++) {
		libxl_dominfo *d = &doms[i];
		char *name = libxl_domid_to_name(lpar_ctx, d->domid);
		char *pool = libxl_cpupoolid_to_name(lpar_ctx, d->cpupool);
		struct lpar_run run;
		char err[LPAR_ERR_MAX], st[7], cpus[256] = "";
		bool have = name && lpar_run_load(lpar_state_root, name, &run,
						  err, sizeof(err)) == 0 &&
			    run.domid == d->domid;
		const char *mode = have ? lpar_cpu_mode_name(run.mode)
				   : d->domid == 0 ? "dom0" : "xl";

		if (have)
			xlp_cpulist_format(&run.cpus, cpus, sizeof(cpus));
		if (json) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "name",
				json_object_new_string(name ? name : ""));
			json_object_object_add(o, "domid",
				json_object_new_int64(d->domid));
			json_object_object_add(o, "state",
				json_object_new_string(state_str(d, st)));
			json_object_object_add(o, "memory_mib",
				json_object_new_int64(d->current_memkb / 1024));
			json_object_object_add(o, "vcpus",
				json_object_new_int64(d->vcpu_online));
			json_object_object_add(o, "cpu_mode",
				json_object_new_string(mode));
			json_object_object_add(o, "cpu_share",
				json_object_new_int64(have ? run.share : 0));
			json_object_object_add(o, "cpu_capped",
				json_object_new_boolean(have && run.capped &&
							run.mode == LPAR_CPU_SHARED));
			json_object_object_add(o, "dedicated_cpus",
				json_object_new_string(cpus));
			json_object_object_add(o, "pool",
				json_object_new_string(pool ? pool : ""));
			json_object_object_add(o, "cpu_time_s",
				json_object_new_double(d->cpu_time / 1e9));
			json_object_object_add(o, "running",
				json_object_new_boolean(true));
			json_object_array_add(arr, o);
		} else {
			char share[16] = "-";

			if (have && run.mode == LPAR_CPU_SHARED)
				snprintf(share, sizeof(share), "%u%%%s",
					 run.share, run.capped ? "" : "+");
			printf("%-20s %5u %7" PRIu64 " %5u %-6s %-9s %5s %-14s "
			       "%10.1f\n", name ? name : "?", d->domid,
			       d->current_memkb / 1024, d->vcpu_online,
			       state_str(d, st), mode, share, pool ? pool : "?",
			       d->cpu_time / 1e9);
		}
		for (size_t k = 0; k < ndefs; k++) {
			if (name && defs[k] && !strcmp(defs[k], name)) {
				free(defs[k]);
				defs[k] = NULL;
			}
		}
		free(name);
		free(pool);
	}
	for (size_t k = 0; k < ndefs; k++) {
		if (!defs[k])
			continue;
		if (json) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "name",
					       json_object_new_string(defs[k]));
			json_object_object_add(o, "state",
					       json_object_new_string("defined"));
			json_object_object_add(o, "running",
					       json_object_new_boolean(false));
			json_object_array_add(arr, o);
		} else {
			printf("%-20s %5s %7s %5s %-6s\n", defs[k], "-", "-", "-",
			       "defined");
		}
	}
	lpar_names_free(defs, ndefs);
	if (json) {
		puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
		json_object_put(arr);
	}
	libxl_dominfo_list_free(doms, ndom);
	return 0;
}

/* ---- info ---- */

static int cmd_info(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, stop = false;
	int c, rc = 0, npools, ndom;
	libxl_physinfo phys;
	libxl_cpupoolinfo *pools;
	libxl_dominfo *doms;
	libxl_bitmap freemap;
	struct lpar_view view;
	struct xlp_cpuset freeset;
	char buf[1024];
	unsigned vcpus_total = 0, cap;
	json_object *o = NULL, *jp = NULL;

	while ((c = next_opt(argc, argv, "+jh", lo, &rc, &stop)) != -1) {
		if (stop)
			return rc;
		if (c == 'j')
			json = true;
	}
	if (argc != optind) {
		usage_of(current, stderr);
		return 2;
	}
	if (lpar_ctx_open())
		return 1;
	libxl_physinfo_init(&phys);
	if (libxl_get_physinfo(lpar_ctx, &phys)) {
		lpar_err_libxl("reading host information", ERROR_FAIL);
		return 1;
	}
	if (lpar_view_get(&view, NULL))
		return 1;
	doms = libxl_list_domain(lpar_ctx, &ndom);
	for (int i = 0; doms && i < ndom; i++)
		vcpus_total += doms[i].vcpu_online;
	libxl_dominfo_list_free(doms, ndom);
	libxl_bitmap_init(&freemap);
	xlp_cpuset_clear(&freeset);
	if (!libxl_cpu_bitmap_alloc(lpar_ctx, &freemap, 0) &&
	    !libxl_get_freecpus(lpar_ctx, &freemap)) {
		for (unsigned i = 0; i < freemap.size * 8 && i < XLP_CPU_MAX; i++)
			if (libxl_bitmap_test(&freemap, i))
				xlp_cpuset_add(&freeset, i);
	}
	libxl_bitmap_dispose(&freemap);
	cap = lpar_shared_capacity(&view.pool);

	if (json) {
		o = json_object_new_object();
		jp = json_object_new_array();
		json_object_object_add(o, "host_cpus",
				       json_object_new_int64(phys.nr_cpus));
		json_object_object_add(o, "scheduler", json_object_new_string(
			libxl_scheduler_to_string(libxl_get_scheduler(lpar_ctx))));
	} else {
		printf("host CPUs          : %u\n", phys.nr_cpus);
		printf("scheduler          : %s\n",
		       libxl_scheduler_to_string(libxl_get_scheduler(lpar_ctx)));
		printf("%-16s %-9s %-12s %5s %s\n", "pool", "sched", "CPUs",
		       "doms", "use");
	}
	pools = libxl_list_cpupool(lpar_ctx, &npools);
	for (int i = 0; pools && i < npools; i++) {
		struct xlp_cpuset set;
		const char *owner = NULL;

		xlp_cpuset_clear(&set);
		for (unsigned b = 0; b < pools[i].cpumap.size * 8 &&
				     b < XLP_CPU_MAX; b++)
			if (libxl_bitmap_test(&pools[i].cpumap, b))
				xlp_cpuset_add(&set, b);
		xlp_cpulist_format(&set, buf, sizeof(buf));
		for (size_t k = 0; k < view.nruns; k++)
			if (view.runs[k].mode == LPAR_CPU_DEDICATED &&
			    !strcmp(view.runs[k].pool, pools[i].pool_name))
				owner = view.runs[k].name;
		if (json) {
			json_object *p = json_object_new_object();

			json_object_object_add(p, "name",
				json_object_new_string(pools[i].pool_name));
			json_object_object_add(p, "sched", json_object_new_string(
				libxl_scheduler_to_string(pools[i].sched)));
			json_object_object_add(p, "cpus",
				json_object_new_string(buf));
			json_object_object_add(p, "ncpus",
				json_object_new_int64(xlp_cpuset_count(&set)));
			json_object_object_add(p, "domains",
				json_object_new_int64(pools[i].n_dom));
			if (owner)
				json_object_object_add(p, "dedicated_to",
					json_object_new_string(owner));
			if (pools[i].poolid == 0) {
				json_object_object_add(p, "share_capacity",
					json_object_new_int64(cap));
				json_object_object_add(p, "shares_committed",
					json_object_new_int64(view.pool.committed));
				json_object_object_add(p, "shares_free",
					json_object_new_int64(cap > view.pool.committed
						? cap - view.pool.committed : 0));
			}
			json_object_array_add(jp, p);
		} else {
			char use[128] = "";

			if (owner)
				snprintf(use, sizeof(use), "dedicated to %s",
					 owner);
			else if (pools[i].poolid == 0)
				snprintf(use, sizeof(use), "shared: %u%% of %u%% "
					 "committed, %u%% free",
					 view.pool.committed, cap,
					 cap > view.pool.committed
					 ? cap - view.pool.committed : 0);
			printf("%-16s %-9s %-12s %5u %s\n", pools[i].pool_name,
			       libxl_scheduler_to_string(pools[i].sched), buf,
			       pools[i].n_dom, use);
		}
	}
	libxl_cpupoolinfo_list_free(pools, npools);
	xlp_cpulist_format(&freeset, buf, sizeof(buf));
	if (json) {
		json_object_object_add(o, "pools", jp);
		json_object_object_add(o, "free_cpus", json_object_new_string(buf));
		json_object_object_add(o, "vcpus_online",
				       json_object_new_int64(vcpus_total));
		json_object_object_add(o, "overcommit_ratio",
			json_object_new_double(phys.nr_cpus ?
				(double)vcpus_total / phys.nr_cpus : 0));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
		json_object_put(o);
	} else {
		printf("CPUs in no pool    : %s\n", *buf ? buf : "none");
		printf("shares committed   : %u%% of %u%% (Pool-0)\n",
		       view.pool.committed, cap);
		printf("vCPUs online       : %u\n", vcpus_total);
		printf("overcommit ratio   : %.2f vCPUs per pCPU\n",
		       phys.nr_cpus ? (double)vcpus_total / phys.nr_cpus : 0);
	}
	libxl_physinfo_dispose(&phys);
	lpar_view_free(&view);
	return 0;
}

/* ---- vCPUs ---- */

static void bitmap_str(const libxl_bitmap *bm, char *buf, size_t len)
{
	struct xlp_cpuset set;

	xlp_cpuset_clear(&set);
	for (unsigned b = 0; b < bm->size * 8 && b < XLP_CPU_MAX; b++)
		if (libxl_bitmap_test(bm, b))
			xlp_cpuset_add(&set, b);
	xlp_cpulist_format(&set, buf, len);
}

static int vcpu_list_one(uint32_t domid)
{
	libxl_vcpuinfo *v;
	int nv, nc;
	char *name = libxl_domid_to_name(lpar_ctx, domid);

	v = libxl_list_vcpu(lpar_ctx, domid, &nv, &nc);
	if (!v) {
		free(name);
		return -1;
	}
	for (int i = 0; i < nv; i++) {
		char hard[512], soft[512];

		bitmap_str(&v[i].cpumap, hard, sizeof(hard));
		bitmap_str(&v[i].cpumap_soft, soft, sizeof(soft));
		char cpu[12] = "-";

		if (v[i].online)
			snprintf(cpu, sizeof(cpu), "%u", v[i].cpu);
		printf("%-20s %5u %5u %5s %-5s %10.1f  %-12s %s\n",
		       name ? name : "?", domid, v[i].vcpuid, cpu,
		       !v[i].online ? "-" : v[i].running ? "r" :
		       v[i].blocked ? "b" : "-",
		       v[i].vcpu_time / 1e9, hard, soft);
	}
	libxl_vcpuinfo_list_free(v, nv);
	free(name);
	return 0;
}

static int cmd_vcpu_list(int argc, char **argv)
{
	int rc, ndom;

	if (common_args(argc, argv, 0, -1, &rc))
		return rc;
	if (lpar_ctx_open())
		return 1;
	printf("%-20s %5s %5s %5s %-5s %10s  %-12s %s\n", "Name", "ID", "VCPU",
	       "CPU", "State", "Time(s)", "Affinity", "Soft");
	if (argc > 1) {
		for (int i = 1; i < argc; i++) {
			struct lpar_run run;
			bool have;
			uint32_t domid;

			if (lpar_find(argv[i], &domid, &run, &have) ||
			    vcpu_list_one(domid))
				return 1;
		}
		return 0;
	}
	libxl_dominfo *doms = libxl_list_domain(lpar_ctx, &ndom);

	for (int i = 0; doms && i < ndom; i++)
		vcpu_list_one(doms[i].domid);
	libxl_dominfo_list_free(doms, ndom);
	return 0;
}

static int cmd_vcpu_pin(int argc, char **argv)
{
	struct lpar_run run;
	bool have;
	uint32_t domid;
	struct xlp_cpuset set;
	libxl_bitmap map;
	libxl_dominfo info;
	char err[LPAR_ERR_MAX];
	uint64_t vcpu = 0;
	bool allv;
	int rc;

	if (common_args(argc, argv, 3, 3, &rc))
		return rc;
	if (target(argv[1], &domid, &run, &have))
		return 1;
	allv = !strcmp(argv[2], "all");
	if (!allv && xlp_parse_u64(argv[2], "VCPU", 0, XLP_CPU_MAX - 1, &vcpu,
				   err, sizeof(err))) {
		lpar_err("%s", err);
		return 1;
	}
	if (!strcmp(argv[3], "all")) {
		xlp_cpuset_clear(&set);
		for (unsigned c = 0; c < host_max_cpus() && c < XLP_CPU_MAX; c++)
			xlp_cpuset_add(&set, c);
	} else if (xlp_cpulist_parse(argv[3], &set, err, sizeof(err))) {
		lpar_err("CPUS: %s", err);
		return 1;
	} else {
		int beyond = xlp_cpuset_next(&set, host_max_cpus());

		if (beyond >= 0) {
			lpar_err("CPUS: there is no CPU %d (the host has CPUs "
				 "0-%u)", beyond, host_max_cpus() - 1);
			return 1;
		}
	}
	if (have && run.mode == LPAR_CPU_DEDICATED) {
		if (!strcmp(argv[3], "all")) {
			set = run.cpus;
		} else {
			for (int c = xlp_cpuset_next(&set, 0); c >= 0;
			     c = xlp_cpuset_next(&set, c + 1)) {
				if (!xlp_cpuset_has(&run.cpus, c)) {
					xlp_cpulist_format(&run.cpus, err,
							   sizeof(err));
					lpar_err("partition %s is dedicated to "
						 "CPUs %s; CPU %d is not one of "
						 "them", run.name, err, c);
					return 1;
				}
			}
		}
	}
	libxl_bitmap_init(&map);
	if (libxl_cpu_bitmap_alloc(lpar_ctx, &map, 0)) {
		lpar_err("out of memory");
		return 1;
	}
	for (int c = xlp_cpuset_next(&set, 0); c >= 0;
	     c = xlp_cpuset_next(&set, c + 1))
		libxl_bitmap_set(&map, c);
	libxl_dominfo_init(&info);
	rc = libxl_domain_info(lpar_ctx, &info, domid);
	if (!rc && !allv && vcpu > info.vcpu_max_id) {
		lpar_err("VCPU: %s has vCPUs 0-%u; there is no vCPU %" PRIu64,
			 argv[1], info.vcpu_max_id, vcpu);
		libxl_dominfo_dispose(&info);
		libxl_bitmap_dispose(&map);
		return 1;
	}
	if (!rc) {
		if (allv)
			rc = libxl_set_vcpuaffinity_all(lpar_ctx, domid,
							info.vcpu_max_id + 1,
							&map, NULL);
		else
			rc = libxl_set_vcpuaffinity(lpar_ctx, domid,
						    (uint32_t)vcpu, &map, NULL);
	}
	libxl_dominfo_dispose(&info);
	libxl_bitmap_dispose(&map);
	if (rc) {
		lpar_err_libxl("setting vCPU affinity", rc);
		return 1;
	}
	return 0;
}

/* ---- share ---- */

static int cmd_share(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "overcommit", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lpar_run run;
	struct lpar_view view;
	libxl_domain_sched_params sp;
	libxl_dominfo info;
	bool have, over = false, stop = false;
	uint32_t domid;
	uint64_t share;
	unsigned nv;
	char err[LPAR_ERR_MAX];
	int c, rc = 0, lock;

	while ((c = next_opt(argc, argv, "+oh", lo, &rc, &stop)) != -1) {
		if (stop)
			return rc;
		if (c == 'o')
			over = true;
	}
	if (argc - optind != 2) {
		usage_of(current, stderr);
		return 2;
	}
	if (target(argv[optind], &domid, &run, &have))
		return 1;
	if (!have || run.mode != LPAR_CPU_SHARED) {
		lpar_err("%s is not a shared partition (cpu_mode = \"shared\")",
			 argv[optind]);
		return 1;
	}
	libxl_dominfo_init(&info);
	if (libxl_domain_info(lpar_ctx, &info, domid)) {
		lpar_err_libxl("reading the domain", ERROR_FAIL);
		return 1;
	}
	nv = info.vcpu_online ? info.vcpu_online : 1;
	libxl_dominfo_dispose(&info);
	if (xlp_parse_u64(argv[optind + 1], "share", 1, 100 * nv, &share, err,
			  sizeof(err))) {
		lpar_err("%s (100 per vCPU, %u vCPUs)", err, nv);
		return 1;
	}
	lock = lpar_state_lock(lpar_state_root, err, sizeof(err));
	if (lpar_view_get(&view, run.name)) {
		lpar_state_unlock(lock);
		return 1;
	}
	if (lpar_admit_shared(run.name, (unsigned)share, &view.pool, over, err,
			      sizeof(err))) {
		lpar_err("%s", err);
		lpar_view_free(&view);
		lpar_state_unlock(lock);
		return 1;
	}
	lpar_view_free(&view);
	libxl_domain_sched_params_init(&sp);
	rc = libxl_domain_sched_params_get(lpar_ctx, domid, &sp);
	if (!rc) {
		if (run.capped)
			sp.cap = (int)share;
		sp.weight = lpar_share_weight((unsigned)share);
		rc = libxl_domain_sched_params_set(lpar_ctx, domid, &sp);
	}
	libxl_domain_sched_params_dispose(&sp);
	if (rc) {
		lpar_state_unlock(lock);
		lpar_err_libxl("setting the scheduler's cap and weight", rc);
		return 1;
	}
	run.share = (unsigned)share;
	if (over)
		run.overcommit = true;
	if (lpar_run_save(lpar_state_root, &run, NULL, 0, err, sizeof(err)))
		lpar_err("%s", err);
	lpar_state_unlock(lock);
	printf("partition %s: cpu_share %u%% (weight %d%s)\n", run.name,
	       run.share, lpar_share_weight(run.share),
	       run.capped ? ", capped" : ", uncapped");
	return 0;
}

/* ---- devices ---- */

/* The domain a device command names (argv[1]), once its arguments are
 * counted. Returns 0, or else -1 with the exit status in *status. */
static int device_domain(int argc, char **argv, int min, int max,
			 uint32_t *domid, int *status)
{
	struct lpar_run run;
	bool have;

	if (common_args(argc, argv, min, max, status))
		return -1;
	if (target(argv[1], domid, &run, &have)) {
		*status = 1;
		return -1;
	}
	return 0;
}

static int cmd_block_attach(int argc, char **argv)
{
	uint32_t domid;
	libxl_device_disk disk;
	char err[LPAR_ERR_MAX];
	int rc;

	if (device_domain(argc, argv, 2, 2, &domid, &rc))
		return rc;
	libxl_device_disk_init(&disk);
	if (lpar_parse_disk_spec(argv[2], &disk, err, sizeof(err))) {
		lpar_err("%s", err);
		rc = ERROR_INVAL;
	} else {
		rc = libxl_device_disk_add(lpar_ctx, domid, &disk, NULL);
		if (rc)
			lpar_err_libxl("attaching the disk", rc);
	}
	libxl_device_disk_dispose(&disk);
	return rc ? 1 : 0;
}

static int cmd_block_detach(int argc, char **argv)
{
	uint32_t domid;
	libxl_device_disk disk;
	int rc;

	if (device_domain(argc, argv, 2, 2, &domid, &rc))
		return rc;
	libxl_device_disk_init(&disk);
	rc = libxl_vdev_to_device_disk(lpar_ctx, domid, argv[2], &disk);
	if (rc) {
		lpar_err("%s has no disk %s (see lpar block-list %s)",
			 argv[1], argv[2], argv[1]);
	} else {
		rc = libxl_device_disk_remove(lpar_ctx, domid, &disk, NULL);
		if (rc)
			lpar_err_libxl("detaching the disk", rc);
	}
	libxl_device_disk_dispose(&disk);
	return rc ? 1 : 0;
}

static int cmd_block_list(int argc, char **argv)
{
	uint32_t domid;
	libxl_device_disk *disks;
	int rc, n;

	if (device_domain(argc, argv, 1, 1, &domid, &rc))
		return rc;
	disks = libxl_device_disk_list(lpar_ctx, domid, &n);
	printf("%-6s %-8s %-5s %-6s %s\n", "Vdev", "BE", "State", "Mode",
	       "Target");
	for (int i = 0; disks && i < n; i++) {
		libxl_diskinfo di;

		libxl_diskinfo_init(&di);
		libxl_device_disk_getinfo(lpar_ctx, domid, &disks[i], &di);
		printf("%-6s %-8d %-5d %-6s %s\n",
		       disks[i].vdev ? disks[i].vdev : "?", di.backend_id,
		       di.state, disks[i].readwrite ? "rw" : "ro",
		       disks[i].pdev_path ? disks[i].pdev_path : "");
		libxl_diskinfo_dispose(&di);
	}
	if (disks)
		libxl_device_disk_list_free(disks, n);
	return 0;
}

static int cmd_network_attach(int argc, char **argv)
{
	uint32_t domid;
	libxl_device_nic nic;
	char err[LPAR_ERR_MAX];
	int rc = 0;

	if (device_domain(argc, argv, 1, -1, &domid, &rc))
		return rc;
	libxl_device_nic_init(&nic);
	for (int i = 2; i < argc && !rc; i++) {
		rc = lpar_parse_vif_spec(argv[i], &nic, err, sizeof(err));
		if (rc)
			lpar_err("%s", err);
	}
	if (!rc) {
		rc = libxl_device_nic_add(lpar_ctx, domid, &nic, NULL);
		if (rc)
			lpar_err_libxl("attaching the network interface", rc);
	}
	libxl_device_nic_dispose(&nic);
	return rc ? 1 : 0;
}

static int cmd_network_detach(int argc, char **argv)
{
	uint32_t domid;
	libxl_device_nic nic;
	char err[LPAR_ERR_MAX];
	uint64_t devid;
	int rc;

	if (device_domain(argc, argv, 2, 2, &domid, &rc))
		return rc;
	libxl_device_nic_init(&nic);
	if (strchr(argv[2], ':')) {
		rc = libxl_mac_to_device_nic(lpar_ctx, domid, argv[2], &nic);
	} else if (xlp_parse_u64(argv[2], "DEVID", 0, INT32_MAX, &devid,
				 err, sizeof(err))) {
		lpar_err("%s (or give the interface's MAC address)", err);
		libxl_device_nic_dispose(&nic);
		return 1;
	} else {
		rc = libxl_devid_to_device_nic(lpar_ctx, domid, (int)devid,
					       &nic);
	}
	if (rc) {
		lpar_err("%s has no network interface %s (see lpar "
			 "network-list %s)", argv[1], argv[2], argv[1]);
	} else {
		rc = libxl_device_nic_remove(lpar_ctx, domid, &nic, NULL);
		if (rc)
			lpar_err_libxl("detaching the network interface", rc);
	}
	libxl_device_nic_dispose(&nic);
	return rc ? 1 : 0;
}

static int cmd_network_list(int argc, char **argv)
{
	uint32_t domid;
	libxl_device_nic *nics;
	int rc, n;

	if (device_domain(argc, argv, 1, 1, &domid, &rc))
		return rc;
	nics = libxl_device_nic_list(lpar_ctx, domid, &n);
	printf("%-5s %-3s %-17s %-5s %-8s %s\n", "Idx", "BE", "Mac Addr.",
	       "State", "Bridge", "Script");
	for (int i = 0; nics && i < n; i++) {
		libxl_nicinfo ni;
		const uint8_t *m = nics[i].mac;

		libxl_nicinfo_init(&ni);
		libxl_device_nic_getinfo(lpar_ctx, domid, &nics[i], &ni);
		printf("%-5d %-3d %02x:%02x:%02x:%02x:%02x:%02x %-5d %-8s %s\n",
		       nics[i].devid, ni.backend_id, m[0], m[1], m[2], m[3],
		       m[4], m[5], ni.state,
		       nics[i].bridge ? nics[i].bridge : "-",
		       nics[i].script ? nics[i].script : "-");
		libxl_nicinfo_dispose(&ni);
	}
	if (nics)
		libxl_device_nic_list_free(nics, n);
	return 0;
}

/* ---------------------------------------------------------------- */

static const struct cmd cmds[] = {
	{ "create", cmd_create, "[-c] [-p] [-n] [--overcommit] FILE",
	  "Creates a partition from an xl.cfg file with the partition keys\n"
	  "cpu_mode, cpu_share, cpu_capped (see lpar.cfg(5)).\n"
	  "  -c, --console     attach to the console once it runs\n"
	  "  -p, --paused      leave it paused\n"
	  "  -n, --dryrun      print the libxl JSON and change nothing\n"
	  "  -o, --overcommit  admit a shared partition beyond the pool's capacity" },
	{ "destroy", cmd_destroy, "NAME|ID",
	  "Destroys the domain at once and gives a dedicated partition's CPUs\n"
	  "back to Pool-0." },
	{ "shutdown", cmd_shutdown, "[-w] NAME|ID",
	  "Asks the guest to shut down; on_poweroff then applies.\n"
	  "  -w, --wait  wait until it has" },
	{ "reboot", cmd_reboot, "NAME|ID",
	  "Asks the guest to reboot; on_reboot from its definition applies." },
	{ "pause", cmd_pause, "NAME|ID", "Pauses the domain's vCPUs." },
	{ "unpause", cmd_unpause, "NAME|ID", "Unpauses the domain." },
	{ "list", cmd_list, "[--json] [--all]",
	  "Lists domains: state, memory, vCPUs, CPU mode and share, pool,\n"
	  "CPU time.\n"
	  "  -j, --json  machine-readable output\n"
	  "  -a, --all   also defined partitions that are not running" },
	{ "info", cmd_info, "[--json]",
	  "Host CPUs, cpupools and their CPUs, CPUs in no pool, shares\n"
	  "committed in Pool-0, vCPU to pCPU overcommitment.\n"
	  "  -j, --json  machine-readable output" },
	{ "console", cmd_console, "NAME|ID", "Attaches to the guest's console "
	  "(Ctrl-] leaves)." },
	{ "vcpu-list", cmd_vcpu_list, "[NAME|ID...]",
	  "Lists vCPUs: state, CPU time and hard/soft affinity." },
	{ "vcpu-pin", cmd_vcpu_pin, "NAME|ID VCPU|all CPUS|all",
	  "Sets a vCPU's hard affinity. A dedicated partition can only be\n"
	  "pinned within the CPUs it owns." },
	{ "share", cmd_share, "[--overcommit] NAME N",
	  "Changes a shared partition's service ratio live: N percent of one\n"
	  "physical CPU, 1..100 x vCPUs; sets the cap (if capped) and weight." },
	{ "block-attach", cmd_block_attach, "NAME|ID DISKSPEC",
	  "Attaches a disk, given as an xl disk spec (xl-disk-configuration)." },
	{ "block-detach", cmd_block_detach, "NAME|ID VDEV",
	  "Detaches the disk at VDEV (e.g. xvdb)." },
	{ "block-list", cmd_block_list, "NAME|ID", "Lists the domain's disks." },
	{ "network-attach", cmd_network_attach, "NAME|ID [KEY=VALUE...]",
	  "Attaches a network interface (vif keys: mac, bridge, ip, script,\n"
	  "backend, vifname, model, rate, type, gatewaydev)." },
	{ "network-detach", cmd_network_detach, "NAME|ID DEVID|MAC",
	  "Detaches a network interface." },
	{ "network-list", cmd_network_list, "NAME|ID",
	  "Lists the domain's network interfaces." },
	{ "define", cmd_define, "FILE",
	  "Stores FILE as a persistent definition under the state directory\n"
	  "(validated first); replaces an existing one of the same name." },
	{ "start", cmd_start, "[-c] [-p] [--overcommit] NAME",
	  "Creates a defined partition by name." },
	{ "undefine", cmd_undefine, "NAME",
	  "Removes a definition (a running partition keeps running)." },
	{ NULL, NULL, NULL, NULL },
};

static void main_usage(FILE *f)
{
	fprintf(f, "Usage: lpar COMMAND [ARGS]\n\n"
		"The partition toolstack for Xen: builds PV, PVH and HVM "
		"partitions from xl.cfg\nfiles, with dedicated or shared "
		"CPUs.\n\nCommands:\n");
	for (const struct cmd *c = cmds; c->name; c++)
		fprintf(f, "  %-15s %s\n", c->name, c->usage);
	fprintf(f, "\n`lpar COMMAND --help` tells more. State: %s "
		"(LPAR_STATE_DIR); log: %s (LPAR_LOG_DIR).\n",
		lpar_state_root, lpar_log_dir);
}

int main(int argc, char **argv)
{
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &started);
	lpar_state_root = getenv("LPAR_STATE_DIR");
	if (!lpar_state_root || !*lpar_state_root)
		lpar_state_root = LPAR_STATE_DIR_DEFAULT;
	lpar_log_dir = getenv("LPAR_LOG_DIR");
	if (!lpar_log_dir || !*lpar_log_dir)
		lpar_log_dir = LPAR_LOG_DIR_DEFAULT;

	if (argc < 2) {
		main_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		main_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("lpar %s\n", PACKAGE_VERSION);
		return 0;
	}
	for (const struct cmd *c = cmds; c->name; c++) {
		if (strcmp(c->name, argv[1]))
			continue;
		current = c;
		logger = lpar_log_open(lpar_log_dir);
		lpar_log_note("lpar %s", c->name);
		optind = 1;
		rc = c->fn(argc - 1, argv + 1);
		if (lpar_ctx)
			libxl_ctx_free(lpar_ctx);
		lpar_log_note("lpar %s: status %d after %.0f ms", c->name, rc,
			      lpar_elapsed_ms());
		lpar_log_close();
		return rc;
	}
	lpar_err("unknown command \"%s\" (lpar --help lists them)", argv[1]);
	return 2;
}
