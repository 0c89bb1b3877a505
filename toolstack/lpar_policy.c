// SPDX-License-Identifier: GPL-2.0-or-later
#include "lpar_policy.h"

#include <stdio.h>

unsigned lpar_shared_capacity(const struct lpar_shared_pool *pool)
{
	return 100 * xlp_cpuset_count(&pool->cpus);
}

int lpar_admit_dedicated(const char *name, const struct xlp_cpuset *want,
			 const struct lpar_shared_pool *pool,
			 const struct lpar_owner *owners, size_t nowners,
			 bool overcommit, char *err, size_t errlen)
{
	unsigned left, cap;
	int c;

	if (!xlp_cpuset_count(want)) {
		snprintf(err, errlen, "partition %s names no CPU to own", name);
		return -1;
	}
	for (c = xlp_cpuset_next(want, 0); c >= 0;
	     c = xlp_cpuset_next(want, c + 1)) {
		if ((unsigned)c >= pool->host_cpus) {
			snprintf(err, errlen, "CPU %d does not exist: the host "
				 "has CPUs 0-%u", c, pool->host_cpus - 1);
			return -1;
		}
		for (size_t i = 0; i < nowners; i++) {
			if (xlp_cpuset_has(&owners[i].cpus, c)) {
				snprintf(err, errlen, "CPU %d is already "
					 "dedicated to partition %s", c,
					 owners[i].name);
				return -1;
			}
		}
		if (!xlp_cpuset_has(&pool->cpus, c)) {
			snprintf(err, errlen, "CPU %d is not in Pool-0 (it "
				 "belongs to another cpupool or to none), so "
				 "it cannot be dedicated", c);
			return -1;
		}
	}
	left = 0;
	for (c = xlp_cpuset_next(&pool->cpus, 0); c >= 0;
	     c = xlp_cpuset_next(&pool->cpus, c + 1))
		if (!xlp_cpuset_has(want, c))
			left++;
	if (!left) {
		snprintf(err, errlen, "dedicating these CPUs would leave "
			 "Pool-0 (dom0 and the shared partitions) without a "
			 "CPU");
		return -1;
	}
	cap = 100 * left;
	if (!overcommit && pool->committed > cap) {
		snprintf(err, errlen, "shared partitions have %u%% committed; "
			 "Pool-0 would keep %u CPU(s) = %u%% (use --overcommit "
			 "to allow it)", pool->committed, left, cap);
		return -1;
	}
	return 0;
}

int lpar_admit_shared(const char *name, unsigned share,
		      const struct lpar_shared_pool *pool, bool overcommit,
		      char *err, size_t errlen)
{
	unsigned cap = lpar_shared_capacity(pool);

	if (overcommit || pool->committed + share <= cap)
		return 0;
	snprintf(err, errlen, "cpu_share %u%% for %s does not fit: Pool-0 has "
		 "%u CPU(s) = %u%%, %u%% already committed, %u%% free (use "
		 "--overcommit to allow it)", share, name,
		 xlp_cpuset_count(&pool->cpus), cap, pool->committed,
		 cap > pool->committed ? cap - pool->committed : 0);
	return -1;
}
