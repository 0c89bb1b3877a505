// SPDX-License-Identifier: GPL-2.0-or-later
#include "strparse.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

int xlp_parse_u64(const char *text, const char *what, uint64_t min,
		  uint64_t max, uint64_t *out, char *err, size_t errlen)
{
	char *end;
	unsigned long long v;

	/* strtoull accepts a sign and leading blanks; a number here may not. */
	if (!text || !isdigit((unsigned char)text[0])) {
		snprintf(err, errlen, "%s: \"%s\" is not a number", what,
			 text ? text : "");
		return -1;
	}
	errno = 0;
	v = strtoull(text, &end, 0);
	if (errno == ERANGE) {
		snprintf(err, errlen, "%s: \"%s\" is too large", what, text);
		return -1;
	}
	if (errno || *end != '\0') {
		snprintf(err, errlen, "%s: \"%s\" is not a number", what, text);
		return -1;
	}
	if (v < min || v > max) {
		snprintf(err, errlen,
			 "%s: %llu is out of range (%" PRIu64 " to %" PRIu64 ")",
			 what, v, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* Matches suffix against a unit name; "" matches only "". */
static int suffix_is(const char *suffix, const char *unit)
{
	return strcasecmp(suffix, unit) == 0;
}

int xlp_parse_size(const char *text, const char *what, uint64_t *out,
		   char *err, size_t errlen)
{
	static const struct {
		const char *names[3];
		unsigned shift;
	} units[] = {
		{ { "", "B", NULL }, 0 },
		{ { "K", "KiB", "KB" }, 10 },
		{ { "M", "MiB", "MB" }, 20 },
		{ { "G", "GiB", "GB" }, 30 },
		{ { "T", "TiB", "TB" }, 40 },
	};
	char *end;
	unsigned long long v;

	if (!text || !isdigit((unsigned char)text[0]))
		goto bad;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno)
		goto bad;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		for (size_t j = 0; j < 3 && units[i].names[j]; j++) {
			if (!suffix_is(end, units[i].names[j]))
				continue;
			if (units[i].shift && v > (UINT64_MAX >> units[i].shift)) {
				snprintf(err, errlen, "%s: \"%s\" is too large",
					 what, text);
				return -1;
			}
			*out = (uint64_t)v << units[i].shift;
			return 0;
		}
	}
bad:
	snprintf(err, errlen,
		 "%s: \"%s\" is not a size (expected e.g. 512, 64K, 256M, 2G)",
		 what, text ? text : "");
	return -1;
}

int xlp_parse_hz(const char *text, const char *what, uint64_t *out,
		 char *err, size_t errlen)
{
	static const struct {
		const char *name;
		double scale;
	} units[] = {
		{ "", 1.0 }, { "Hz", 1.0 }, { "kHz", 1e3 }, { "MHz", 1e6 }, { "GHz", 1e9 },
	};
	char *end;
	double v;

	if (!text || !isdigit((unsigned char)text[0]))
		goto bad;
	errno = 0;
	v = strtod(text, &end);
	if (errno || !isfinite(v))
		goto bad;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		double hz;

		if (!suffix_is(end, units[i].name))
			continue;
		hz = v * units[i].scale;
		if (hz < 1.0 || hz > 1e12) {
			snprintf(err, errlen,
				 "%s: \"%s\" is not a plausible clock (1 Hz to 1 THz)",
				 what, text);
			return -1;
		}
		*out = (uint64_t)llround(hz);
		return 0;
	}
bad:
	snprintf(err, errlen,
		 "%s: \"%s\" is not a frequency (expected e.g. 2400000000, 2400MHz, 2.4GHz)",
		 what, text ? text : "");
	return -1;
}
