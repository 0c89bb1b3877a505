/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lpar's state directory (default /var/lib/lpar, env LPAR_STATE_DIR):
 *   defs/NAME.cfg   persistent definitions (the config text as given)
 *   run/NAME.json   a running partition: domid, uuid, CPU mode, share,
 *                   owned CPUs and pool
 *   run/NAME.cfg    the config it was started from (for on_reboot)
 *   lock            flock()ed around changes (admission control)
 * Files are written to a temporary name and renamed into place.
 */
#ifndef LPAR_STATE_H
#define LPAR_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpulist.h"
#include "lpar_config.h"

struct lpar_run {
	char name[65];
	uint32_t domid;
	char uuid[37];
	enum lpar_cpu_mode mode;
	unsigned share;
	bool capped;
	bool overcommit;
	struct xlp_cpuset cpus;     /* owned CPUs (dedicated) */
	char pool[80];              /* "lpar-NAME" or "Pool-0" */
	bool defined;               /* started from a definition */
};

/* Creates root, root/defs and root/run. */
int lpar_state_init(const char *root, char *err, size_t errlen);

/* Exclusive lock on root/lock; returns an fd to pass to unlock, or -1. */
int lpar_state_lock(const char *root, char *err, size_t errlen);
void lpar_state_unlock(int fd);

/* Writes path atomically. */
int lpar_write_file(const char *path, const char *data, size_t len,
		    char *err, size_t errlen);

/* root/defs/NAME.cfg into buf (size len). */
void lpar_def_path(const char *root, const char *name, char *buf, size_t len);
int lpar_def_save(const char *root, const char *name, const char *text,
		  size_t len, char *err, size_t errlen);
bool lpar_def_exists(const char *root, const char *name);
int lpar_def_remove(const char *root, const char *name, char *err,
		    size_t errlen);

/* Names under defs/ or run/, sorted; *names is a malloc'ed array of
 * malloc'ed strings, freed with lpar_names_free. */
int lpar_def_list(const char *root, char ***names, size_t *n);
int lpar_run_list(const char *root, char ***names, size_t *n);
void lpar_names_free(char **names, size_t n);

void lpar_run_cfg_path(const char *root, const char *name, char *buf,
		       size_t len);
int lpar_run_save(const char *root, const struct lpar_run *run,
		  const char *cfgtext, size_t cfglen, char *err, size_t errlen);
/* 0, 1 if there is no record, -1 on a damaged one. */
int lpar_run_load(const char *root, const char *name, struct lpar_run *run,
		  char *err, size_t errlen);
int lpar_run_remove(const char *root, const char *name);

#endif
