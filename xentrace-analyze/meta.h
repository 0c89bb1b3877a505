/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sidecar a capture writes next to a trace, TRACE.meta:
 *   { "cpu_hz": 2400000000, "domains": { "0": "Domain-0", "3": "web1" } }
 * so that reports can turn cycles into seconds and say "web1 (d3)".
 * Both members are optional; unknown members are ignored.
 */
#ifndef XTA_META_H
#define XTA_META_H

#include <stddef.h>
#include <stdint.h>

struct xta_meta_domain {
	uint32_t id;
	char *name;
};

struct xta_meta {
	char *path;		/* the file it came from */
	uint64_t cpu_hz;	/* 0: not given */
	struct xta_meta_domain *dom;
	unsigned nr_doms;
};

/*
 * Looks for the sidecar of trace: "TRACE.meta", then the same without a
 * .xz/.gz suffix, then without the file's extension as well (trace.bin.xz:
 * trace.bin.xz.meta, trace.bin.meta, trace.meta). Returns 1 and fills meta
 * when one is found, 0 when there is none, -1 with a sentence in err when
 * one exists but is unusable.
 */
int xta_meta_find(const char *trace, struct xta_meta *meta, char *err,
		  size_t errlen);

/* Loads a given sidecar file: 0, or -1 with a sentence in err. */
int xta_meta_load(const char *path, struct xta_meta *meta, char *err,
		  size_t errlen);

const char *xta_meta_domain_name(const struct xta_meta *meta, uint32_t id);

void xta_meta_free(struct xta_meta *meta);

#endif
