/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where trace bytes come from. A plain trace file is mapped and read in
 * place; standard input and compressed files (.xz, .gz, recognized by
 * their magic bytes, not their names) are read as a stream, through
 * liblzma or zlib.
 */
#ifndef XTA_INPUT_H
#define XTA_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct xta_input;

enum xta_input_kind {
	XTA_INPUT_MAPPED,	/* whole file addressable: xta_input_map() */
	XTA_INPUT_STREAM,	/* sequential only: xta_input_read() */
};

/*
 * Opens path ("-" is standard input). force_stream reads even a plain
 * file through the stream path (tests use it to cover both). Returns 0,
 * or -1 with a sentence in err.
 */
int xta_input_open(struct xta_input **out, const char *path,
		   bool force_stream, char *err, size_t errlen);

/* A trace already in memory (tests, fuzzing); the bytes are not copied
 * and must outlive the input. Compressed data is recognized here too. */
int xta_input_open_mem(struct xta_input **out, const void *data, size_t len,
		       bool force_stream, char *err, size_t errlen);

enum xta_input_kind xta_input_kind(const struct xta_input *in);

/* "mapped file", "stdin", "xz stream", "gzip stream", ... */
const char *xta_input_desc(const struct xta_input *in);

/* Mapped inputs: the bytes and their number. */
const uint8_t *xta_input_map(const struct xta_input *in, uint64_t *len);

/*
 * Mapped inputs: the reader is done with every byte below upto, so their
 * pages may leave this process's resident set (they stay in the page
 * cache). Keeps peak RSS independent of the trace size.
 */
void xta_input_release(struct xta_input *in, uint64_t upto);

/*
 * Stream inputs: reads up to len bytes, fewer only at the end of the
 * data. Returns the number read, or -1 with a sentence in err.
 */
ssize_t xta_input_read(struct xta_input *in, void *buf, size_t len,
		       char *err, size_t errlen);

void xta_input_close(struct xta_input *in);

#endif
