// SPDX-License-Identifier: GPL-2.0-or-later
#include "reader.h"
#include "synth.h"
#include "../../tests/cunit_runner.h"

static void test_placeholder(void)
{
	CU_PASS("filled in next");
}

static const struct xlp_test tests[] = {
	{ "placeholder", test_placeholder },
	{ NULL, NULL },
};

int main(void)
{
	static const struct xlp_suite suites[] = {
		{ "xentrace-analyze/reader", tests, NULL, NULL },
		{ NULL, NULL, NULL, NULL },
	};

	return xlp_cunit_run(suites);
}
