// SPDX-License-Identifier: GPL-2.0-or-later
#include "meta.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strparse.h"
#include "util.h"

int xta_meta_load(const char *path, struct xta_meta *meta, char *err,
		  size_t errlen)
{
	json_object *root, *hz, *doms;
	char num_err[200];

	memset(meta, 0, sizeof(*meta));
	root = json_object_from_file(path);
	if (!root) {
		snprintf(err, errlen, "%s: not readable as JSON: %s", path,
			 json_util_get_last_err() ? json_util_get_last_err() :
			 "unknown error");
		return -1;
	}
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "%s: expected a JSON object", path);
		goto fail;
	}
	meta->path = xta_strdup(path);
	if (json_object_object_get_ex(root, "cpu_hz", &hz)) {
		if (json_object_is_type(hz, json_type_int) &&
		    json_object_get_int64(hz) > 0) {
			meta->cpu_hz = (uint64_t)json_object_get_int64(hz);
		} else if (json_object_is_type(hz, json_type_double) &&
			   json_object_get_double(hz) >= 1) {
			meta->cpu_hz = (uint64_t)json_object_get_double(hz);
		} else if (json_object_is_type(hz, json_type_string)) {
			if (xlp_parse_hz(json_object_get_string(hz), "cpu_hz",
					 &meta->cpu_hz, num_err, sizeof(num_err))) {
				snprintf(err, errlen, "%s: %s", path, num_err);
				goto fail;
			}
		} else {
			snprintf(err, errlen,
				 "%s: cpu_hz must be a positive number of Hz", path);
			goto fail;
		}
	}
	if (json_object_object_get_ex(root, "domains", &doms)) {
		if (!json_object_is_type(doms, json_type_object)) {
			snprintf(err, errlen,
				 "%s: domains must map domain ids to names", path);
			goto fail;
		}
		json_object_object_foreach(doms, key, val) {
			uint64_t id;
			const char *k = key;

			/* "3" or "d3" both name domain 3. */
			if (k[0] == 'd')
				k++;
			if (xlp_parse_u64(k, "domain id", 0, 0x7fff, &id, num_err,
					  sizeof(num_err)) ||
			    !json_object_is_type(val, json_type_string)) {
				snprintf(err, errlen,
					 "%s: domains: \"%s\" should map a domain id to a name",
					 path, key);
				goto fail;
			}
			meta->dom = xta_realloc(meta->dom, (meta->nr_doms + 1) *
						sizeof(*meta->dom));
			meta->dom[meta->nr_doms].id = (uint32_t)id;
			meta->dom[meta->nr_doms].name =
				xta_strdup(json_object_get_string(val));
			meta->nr_doms++;
		}
	}
	json_object_put(root);
	return 0;

fail:
	json_object_put(root);
	xta_meta_free(meta);
	return -1;
}

static int try_sidecar(const char *base, size_t len, struct xta_meta *meta,
		       char *err, size_t errlen)
{
	char *path = xta_malloc(len + 6);
	int ret = 0;

	memcpy(path, base, len);
	strcpy(path + len, ".meta");
	if (access(path, F_OK) == 0)
		ret = xta_meta_load(path, meta, err, errlen) ? -1 : 1;
	free(path);
	return ret;
}

int xta_meta_find(const char *trace, struct xta_meta *meta, char *err,
		  size_t errlen)
{
	size_t len = strlen(trace);
	const char *slash, *dot;
	int ret;

	memset(meta, 0, sizeof(*meta));
	if (!strcmp(trace, "-"))
		return 0;
	/* trace.bin.xz.meta, then trace.bin.meta, then trace.meta */
	ret = try_sidecar(trace, len, meta, err, errlen);
	if (ret)
		return ret;
	if (len > 3 && (!strcmp(trace + len - 3, ".xz") ||
			!strcmp(trace + len - 3, ".gz"))) {
		len -= 3;
		ret = try_sidecar(trace, len, meta, err, errlen);
		if (ret)
			return ret;
	}
	slash = strrchr(trace, '/');
	for (dot = trace + len; dot > trace && dot[-1] != '.' && dot[-1] != '/'; dot--)
		;
	dot = dot > trace && dot[-1] == '.' ? dot - 1 : NULL;
	if (dot && dot > (slash ? slash + 1 : trace))
		return try_sidecar(trace, (size_t)(dot - trace), meta, err, errlen);
	return 0;
}

const char *xta_meta_domain_name(const struct xta_meta *meta, uint32_t id)
{
	for (unsigned i = 0; i < meta->nr_doms; i++)
		if (meta->dom[i].id == id)
			return meta->dom[i].name;
	return NULL;
}

void xta_meta_free(struct xta_meta *meta)
{
	for (unsigned i = 0; i < meta->nr_doms; i++)
		free(meta->dom[i].name);
	free(meta->dom);
	free(meta->path);
	memset(meta, 0, sizeof(*meta));
}
