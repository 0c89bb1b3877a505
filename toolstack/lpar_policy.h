/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The partition rules that need no hypervisor: who may own which CPUs,
 * and whether a shared partition's guaranteed share still fits in the
 * shared pool. The host code gathers the facts and asks these.
 */
#ifndef LPAR_POLICY_H
#define LPAR_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "cpulist.h"

/* A running dedicated partition and the CPUs it owns. */
struct lpar_owner {
	const char *name;
	struct xlp_cpuset cpus;
};

/* What the shared pool (Pool-0) looks like now. */
struct lpar_shared_pool {
	struct xlp_cpuset cpus;   /* CPUs in Pool-0 */
	unsigned host_cpus;       /* CPUs the host has (0..host_cpus-1) */
	unsigned committed;       /* sum of running shared partitions' shares */
};

/*
 * May partition `name` take `want` as its dedicated CPUs? Refuses CPUs
 * another partition owns, CPUs the host does not have or that are not in
 * Pool-0, leaving Pool-0 without a CPU, and (unless overcommit) leaving
 * Pool-0 too small for the shares already committed. Returns 0, or -1
 * with one sentence in err.
 */
int lpar_admit_dedicated(const char *name, const struct xlp_cpuset *want,
			 const struct lpar_shared_pool *pool,
			 const struct lpar_owner *owners, size_t nowners,
			 bool overcommit, char *err, size_t errlen);

/*
 * May a shared partition with `share` (percent of one pCPU) start, or an
 * existing one be changed to it? pool->committed must not include this
 * partition's current share. Capacity is 100 per CPU of Pool-0.
 */
int lpar_admit_shared(const char *name, unsigned share,
		      const struct lpar_shared_pool *pool, bool overcommit,
		      char *err, size_t errlen);

/* Capacity of the shared pool in share units (100 per CPU). */
unsigned lpar_shared_capacity(const struct lpar_shared_pool *pool);

#endif
