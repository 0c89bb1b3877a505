// SPDX-License-Identifier: GPL-2.0-or-later
#include "lpar_state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

static int mkdir_p(const char *path, char *err, size_t errlen)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n >= sizeof(buf)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(buf, 0755) && errno != EEXIST) {
				snprintf(err, errlen, "cannot create %s: %s",
					 buf, strerror(errno));
				return -1;
			}
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

int lpar_state_init(const char *root, char *err, size_t errlen)
{
	char buf[4096];

	if (mkdir_p(root, err, errlen))
		return -1;
	snprintf(buf, sizeof(buf), "%s/defs", root);
	if (mkdir_p(buf, err, errlen))
		return -1;
	snprintf(buf, sizeof(buf), "%s/run", root);
	return mkdir_p(buf, err, errlen);
}

int lpar_state_lock(const char *root, char *err, size_t errlen)
{
	char buf[4096];
	int fd;

	snprintf(buf, sizeof(buf), "%s/lock", root);
	fd = open(buf, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", buf,
			 strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX)) {
		if (errno != EINTR) {
			snprintf(err, errlen, "cannot lock %s: %s", buf,
				 strerror(errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}

void lpar_state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int lpar_write_file(const char *path, const char *data, size_t len,
		    char *err, size_t errlen)
{
	char tmp[4200];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", tmp,
			 strerror(errno));
		return -1;
	}
	if (fwrite(data, 1, len, f) != len || fflush(f) || fsync(fileno(f))) {
		snprintf(err, errlen, "cannot write %s: %s", tmp,
			 strerror(errno));
		fclose(f);
		unlink(tmp);
		return -1;
	}
	if (fclose(f) || rename(tmp, path)) {
		snprintf(err, errlen, "cannot write %s: %s", path,
			 strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

void lpar_def_path(const char *root, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/defs/%s.cfg", root, name);
}

int lpar_def_save(const char *root, const char *name, const char *text,
		  size_t len, char *err, size_t errlen)
{
	char path[4096];

	lpar_def_path(root, name, path, sizeof(path));
	return lpar_write_file(path, text, len, err, errlen);
}

bool lpar_def_exists(const char *root, const char *name)
{
	char path[4096];

	lpar_def_path(root, name, path, sizeof(path));
	return access(path, F_OK) == 0;
}

int lpar_def_remove(const char *root, const char *name, char *err,
		    size_t errlen)
{
	char path[4096];

	lpar_def_path(root, name, path, sizeof(path));
	if (unlink(path)) {
		if (errno == ENOENT)
			snprintf(err, errlen, "no partition named %s is "
				 "defined", name);
		else
			snprintf(err, errlen, "cannot remove %s: %s", path,
				 strerror(errno));
		return -1;
	}
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_dir(const char *root, const char *sub, const char *suffix,
		    char ***names, size_t *n)
{
	char path[4096];
	DIR *d;
	struct dirent *de;
	size_t cap = 0, slen = strlen(suffix);

	*names = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/%s", root, sub);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char *s;

		if (len <= slen || strcmp(de->d_name + len - slen, suffix) ||
		    de->d_name[0] == '.')
			continue;
		if (*n == cap) {
			char **nn = realloc(*names, (cap + 16) * sizeof(char *));

			if (!nn)
				goto oom;
			*names = nn;
			cap += 16;
		}
		s = strndup(de->d_name, len - slen);
		if (!s)
			goto oom;
		(*names)[(*n)++] = s;
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(char *), cmp_names);
	return 0;
oom:
	closedir(d);
	lpar_names_free(*names, *n);
	*names = NULL;
	*n = 0;
	return -1;
}

int lpar_def_list(const char *root, char ***names, size_t *n)
{
	return list_dir(root, "defs", ".cfg", names, n);
}

int lpar_run_list(const char *root, char ***names, size_t *n)
{
	return list_dir(root, "run", ".json", names, n);
}

void lpar_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

void lpar_run_cfg_path(const char *root, const char *name, char *buf,
		       size_t len)
{
	snprintf(buf, len, "%s/run/%s.cfg", root, name);
}

int lpar_run_save(const char *root, const struct lpar_run *run,
		  const char *cfgtext, size_t cfglen, char *err, size_t errlen)
{
	char path[4096], cpus[4096];
	json_object *o = json_object_new_object();
	const char *s;
	int rc;

	if (!o) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	xlp_cpulist_format(&run->cpus, cpus, sizeof(cpus));
	json_object_object_add(o, "name", json_object_new_string(run->name));
	json_object_object_add(o, "domid", json_object_new_int64(run->domid));
	json_object_object_add(o, "uuid", json_object_new_string(run->uuid));
	json_object_object_add(o, "cpu_mode",
			       json_object_new_string(lpar_cpu_mode_name(run->mode)));
	json_object_object_add(o, "cpu_share", json_object_new_int(run->share));
	json_object_object_add(o, "cpu_capped",
			       json_object_new_boolean(run->capped));
	json_object_object_add(o, "overcommit",
			       json_object_new_boolean(run->overcommit));
	json_object_object_add(o, "cpus", json_object_new_string(cpus));
	json_object_object_add(o, "pool", json_object_new_string(run->pool));
	json_object_object_add(o, "defined",
			       json_object_new_boolean(run->defined));
	if (cfgtext) {
		lpar_run_cfg_path(root, run->name, path, sizeof(path));
		if (lpar_write_file(path, cfgtext, cfglen, err, errlen)) {
			json_object_put(o);
			return -1;
		}
	}
	snprintf(path, sizeof(path), "%s/run/%s.json", root, run->name);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	rc = lpar_write_file(path, s, strlen(s), err, errlen);
	json_object_put(o);
	return rc;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool jint(json_object *o, const char *key, int64_t *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_int64(v);
	return true;
}

static bool jbool(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) &&
	       json_object_get_boolean(v);
}

int lpar_run_load(const char *root, const char *name, struct lpar_run *run,
		  char *err, size_t errlen)
{
	char path[4096], cerr[256];
	json_object *o;
	const char *s;
	int64_t v;

	memset(run, 0, sizeof(*run));
	snprintf(path, sizeof(path), "%s/run/%s.json", root, name);
	if (access(path, F_OK))
		return 1;
	o = json_object_from_file(path);
	if (!o) {
		snprintf(err, errlen, "%s: not valid JSON", path);
		return -1;
	}
	s = jstr(o, "name");
	if (!s || strlen(s) >= sizeof(run->name) || strcmp(s, name))
		goto bad;
	snprintf(run->name, sizeof(run->name), "%s", s);
	if (!jint(o, "domid", &v) || v < 0 || v > UINT32_MAX)
		goto bad;
	run->domid = (uint32_t)v;
	s = jstr(o, "uuid");
	snprintf(run->uuid, sizeof(run->uuid), "%s", s ? s : "");
	s = jstr(o, "cpu_mode");
	if (!s)
		goto bad;
	run->mode = !strcmp(s, "shared") ? LPAR_CPU_SHARED
		  : !strcmp(s, "dedicated") ? LPAR_CPU_DEDICATED
		  : LPAR_CPU_DEFAULT;
	if (jint(o, "cpu_share", &v) && v >= 0 && v <= 100 * XLP_CPU_MAX)
		run->share = (unsigned)v;
	run->capped = jbool(o, "cpu_capped");
	run->overcommit = jbool(o, "overcommit");
	run->defined = jbool(o, "defined");
	s = jstr(o, "cpus");
	xlp_cpuset_clear(&run->cpus);
	if (s && *s && xlp_cpulist_parse(s, &run->cpus, cerr, sizeof(cerr)))
		goto bad;
	s = jstr(o, "pool");
	snprintf(run->pool, sizeof(run->pool), "%s", s ? s : "");
	json_object_put(o);
	return 0;
bad:
	snprintf(err, errlen, "%s: damaged record", path);
	json_object_put(o);
	return -1;
}

int lpar_run_remove(const char *root, const char *name)
{
	char path[4096];
	int rc = 0;

	snprintf(path, sizeof(path), "%s/run/%s.json", root, name);
	if (unlink(path) && errno != ENOENT)
		rc = -1;
	lpar_run_cfg_path(root, name, path, sizeof(path));
	if (unlink(path) && errno != ENOENT)
		rc = -1;
	return rc;
}
