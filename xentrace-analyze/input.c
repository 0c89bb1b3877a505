// SPDX-License-Identifier: GPL-2.0-or-later
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "util.h"

enum codec { CODEC_RAW, CODEC_XZ, CODEC_GZIP };

/* Compressed input is read in chunks of this size. */
#define INBUF_SIZE (1u << 20)
/* Mapped pages are given back in steps of at least this many bytes. */
#define RELEASE_STEP (16u << 20)

struct xta_input {
	enum xta_input_kind kind;
	enum codec codec;
	const char *desc;
	int fd;			/* -1 for memory inputs */
	bool own_fd;

	/* Mapped file or memory buffer. */
	const uint8_t *map;
	uint64_t map_len;
	bool unmap;		/* map came from mmap() */
	uint64_t released;	/* pages below this were given back */

	/* Stream: bytes sniffed for the magic, handed out first. */
	uint8_t peek[8];
	size_t peek_len, peek_pos;
	const uint8_t *mem;	/* memory input read as a stream */
	size_t mem_len, mem_pos;

	/* Compressed stream. */
	uint8_t *inbuf;
	size_t in_len, in_pos;
	bool in_eof;
	bool out_eof;
	uint64_t in_total;	/* compressed bytes consumed, for messages */
	lzma_stream xz;
	z_stream gz;
};

static enum codec sniff(const uint8_t *b, size_t len)
{
	static const uint8_t xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };

	if (len >= 6 && !memcmp(b, xz_magic, 6))
		return CODEC_XZ;
	if (len >= 2 && b[0] == 0x1f && b[1] == 0x8b)
		return CODEC_GZIP;
	return CODEC_RAW;
}

/* Reads raw bytes from wherever the stream comes from: the sniffed
 * prefix first, then the fd or the memory buffer. */
