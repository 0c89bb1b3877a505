/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Strict parsing of numbers from command lines and config values: the
 * whole string must be the number, and errors say what was wrong. */
#ifndef XLP_STRPARSE_H
#define XLP_STRPARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses a decimal (or 0x-prefixed hexadecimal) unsigned integer in
 * [min, max]. what names the input in the error ("--cpu-hz"). Returns 0, or
 * -1 with a sentence in err.
 */
int xlp_parse_u64(const char *text, const char *what, uint64_t min,
		  uint64_t max, uint64_t *out, char *err, size_t errlen);

/*
 * Parses a size with an optional binary suffix: K, M, G, T (KiB, MiB, ...;
 * case-insensitive; "B" alone or an "iB" tail allowed). "256M" -> 268435456.
 */
int xlp_parse_size(const char *text, const char *what, uint64_t *out,
		   char *err, size_t errlen);

/*
 * Parses a frequency: a plain number of Hz, or with a unit suffix kHz, MHz
 * or GHz, decimals allowed ("2.4GHz", "2400MHz", "2400000000").
 */
int xlp_parse_hz(const char *text, const char *what, uint64_t *out,
		 char *err, size_t errlen);

#endif
