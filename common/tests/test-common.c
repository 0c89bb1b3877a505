// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "cpulist.h"
#include "strparse.h"
#include "../../tests/cunit_runner.h"

static char err[256];

static void test_cpulist_ranges(void)
{
	struct xlp_cpuset set;
	char buf[64];

	CU_ASSERT_EQUAL(xlp_cpulist_parse("0-3, 6 ,8 - 9", &set, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(xlp_cpuset_count(&set), 7);
	CU_ASSERT_TRUE(xlp_cpuset_has(&set, 3));
	CU_ASSERT_FALSE(xlp_cpuset_has(&set, 4));
	xlp_cpulist_format(&set, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "0-3,6,8-9");
}

static void test_cpulist_single_and_max(void)
{
	struct xlp_cpuset set;
	char buf[64];

	CU_ASSERT_EQUAL(xlp_cpulist_parse("4095", &set, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(xlp_cpuset_next(&set, 0), 4095);
	xlp_cpulist_format(&set, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "4095");
	CU_ASSERT_EQUAL(xlp_cpulist_parse("4096", &set, err, sizeof(err)), -1);
}

static void test_cpulist_errors_name_item(void)
{
	struct xlp_cpuset set;

	CU_ASSERT_EQUAL(xlp_cpulist_parse("1,x,3", &set, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "\"x\""));
	CU_ASSERT_EQUAL(xlp_cpulist_parse("5-2", &set, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "backwards"));
	CU_ASSERT_EQUAL(xlp_cpulist_parse("", &set, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(xlp_cpulist_parse("1,", &set, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(xlp_cpulist_parse("-1", &set, err, sizeof(err)), -1);
}

static void test_cpulist_format_short_buffer(void)
{
	struct xlp_cpuset set;
	char buf[4];

	xlp_cpulist_parse("0-3,6", &set, err, sizeof(err));
	CU_ASSERT_EQUAL(xlp_cpulist_format(&set, buf, sizeof(buf)), 5);
	CU_ASSERT_STRING_EQUAL(buf, "0-3");
}

static void test_cpuset_intersects(void)
{
	struct xlp_cpuset a, b;

	xlp_cpulist_parse("0-1", &a, err, sizeof(err));
	xlp_cpulist_parse("2-3", &b, err, sizeof(err));
	CU_ASSERT_FALSE(xlp_cpuset_intersects(&a, &b));
	xlp_cpuset_add(&b, 1);
	CU_ASSERT_TRUE(xlp_cpuset_intersects(&a, &b));
}

static void test_parse_u64(void)
{
	uint64_t v;

	CU_ASSERT_EQUAL(xlp_parse_u64("42", "n", 0, 100, &v, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v, 42);
	CU_ASSERT_EQUAL(xlp_parse_u64("0x10", "n", 0, 100, &v, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v, 16);
	CU_ASSERT_EQUAL(xlp_parse_u64("101", "--share", 1, 100, &v, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--share"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "out of range"));
	CU_ASSERT_EQUAL(xlp_parse_u64("-1", "n", 0, 100, &v, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(xlp_parse_u64(" 1", "n", 0, 100, &v, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(xlp_parse_u64("12abc", "n", 0, 100, &v, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(xlp_parse_u64("99999999999999999999999", "n", 0, UINT64_MAX,
				      &v, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "too large"));
}

static void test_parse_size(void)
{
	uint64_t v;

	CU_ASSERT_EQUAL(xlp_parse_size("512", "s", &v, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v, 512);
	CU_ASSERT_EQUAL(xlp_parse_size("256M", "s", &v, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v, 256ULL << 20);
	CU_ASSERT_EQUAL(xlp_parse_size("2gib", "s", &v, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v, 2ULL << 30);
	CU_ASSERT_EQUAL(xlp_parse_size("1X", "--size", &v, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--size"));
	CU_ASSERT_EQUAL(xlp_parse_size("99999999999T", "s", &v, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "too large"));
}

static void test_parse_hz(void)
{
	uint64_t v;

	CU_ASSERT_EQUAL(xlp_parse_hz("2.4GHz", "f", &v, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v, 2400000000ULL);
	CU_ASSERT_EQUAL(xlp_parse_hz("2400mhz", "f", &v, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v, 2400000000ULL);
	CU_ASSERT_EQUAL(xlp_parse_hz("3000000000", "f", &v, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v, 3000000000ULL);
	CU_ASSERT_EQUAL(xlp_parse_hz("0", "--cpu-hz", &v, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--cpu-hz"));
	CU_ASSERT_EQUAL(xlp_parse_hz("fast", "f", &v, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(xlp_parse_hz("2.4 GHz", "f", &v, err, sizeof(err)), -1);
}

static const struct xlp_test cpulist_tests[] = {
	{ "ranges and canonical form", test_cpulist_ranges },
	{ "single CPU and the limit", test_cpulist_single_and_max },
	{ "errors name the item", test_cpulist_errors_name_item },
	{ "format into a short buffer", test_cpulist_format_short_buffer },
	{ "intersection", test_cpuset_intersects },
	{ NULL, NULL },
};

static const struct xlp_test strparse_tests[] = {
	{ "unsigned integers", test_parse_u64 },
	{ "sizes", test_parse_size },
	{ "frequencies", test_parse_hz },
	{ NULL, NULL },
};

int main(void)
{
	static const struct xlp_suite suites[] = {
		{ "common/cpulist", cpulist_tests, NULL, NULL },
		{ "common/strparse", strparse_tests, NULL, NULL },
		{ NULL, NULL, NULL, NULL },
	};

	return xlp_cunit_run(suites);
}