static ssize_t raw_read(struct xta_input *in, void *buf, size_t len,
			char *err, size_t errlen)
{
	size_t done = 0;

	while (done < len && in->peek_pos < in->peek_len)
		((uint8_t *)buf)[done++] = in->peek[in->peek_pos++];
	if (in->mem) {
		size_t n = in->mem_len - in->mem_pos;

		if (n > len - done)
			n = len - done;
		memcpy((uint8_t *)buf + done, in->mem + in->mem_pos, n);
		in->mem_pos += n;
		return (ssize_t)(done + n);
	}
	while (done < len) {
		ssize_t r = read(in->fd, (uint8_t *)buf + done, len - done);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "read error: %s", strerror(errno));
			return -1;
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

static int fill_inbuf(struct xta_input *in, char *err, size_t errlen)
{
	ssize_t r;

	if (in->in_pos < in->in_len || in->in_eof)
		return 0;
	r = raw_read(in, in->inbuf, INBUF_SIZE, err, errlen);
	if (r < 0)
		return -1;
	in->in_len = (size_t)r;
	in->in_pos = 0;
	if (r == 0)
		in->in_eof = true;
	return 0;
}

static ssize_t xz_read(struct xta_input *in, uint8_t *buf, size_t len,
		       char *err, size_t errlen)
{
	lzma_stream *s = &in->xz;

	s->next_out = buf;
	s->avail_out = len;
	while (s->avail_out && !in->out_eof) {
		lzma_ret ret;
		size_t before;

		if (fill_inbuf(in, err, errlen))
			return -1;
		s->next_in = in->inbuf + in->in_pos;
		s->avail_in = in->in_len - in->in_pos;
		before = s->avail_in;
		ret = lzma_code(s, in->in_eof ? LZMA_FINISH : LZMA_RUN);
		in->in_pos += before - s->avail_in;
		in->in_total += before - s->avail_in;
		if (ret == LZMA_STREAM_END) {
			in->out_eof = true;
		} else if (ret != LZMA_OK) {
			snprintf(err, errlen,
				 "xz: %s (near compressed byte %llu)",
				 ret == LZMA_DATA_ERROR ? "compressed data is corrupt" :
				 ret == LZMA_BUF_ERROR ? "compressed data ends early" :
				 ret == LZMA_FORMAT_ERROR ? "not an xz stream" :
				 ret == LZMA_MEM_ERROR ? "out of memory" :
				 "decoder error",
				 (unsigned long long)in->in_total);
			return -1;
		} else if (in->in_eof && before == 0 && s->avail_out) {
			snprintf(err, errlen, "xz: compressed data ends early");
			return -1;
		}
	}
	return (ssize_t)(len - s->avail_out);
}

static ssize_t gz_read(struct xta_input *in, uint8_t *buf, size_t len,
		       char *err, size_t errlen)
{
	z_stream *s = &in->gz;

	s->next_out = buf;
	s->avail_out = (uInt)len;
	while (s->avail_out && !in->out_eof) {
		int ret;
		size_t before;

		if (fill_inbuf(in, err, errlen))
			return -1;
		if (in->in_pos == in->in_len) {
			snprintf(err, errlen, "gzip: compressed data ends early");
			return -1;
		}
		s->next_in = in->inbuf + in->in_pos;
		s->avail_in = (uInt)(in->in_len - in->in_pos);
		before = s->avail_in;
		ret = inflate(s, Z_NO_FLUSH);
		in->in_pos += before - s->avail_in;
		in->in_total += before - s->avail_in;
		if (ret == Z_STREAM_END) {
			/* gzip allows several members back to back. */
			if (fill_inbuf(in, err, errlen))
				return -1;
			if (in->in_pos == in->in_len)
				in->out_eof = true;
			else
				inflateReset(s);
		} else if (ret != Z_OK && ret != Z_BUF_ERROR) {
			snprintf(err, errlen,
				 "gzip: compressed data is corrupt (near compressed byte %llu)",
				 (unsigned long long)in->in_total);
			return -1;
		}
	}
	return (ssize_t)(len - s->avail_out);
}

ssize_t xta_input_read(struct xta_input *in, void *buf, size_t len,
		       char *err, size_t errlen)
{
	switch (in->codec) {
	case CODEC_XZ:
		return xz_read(in, buf, len, err, errlen);
	case CODEC_GZIP:
		return gz_read(in, buf, len, err, errlen);
	default:
		return raw_read(in, buf, len, err, errlen);
	}
}

static int start_codec(struct xta_input *in, enum codec codec, char *err,
		       size_t errlen)
{
	in->codec = codec;
	if (codec == CODEC_RAW)
		return 0;
	in->inbuf = xta_malloc(INBUF_SIZE);
	if (codec == CODEC_XZ) {
		lzma_stream init = LZMA_STREAM_INIT;

		in->xz = init;
		if (lzma_stream_decoder(&in->xz, UINT64_MAX,
					LZMA_CONCATENATED) != LZMA_OK) {
			snprintf(err, errlen, "xz: cannot start the decoder");
			return -1;
		}
		in->desc = in->mem ? "xz data" : in->fd == 0 ? "xz stream on stdin" :
			   "xz file";
	} else {
		memset(&in->gz, 0, sizeof(in->gz));
		/* 15 window bits + 16: gzip header expected. */
		if (inflateInit2(&in->gz, 15 + 16) != Z_OK) {
			snprintf(err, errlen, "gzip: cannot start the decoder");
			return -1;
		}
		in->desc = in->mem ? "gzip data" : in->fd == 0 ?
			   "gzip stream on stdin" : "gzip file";
	}
	in->kind = XTA_INPUT_STREAM;
	return 0;
}

int xta_input_open(struct xta_input **out, const char *path,
		   bool force_stream, char *err, size_t errlen)
{
	struct xta_input *in = xta_calloc(1, sizeof(*in));
	struct stat st;
	ssize_t n;

	in->fd = -1;
	if (!strcmp(path, "-")) {
		in->fd = 0;
	} else {
		in->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (in->fd < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			free(in);
			return -1;
		}
		in->own_fd = true;
	}
	if (fstat(in->fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory", path);
		goto fail;
	}
	/* Sniff the magic bytes; on a pipe they are kept for the reader. */
	n = raw_read(in, in->peek, sizeof(in->peek), err, errlen);
	if (n < 0)
		goto fail;
	in->peek_len = (size_t)n;
	if (n == 0) {
		snprintf(err, errlen, "%s: empty input, not a trace", path);
		goto fail;
	}
	if (S_ISREG(st.st_mode) && !force_stream &&
	    sniff(in->peek, in->peek_len) == CODEC_RAW) {
		void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
				 in->fd, 0);

		if (map != MAP_FAILED) {
			/* The reader walks each pCPU's windows forward; the
			 * kernel's read-ahead then has something to go on. */
			madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
			in->kind = XTA_INPUT_MAPPED;
			in->map = map;
			in->map_len = (uint64_t)st.st_size;
			in->unmap = true;
			in->desc = "mapped file";
			*out = in;
			return 0;
		}
		/* Fall back to reading it: some files cannot be mapped. */
	}
	in->kind = XTA_INPUT_STREAM;
	in->desc = in->fd == 0 ? "stdin" : "file";
	if (start_codec(in, sniff(in->peek, in->peek_len), err, errlen))
		goto fail;
	*out = in;
	return 0;

fail:
	xta_input_close(in);
	return -1;
}

int xta_input_open_mem(struct xta_input **out, const void *data, size_t len,
		       bool force_stream, char *err, size_t errlen)
{
	struct xta_input *in = xta_calloc(1, sizeof(*in));
	enum codec codec = sniff(data, len);

	in->fd = -1;
	if (!force_stream && codec == CODEC_RAW) {
		in->kind = XTA_INPUT_MAPPED;
		in->map = data;
		in->map_len = len;
		in->desc = "memory";
		*out = in;
		return 0;
	}
	in->mem = data;
	in->mem_len = len;
	in->kind = XTA_INPUT_STREAM;
	in->desc = "memory stream";
	if (start_codec(in, codec, err, errlen)) {
		xta_input_close(in);
		return -1;
	}
	*out = in;
	return 0;
}

enum xta_input_kind xta_input_kind(const struct xta_input *in)
{
	return in->kind;
}

const char *xta_input_desc(const struct xta_input *in)
{
	return in->desc;
}

const uint8_t *xta_input_map(const struct xta_input *in, uint64_t *len)
{
	*len = in->map_len;
	return in->map;
}

void xta_input_release(struct xta_input *in, uint64_t upto)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	if (!in->unmap)
		return;
	upto &= ~(page - 1);
	if (upto < in->released + RELEASE_STEP)
		return;
	/* A private read-only file mapping: dropping the pages only drops
	 * this process's references, the data stays in the page cache. */
	madvise((void *)(in->map + in->released), upto - in->released,
		MADV_DONTNEED);
	in->released = upto;
}

void xta_input_close(struct xta_input *in)
{
	if (!in)
		return;
	if (in->unmap)
		munmap((void *)in->map, in->map_len);
	if (in->codec == CODEC_XZ)
		lzma_end(&in->xz);
	else if (in->codec == CODEC_GZIP)
		inflateEnd(&in->gz);
	free(in->inbuf);
	if (in->own_fd)
		close(in->fd);
	free(in);
}
