/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Partition configuration: an xl.cfg file (parsed with libxlutil) turned
 * into a libxl_domain_config, plus the partition keys cpu_mode, cpu_share
 * and cpu_capped, with every validation rule. Needs no Xen host and no
 * libxl context, so all of it runs under the unit tests.
 */
#ifndef LPAR_CONFIG_H
#define LPAR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include <libxl.h>

#include "cpulist.h"

/* Room for one error line: "FILE: KEY: problem". */
#define LPAR_ERR_MAX 1024

enum lpar_cpu_mode {
	LPAR_CPU_DEFAULT,   /* no cpu_mode key: plain xl semantics, Pool-0 */
	LPAR_CPU_SHARED,    /* Pool-0 with cap and weight from cpu_share */
	LPAR_CPU_DEDICATED, /* own cpupool, 1:1 hard pinning */
};

/* Default credit/credit2 weight; cpu_share = 100 gives this weight. */
#define LPAR_WEIGHT_DEFAULT 256

struct lpar_config {
	char *source;               /* file name used in messages */
	char *text;                 /* the config text as read (for define) */
	size_t text_len;
	libxl_domain_config dc;
	enum lpar_cpu_mode mode;
	unsigned share;             /* cpu_share, percent of one pCPU; 0 if none */
	bool capped;                /* cpu_capped: cap = share (default) */
	bool has_cpus;              /* cpus= given as one string */
	struct xlp_cpuset cpus;     /* that string's CPUs */
	unsigned vcpus;             /* vCPUs online at boot */
	bool uuid_given;
	char *pool_name;            /* "lpar-NAME" for dedicated, else NULL */
};

struct lpar_parse_opts {
	/* Check that kernel=, ramdisk= and local disk targets name
	 * readable files. */
	bool check_files;
	/* Size of CPU bitmaps (host's max CPUs); 0 means "cpus=all" can't be
	 * sized and is taken as CPUs 0..XLP_CPU_MAX-1. */
	unsigned host_max_cpus;
	/* Where warnings go (NULL: stderr). */
	void (*warn)(void *arg, const char *line);
	void *warn_arg;
};

/*
 * Parses config text. source names the file in every message. On error
 * returns -1 with one line in err ("FILE: KEY: problem"); cfg is then
 * disposed already. On success the caller disposes cfg.
 */
int lpar_config_parse(const char *source, const char *text, size_t len,
		      const struct lpar_parse_opts *opts,
		      struct lpar_config *cfg, char *err, size_t errlen);

/* Reads path and parses it. */
int lpar_config_load(const char *path, const struct lpar_parse_opts *opts,
		     struct lpar_config *cfg, char *err, size_t errlen);

void lpar_config_dispose(struct lpar_config *cfg);

/* libxl's JSON of the domain config (as xl -N create prints it); caller
 * frees. NULL on allocation failure. */
char *lpar_config_json(struct lpar_config *cfg);

const char *lpar_cpu_mode_name(enum lpar_cpu_mode mode);

/* The weight that goes with a share: proportional, share 100 = 256. */
int lpar_share_weight(unsigned share);

/* Names a partition may have: 1..64 of [A-Za-z0-9_.-], not all digits,
 * not starting with '-' or '.', not "Domain-0". Returns NULL if fine, or
 * what is wrong. */
const char *lpar_name_problem(const char *name);

/* One vif= item ("bridge=br0,mac=...") into nic (initialised by the
 * caller); for network-attach. 0, or -1 with a sentence in err. */
int lpar_parse_vif_spec(const char *spec, libxl_device_nic *nic, char *err,
			size_t errlen);

/* One disk= item into disk (initialised by the caller); for
 * block-attach. */
int lpar_parse_disk_spec(const char *spec, libxl_device_disk *disk,
			 char *err, size_t errlen);

/* Action names as xl.cfg spells them; NULL for unknown. */
const char *lpar_action_name(libxl_action_on_shutdown a);

#endif
