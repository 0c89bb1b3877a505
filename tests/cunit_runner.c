// SPDX-License-Identifier: GPL-2.0-or-later
#include "cunit_runner.h"

#include <CUnit/Basic.h>
#include <stdio.h>

int xlp_cunit_run(const struct xlp_suite *suites)
{
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
		return 2;
	}
	for (const struct xlp_suite *s = suites; s->name; s++) {
		CU_pSuite suite = CU_add_suite(s->name, s->init, s->cleanup);

		if (!suite)
			goto cunit_error;
		for (const struct xlp_test *t = s->tests; t->name; t++)
			if (!CU_add_test(suite, t->name, t->fn))
				goto cunit_error;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS)
		goto cunit_error;
	failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;

cunit_error:
	fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
	CU_cleanup_registry();
	return 2;
}
