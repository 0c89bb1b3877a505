/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One main() for every CUnit test program: registers the suites, runs
 * them with CUnit's basic interface (which prints the run summary that
 * scripts/test and CI read), and exits non-zero on any failure. */
#ifndef XLP_CUNIT_RUNNER_H
#define XLP_CUNIT_RUNNER_H

#include <CUnit/CUnit.h>

struct xlp_test {
	const char *name;
	CU_TestFunc fn;
};

struct xlp_suite {
	const char *name;
	const struct xlp_test *tests; /* ends with { NULL, NULL } */
	CU_InitializeFunc init;
	CU_CleanupFunc cleanup;
};

/* suites ends with an entry whose name is NULL. Returns the exit status. */
int xlp_cunit_run(const struct xlp_suite *suites);

#endif
