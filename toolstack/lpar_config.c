// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xl.cfg text -> libxl_domain_config, written against libxlutil's public
 * API. For the options lpar supports it fills the structure the way xl
 * does (so `lpar create -n` and `xl -N create` print the same JSON), and
 * it adds the partition keys. Every problem is reported as one line
 * "FILE: KEY: what is wrong".
 */
#include "lpar_config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxlutil.h>

#include "strparse.h"

struct pctx {
	const char *src;
	char *err;
	size_t errlen;
	XLU_Config *xlu;
	FILE *rep;          /* libxlutil's own reports land here */
	char *repbuf;
	size_t replen;
	const struct lpar_parse_opts *o;
};

static int failf(struct pctx *p, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int failf(struct pctx *p, const char *key, const char *fmt, ...)
{
	char msg[LPAR_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (key)
		snprintf(p->err, p->errlen, "%s: %s: %s", p->src, key, msg);
	else
		snprintf(p->err, p->errlen, "%s: %s", p->src, msg);
	return -1;
}

/* The last non-empty line libxlutil reported, without the trailing
 * newline, or "" when it said nothing. Its "warning:" hints after an
 * error (e.g. that the file looks like Python) are passed over: the
 * error names the line. */
static const char *xlu_said(struct pctx *p)
{
	char *end, *start;

	fflush(p->rep);
	if (!p->repbuf || !p->replen)
		return "";
	end = p->repbuf + p->replen;
	for (;;) {
		while (end > p->repbuf && (end[-1] == '\n' || end[-1] == ' '))
			*--end = '\0';
		start = end;
		while (start > p->repbuf && start[-1] != '\n')
			start--;
		if (strncmp(start, "warning:", 8) || start == p->repbuf)
			return start;
		end = start;
	}
}

static void warnf(struct pctx *p, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void warnf(struct pctx *p, const char *key, const char *fmt, ...)
{
	char msg[LPAR_ERR_MAX], line[LPAR_ERR_MAX + 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "%s: %s: warning: %s", p->src, key, msg);
	if (p->o && p->o->warn)
		p->o->warn(p->o->warn_arg, line);
	else
		fprintf(stderr, "%s\n", line);
}

/* 0 found, 1 absent, -1 wrong type (error set). */
static int get_str(struct pctx *p, const char *key, const char **val)
{
	int e = xlu_cfg_get_string(p->xlu, key, val, 1);

	if (e == ESRCH)
		return 1;
	if (e)
		return failf(p, key, "expected a single value, not a list");
	return 0;
}

static int get_u64(struct pctx *p, const char *key, uint64_t min,
		   uint64_t max, uint64_t *out)
{
	char msg[LPAR_ERR_MAX];
	const char *s;
	int r = get_str(p, key, &s);

	if (r)
		return r;
	if (xlp_parse_u64(s, key, min, max, out, msg, sizeof(msg)))
		/* msg starts with "key: " already */
		return failf(p, NULL, "%s", msg);
	return 0;
}

static int get_bool(struct pctx *p, const char *key, bool *out)
{
	uint64_t v;
	int r = get_u64(p, key, 0, 1, &v);

	if (r == -1)
		return failf(p, key, "expected 0 or 1");
	if (r == 0)
		*out = v;
	return r;
}

static int dup_into(struct pctx *p, const char *key, char **dst,
		    const char *val)
{
	char *s = strdup(val);

	if (!s)
		return failf(p, key, "out of memory");
	free(*dst);
	*dst = s;
	return 0;
}

static int bitmap_alloc(libxl_bitmap *bm, unsigned bits)
{
	libxl_bitmap_init(bm);
	bm->size = (bits + 7) / 8;
	bm->map = calloc(bm->size ? bm->size : 1, 1);
	return bm->map ? 0 : -1;
}

static void bitmap_set(libxl_bitmap *bm, unsigned bit)
{
	if (bit / 8 < bm->size)
		bm->map[bit / 8] |= 1u << (bit % 8);
}

static void bitmap_reset(libxl_bitmap *bm, unsigned bit)
{
	if (bit / 8 < bm->size)
		bm->map[bit / 8] &= ~(1u << (bit % 8));
}

const char *lpar_name_problem(const char *name)
{
	size_t n = strlen(name), i;
	bool digits = true;

	if (n == 0)
		return "is empty";
	if (n > 64)
		return "is longer than 64 characters";
	if (name[0] == '-' || name[0] == '.')
		return "may not start with '-' or '.'";
	for (i = 0; i < n; i++) {
		unsigned char c = name[i];

		if (!isalnum(c) && c != '_' && c != '-' && c != '.')
			return "may only hold letters, digits, '_', '-' and '.'";
		if (!isdigit(c))
			digits = false;
	}
	if (digits)
		return "may not be all digits (it would read as a domain id)";
	if (!strcmp(name, "Domain-0"))
		return "is the name of dom0";
	return NULL;
}

static const char *const action_names[] = {
	[LIBXL_ACTION_ON_SHUTDOWN_DESTROY] = "destroy",
	[LIBXL_ACTION_ON_SHUTDOWN_RESTART] = "restart",
	[LIBXL_ACTION_ON_SHUTDOWN_RESTART_RENAME] = "rename-restart",
	[LIBXL_ACTION_ON_SHUTDOWN_PRESERVE] = "preserve",
	[LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_DESTROY] = "coredump-destroy",
	[LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_RESTART] = "coredump-restart",
	[LIBXL_ACTION_ON_SHUTDOWN_SOFT_RESET] = "soft-reset",
};

const char *lpar_action_name(libxl_action_on_shutdown a)
{
	if ((unsigned)a >= sizeof(action_names) / sizeof(action_names[0]))
		return NULL;
	return action_names[a];
}

static int parse_action(struct pctx *p, const char *key, const char *dflt,
			libxl_action_on_shutdown *out)
{
	const char *s;
	size_t i;
	int r = get_str(p, key, &s);

	if (r < 0)
		return -1;
	if (r == 1)
		s = dflt;
	for (i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++) {
		if (action_names[i] && !strcmp(action_names[i], s)) {
			*out = (libxl_action_on_shutdown)i;
			return 0;
		}
	}
	return failf(p, key, "unknown action \"%s\" (destroy, restart, "
		     "rename-restart, preserve, coredump-destroy, "
		     "coredump-restart, soft-reset)", s);
}

const char *lpar_cpu_mode_name(enum lpar_cpu_mode mode)
{
	switch (mode) {
	case LPAR_CPU_SHARED: return "shared";
	case LPAR_CPU_DEDICATED: return "dedicated";
	default: return "default";
	}
}

int lpar_share_weight(unsigned share)
{
	long w = ((long)share * LPAR_WEIGHT_DEFAULT + 50) / 100;

	if (w < 1)
		w = 1;
	if (w > 65535)
		w = 65535;
	return (int)w;
}

/*
 * One cpus= string, in xl's notation: comma-separated "N", "N-M", "all",
 * each optionally prefixed with '^' to remove those CPUs. "nodes:" is
 * xl's too but needs the host's topology, which lpar does not model.
 */
static int parse_cpu_string(struct pctx *p, const char *key, const char *s,
			    unsigned bits, libxl_bitmap *bm,
			    struct xlp_cpuset *set)
{
	char *copy = strdup(s), *save = NULL, *item;
	char msg[LPAR_ERR_MAX];
	int rc = 0;

	if (!copy)
		return failf(p, key, "out of memory");
	xlp_cpuset_clear(set);
	if (bitmap_alloc(bm, bits)) {
		free(copy);
		return failf(p, key, "out of memory");
	}
	if (!*s) {
		rc = failf(p, key, "empty CPU list");
		goto out;
	}
	for (item = strtok_r(copy, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		bool remove = false;
		struct xlp_cpuset part;
		int c;

		while (isspace((unsigned char)*item))
			item++;
		if (*item == '^') {
			remove = true;
			item++;
		}
		if (!strcmp(item, "all")) {
			xlp_cpuset_clear(&part);
			for (c = 0; c < (int)bits && c < XLP_CPU_MAX; c++)
				xlp_cpuset_add(&part, c);
		} else if (!strncmp(item, "nodes:", 6) ||
			   !strncmp(item, "node:", 5)) {
			rc = failf(p, key, "\"%s\": NUMA node lists are not "
				   "supported by lpar; name the CPUs", item);
			goto out;
		} else if (xlp_cpulist_parse(item, &part, msg, sizeof(msg))) {
			rc = failf(p, key, "%s", msg);
			goto out;
		}
		for (c = xlp_cpuset_next(&part, 0); c >= 0;
		     c = xlp_cpuset_next(&part, c + 1)) {
			if ((unsigned)c >= bits) {
				rc = failf(p, key, "CPU %d does not exist on "
					   "this host (%u CPUs)", c, bits);
				goto out;
			}
			if (remove) {
				bitmap_reset(bm, c);
			} else {
				bitmap_set(bm, c);
			}
		}
	}
	/* The set is what the bitmap ends with, after removals. */
	for (unsigned c = 0; c < bits; c++)
		if (bm->map[c / 8] & (1u << (c % 8)))
			xlp_cpuset_add(set, c);
	if (!xlp_cpuset_count(set))
		rc = failf(p, key, "\"%s\" leaves no CPU", s);
out:
	free(copy);
	return rc;
}

static char *xstrcat3(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%s%s%s", a, b, c);
	return s;
}

static int parse_cmdline(struct pctx *p, libxl_domain_build_info *b)
{
	const char *cmd = NULL, *root = NULL, *extra = NULL;

	if (get_str(p, "cmdline", &cmd) < 0 || get_str(p, "root", &root) < 0 ||
	    get_str(p, "extra", &extra) < 0)
		return -1;
	if (cmd) {
		if (root || extra)
			warnf(p, "cmdline", "root= and extra= are ignored in "
			      "favour of cmdline=");
		b->cmdline = strdup(cmd);
	} else if (root && extra) {
		b->cmdline = xstrcat3("root=", root, *extra ? " " : "");
		if (b->cmdline) {
			char *full = xstrcat3(b->cmdline, extra, "");

			free(b->cmdline);
			b->cmdline = full;
		}
	} else if (root) {
		b->cmdline = xstrcat3("root=", root, "");
	} else if (extra) {
		b->cmdline = strdup(extra);
	} else {
		return 0;
	}
	return b->cmdline ? 0 : failf(p, "cmdline", "out of memory");
}

static int parse_mac(const char *s, libxl_mac mac)
{
	for (int i = 0; i < 6; i++) {
		char *end;
		unsigned long v;

		if (!isxdigit((unsigned char)s[0]))
			return -1;
		v = strtoul(s, &end, 16);
		if (v > 255 || end - s > 2)
			return -1;
		mac[i] = v;
		if (i < 5 && *end != ':')
			return -1;
		if (i == 5 && *end)
			return -1;
		s = end + 1;
	}
	return 0;
}

/* One vif= item: "key=value,key=value". */
static int parse_vif(struct pctx *p, const char *spec, libxl_device_nic *nic)
{
	char *copy = strdup(spec), *save = NULL, *tok;
	int rc = 0;

	if (!copy)
		return failf(p, "vif", "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq, *k, *v;
		char **dst = NULL;

		while (*tok == ' ')
			tok++;
		if (!*tok)
			continue;
		eq = strchr(tok, '=');
		if (!eq) {
			rc = failf(p, "vif", "\"%s\" in \"%s\" is not "
				   "key=value", tok, spec);
			break;
		}
		*eq = '\0';
		k = tok;
		v = eq + 1;
		if (!strcmp(k, "mac")) {
			if (parse_mac(v, nic->mac)) {
				rc = failf(p, "vif", "mac \"%s\" is not six "
					   "hex octets like 00:16:3e:01:02:03",
					   v);
				break;
			}
		} else if (!strcmp(k, "type")) {
			if (!strcmp(v, "vif")) {
				nic->nictype = LIBXL_NIC_TYPE_VIF;
			} else if (!strcmp(v, "ioemu")) {
				nic->nictype = LIBXL_NIC_TYPE_VIF_IOEMU;
			} else {
				rc = failf(p, "vif", "type \"%s\" is neither "
					   "vif nor ioemu", v);
				break;
			}
		} else if (!strcmp(k, "rate")) {
			if (xlu_vif_parse_rate(p->xlu, v, nic)) {
				const char *said = xlu_said(p);

				rc = failf(p, "vif", "rate \"%s\" is not valid%s%s",
					   v, *said ? ": " : "", said);
				break;
			}
		} else if (!strcmp(k, "bridge")) {
			dst = &nic->bridge;
		} else if (!strcmp(k, "ip")) {
			dst = &nic->ip;
		} else if (!strcmp(k, "script")) {
			dst = &nic->script;
		} else if (!strcmp(k, "backend")) {
			dst = &nic->backend_domname;
		} else if (!strcmp(k, "vifname")) {
			dst = &nic->ifname;
		} else if (!strcmp(k, "model")) {
			dst = &nic->model;
		} else if (!strcmp(k, "gatewaydev") || !strcmp(k, "netdev")) {
			dst = &nic->gatewaydev;
		} else {
			rc = failf(p, "vif", "unknown option \"%s\" in \"%s\"",
				   k, spec);
			break;
		}
		if (dst && dup_into(p, "vif", dst, v)) {
			rc = -1;
			break;
		}
	}
	free(copy);
	return rc;
}

static int check_file(struct pctx *p, const char *key, const char *path)
{
	if (!p->o || !p->o->check_files || !path)
		return 0;
	if (access(path, R_OK))
		return failf(p, key, "\"%s\": %s", path, strerror(errno));
	return 0;
}

/* One xl disk spec (xl-disk-configuration), from config key (or from
 * the command line when key is NULL). A target in this domain that no
 * script resolves (a file or a device) must exist: better said now, by
 * name, than by a hotplug timeout half-way through a create. */
static int parse_disk(struct pctx *p, const char *key, const char *spec,
		      libxl_device_disk *disk)
{
	if (xlu_disk_parse(p->xlu, 1, &spec, disk)) {
		const char *said = xlu_said(p);

		return failf(p, key, "\"%s\" is not a valid disk spec%s%s",
			     spec, *said ? ": " : "", said);
	}
	if (!disk->script && disk->backend_domid == 0 &&
	    !disk->backend_domname && disk->pdev_path &&
	    *disk->pdev_path &&
	    check_file(p, key ? key : "target", disk->pdev_path))
		return -1;
	return 0;
}

static int parse_devices(struct pctx *p, libxl_domain_config *dc)
{
	libxl_domain_build_info *b = &dc->b_info;
	XLU_ConfigList *list;
	const char *item;
	int i, e, n;
	uint64_t v;
	int pci_flags[4] = { 0, 0, 0, 0 };
	static const char *const pci_keys[4] = {
		"pci_msitranslate", "pci_power_mgmt", "pci_permissive",
		"pci_seize",
	};

	e = xlu_cfg_get_list(p->xlu, "disk", &list, &n, 1);
	if (e == EINVAL)
		return failf(p, "disk", "expected a list: disk = [ \"...\" ]");
	if (!e) {
		dc->disks = calloc(n ? n : 1, sizeof(*dc->disks));
		if (!dc->disks)
			return failf(p, "disk", "out of memory");
		for (i = 0; (item = xlu_cfg_get_listitem(list, i)); i++) {
			libxl_device_disk *d = &dc->disks[i];

			libxl_device_disk_init(d);
			dc->num_disks = i + 1;
			if (parse_disk(p, "disk", item, d))
				return -1;
		}
	}

	for (i = 0; i < 4; i++) {
		if (get_u64(p, pci_keys[i], 0, 1, &v) < 0)
			return -1;
		else if (xlu_cfg_get_string(p->xlu, pci_keys[i], &item, 1) == 0)
			pci_flags[i] = (int)v;
	}
	e = xlu_cfg_get_list(p->xlu, "pci", &list, &n, 1);
	if (e == EINVAL)
		return failf(p, "pci", "expected a list: pci = [ \"BDF\" ]");
	if (!e) {
		dc->pcidevs = calloc(n ? n : 1, sizeof(*dc->pcidevs));
		if (!dc->pcidevs)
			return failf(p, "pci", "out of memory");
		for (i = 0; (item = xlu_cfg_get_listitem(list, i)); i++) {
			libxl_device_pci *pci = &dc->pcidevs[i];

			libxl_device_pci_init(pci);
			dc->num_pcidevs = i + 1;
			pci->msitranslate = pci_flags[0];
			pci->power_mgmt = pci_flags[1];
			pci->permissive = pci_flags[2];
			pci->seize = pci_flags[3];
			if (b->type == LIBXL_DOMAIN_TYPE_HVM)
				pci->rdm_policy = b->u.hvm.rdm.policy;
			if (xlu_pci_parse_spec_string(p->xlu, pci, item)) {
				const char *said = xlu_said(p);

				return failf(p, "pci", "\"%s\" is not a valid "
					     "PCI spec (BDF[@VSLOT][,opt=val])%s%s",
					     item, *said ? ": " : "", said);
			}
		}
		if (dc->num_pcidevs && b->type == LIBXL_DOMAIN_TYPE_PV)
			libxl_defbool_set(&b->u.pv.e820_host, true);
	}

	e = xlu_cfg_get_list(p->xlu, "vif", &list, &n, 1);
	if (e == EINVAL)
		return failf(p, "vif", "expected a list: vif = [ \"...\" ]");
	if (!e) {
		dc->nics = calloc(n ? n : 1, sizeof(*dc->nics));
		if (!dc->nics)
			return failf(p, "vif", "out of memory");
		for (i = 0; (item = xlu_cfg_get_listitem(list, i)); i++) {
			libxl_device_nic *nic = &dc->nics[i];

			libxl_device_nic_init(nic);
			nic->devid = i;
			dc->num_nics = i + 1;
			if (parse_vif(p, item, nic))
				return -1;
		}
	}
	return 0;
}

static int parse_vcpus_and_cpus(struct pctx *p, struct lpar_config *cfg,
				bool *cpus_is_list)
{
	libxl_domain_build_info *b = &cfg->dc.b_info;
	unsigned bits = p->o && p->o->host_max_cpus ? p->o->host_max_cpus
						    : XLP_CPU_MAX;
	XLU_ConfigList *list;
	const char *s;
	uint64_t v;
	int r, n;

	*cpus_is_list = false;
	r = get_u64(p, "vcpus", 1, XLP_CPU_MAX, &v);
	if (r < 0)
		return -1;
	if (r == 0) {
		cfg->vcpus = (unsigned)v;
	}
	r = get_u64(p, "maxvcpus", 1, XLP_CPU_MAX, &v);
	if (r < 0)
		return -1;
	if (r == 0)
		b->max_vcpus = (int)v;

	/* cpus: one string for every vCPU, or a list, one per vCPU. */
	if (!xlu_cfg_get_list(p->xlu, "cpus", &list, &n, 1)) {
		*cpus_is_list = true;
		if (cfg->mode == LPAR_CPU_DEDICATED)
			return failf(p, "cpus", "a dedicated partition takes "
				     "cpus as one string (\"2-3\"), vCPU i "
				     "is pinned to the i-th CPU");
	} else {
		r = get_str(p, "cpus", &s);
		if (r < 0)
			return -1;
		if (r == 0) {
			libxl_bitmap bm;

			if (parse_cpu_string(p, "cpus", s, bits, &bm,
					     &cfg->cpus)) {
				libxl_bitmap_dispose(&bm);
				return -1;
			}
			libxl_bitmap_dispose(&bm);
			cfg->has_cpus = true;
		}
	}

	if (cfg->mode == LPAR_CPU_DEDICATED) {
		unsigned ncpu;

		if (!cfg->has_cpus)
			return failf(p, "cpus", "cpu_mode = \"dedicated\" "
				     "needs the CPUs it owns, e.g. cpus = \"2-3\"");
		ncpu = xlp_cpuset_count(&cfg->cpus);
		if (!cfg->vcpus && !b->max_vcpus)
			cfg->vcpus = ncpu;
		if (!cfg->vcpus)
			cfg->vcpus = (unsigned)b->max_vcpus;
		if (!b->max_vcpus)
			b->max_vcpus = (int)cfg->vcpus;
		if ((unsigned)b->max_vcpus != ncpu)
			return failf(p, "cpus", "a dedicated partition pins "
				     "vCPUs 1:1, so it needs one CPU per vCPU: "
				     "%d vCPUs but %u CPUs", b->max_vcpus, ncpu);
	}

	if (cfg->vcpus) {
		if (bitmap_alloc(&b->avail_vcpus, cfg->vcpus))
			return failf(p, "vcpus", "out of memory");
		for (unsigned i = 0; i < cfg->vcpus; i++)
			bitmap_set(&b->avail_vcpus, i);
	}
	if (b->max_vcpus == 0)
		b->max_vcpus = (int)cfg->vcpus;
	if ((unsigned)b->max_vcpus < cfg->vcpus)
		return failf(p, "maxvcpus", "%d is less than vcpus = %u",
			     b->max_vcpus, cfg->vcpus);
	if (!cfg->vcpus)
		cfg->vcpus = b->max_vcpus ? (unsigned)b->max_vcpus : 1;

	/* Hard affinity, as xl builds it. */
	if (*cpus_is_list) {
		int cnt = n > b->max_vcpus ? b->max_vcpus : n;

		b->vcpu_hard_affinity = calloc(cnt ? cnt : 1,
					       sizeof(libxl_bitmap));
		if (!b->vcpu_hard_affinity)
			return failf(p, "cpus", "out of memory");
		for (int i = 0; i < cnt; i++) {
			struct xlp_cpuset dummy;

			libxl_bitmap_init(&b->vcpu_hard_affinity[i]);
			b->num_vcpu_hard_affinity = i + 1;
			s = xlu_cfg_get_listitem(list, i);
			if (parse_cpu_string(p, "cpus", s ? s : "", bits,
					     &b->vcpu_hard_affinity[i], &dummy))
				return -1;
		}
		libxl_defbool_set(&b->numa_placement, false);
	} else if (cfg->has_cpus && b->max_vcpus > 0) {
		int c = xlp_cpuset_next(&cfg->cpus, 0);

		b->vcpu_hard_affinity = calloc(b->max_vcpus,
					       sizeof(libxl_bitmap));
		if (!b->vcpu_hard_affinity)
			return failf(p, "cpus", "out of memory");
		for (int i = 0; i < b->max_vcpus; i++) {
			libxl_bitmap *bm = &b->vcpu_hard_affinity[i];

			b->num_vcpu_hard_affinity = i + 1;
			if (bitmap_alloc(bm, bits))
				return failf(p, "cpus", "out of memory");
			if (cfg->mode == LPAR_CPU_DEDICATED) {
				bitmap_set(bm, (unsigned)c);
				c = xlp_cpuset_next(&cfg->cpus, c + 1);
			} else {
				for (int k = xlp_cpuset_next(&cfg->cpus, 0);
				     k >= 0; k = xlp_cpuset_next(&cfg->cpus, k + 1))
					bitmap_set(bm, (unsigned)k);
			}
		}
		if (cfg->mode == LPAR_CPU_DEDICATED)
			libxl_defbool_set(&b->numa_placement, false);
	}
	return 0;
}

static int parse_partition_keys(struct pctx *p, struct lpar_config *cfg)
{
	const char *s;
	uint64_t v;
	bool capped = true;
	int r, rshare, rcap;

	r = get_str(p, "cpu_mode", &s);
	if (r < 0)
		return -1;
	if (r == 0) {
		if (!strcmp(s, "dedicated"))
			cfg->mode = LPAR_CPU_DEDICATED;
		else if (!strcmp(s, "shared"))
			cfg->mode = LPAR_CPU_SHARED;
		else
			return failf(p, "cpu_mode", "\"%s\" is neither "
				     "\"dedicated\" nor \"shared\"", s);
	}
	/* The range check needs vcpus; here only the form. */
	rshare = get_u64(p, "cpu_share", 1, UINT32_MAX, &v);
	if (rshare < 0)
		return -1;
	if (rshare == 0) {
		if (cfg->mode == LPAR_CPU_DEDICATED)
			return failf(p, "cpu_share", "only applies to "
				     "cpu_mode = \"shared\"; a dedicated "
				     "partition owns whole CPUs");
		cfg->mode = LPAR_CPU_SHARED;
		cfg->share = (unsigned)v;
	} else if (cfg->mode == LPAR_CPU_SHARED) {
		return failf(p, "cpu_share", "cpu_mode = \"shared\" needs a "
			     "service ratio, cpu_share = N (percent of one "
			     "physical CPU)");
	}
	rcap = get_bool(p, "cpu_capped", &capped);
	if (rcap < 0)
		return -1;
	if (rcap == 0 && cfg->mode != LPAR_CPU_SHARED)
		return failf(p, "cpu_capped", "only applies to cpu_mode = "
			     "\"shared\"");
	cfg->capped = capped;

	if (cfg->mode != LPAR_CPU_DEFAULT) {
		static const char *const owned[] = { "pool", "cap",
						     "cpu_weight" };

		for (size_t i = 0; i < 3; i++)
			if (!xlu_cfg_get_string(p->xlu, owned[i], &s, 1))
				return failf(p, owned[i], "cannot be combined "
					     "with cpu_mode = \"%s\": lpar sets "
					     "it from the partition keys",
					     lpar_cpu_mode_name(cfg->mode));
	}
	return 0;
}

/* An HVM partition's console and display, as xl reads them. */
static int parse_hvm_console(struct pctx *p, libxl_domain_build_info *b)
{
	static const struct {
		const char *key;
		size_t offset;
	} defbools[] = {
		{ "vnc", offsetof(libxl_domain_build_info, u.hvm.vnc.enable) },
		{ "vncunused",
		  offsetof(libxl_domain_build_info, u.hvm.vnc.findunused) },
		{ "sdl", offsetof(libxl_domain_build_info, u.hvm.sdl.enable) },
		{ "nographic",
		  offsetof(libxl_domain_build_info, u.hvm.nographic) },
	};
	static const struct {
		const char *key;
		size_t offset;
	} strings[] = {
		{ "vnclisten", offsetof(libxl_domain_build_info, u.hvm.vnc.listen) },
		{ "vncpasswd", offsetof(libxl_domain_build_info, u.hvm.vnc.passwd) },
		{ "keymap", offsetof(libxl_domain_build_info, u.hvm.keymap) },
		{ "boot", offsetof(libxl_domain_build_info, u.hvm.boot) },
	};
	const char *s;
	uint64_t v;
	bool on = false;
	int r;

	for (size_t i = 0; i < sizeof(defbools) / sizeof(defbools[0]); i++) {
		r = get_bool(p, defbools[i].key, &on);
		if (r < 0)
			return -1;
		if (r == 0)
			libxl_defbool_set((libxl_defbool *)((char *)b +
					  defbools[i].offset), on);
	}
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		r = get_str(p, strings[i].key, &s);
		if (r < 0)
			return -1;
		if (r == 0 && dup_into(p, strings[i].key,
				       (char **)((char *)b + strings[i].offset),
				       s))
			return -1;
	}
	r = get_u64(p, "vncdisplay", 0, INT32_MAX, &v);
	if (r < 0)
		return -1;
	if (r == 0)
		b->u.hvm.vnc.display = (int)v;

	r = get_str(p, "vga", &s);
	if (r < 0)
		return -1;
	if (r == 0) {
		if (!strcmp(s, "stdvga"))
			b->u.hvm.vga.kind = LIBXL_VGA_INTERFACE_TYPE_STD;
		else if (!strcmp(s, "cirrus"))
			b->u.hvm.vga.kind = LIBXL_VGA_INTERFACE_TYPE_CIRRUS;
		else if (!strcmp(s, "none"))
			b->u.hvm.vga.kind = LIBXL_VGA_INTERFACE_TYPE_NONE;
		else if (!strcmp(s, "qxl"))
			b->u.hvm.vga.kind = LIBXL_VGA_INTERFACE_TYPE_QXL;
		else
			return failf(p, "vga", "\"%s\" is not stdvga, cirrus, "
				     "none or qxl", s);
	} else {
		r = get_bool(p, "stdvga", &on);
		if (r < 0)
			return -1;
		if (r == 0)
			b->u.hvm.vga.kind = on ? LIBXL_VGA_INTERFACE_TYPE_STD :
					    LIBXL_VGA_INTERFACE_TYPE_CIRRUS;
	}

	/* serial: a list of QEMU character devices, or one as a string */
	switch (xlu_cfg_get_list_as_string_list(p->xlu, "serial",
						&b->u.hvm.serial_list, 1)) {
	case 0:
	case ESRCH:
		break;
	case EINVAL:
		r = get_str(p, "serial", &s);
		if (r == 0 && dup_into(p, "serial", &b->u.hvm.serial, s))
			return -1;
		if (r == 0)
			break;
		/* fall through */
	default:
		return failf(p, "serial", "expected a string or a list of "
			     "strings, e.g. serial = \"pty\"");
	}
	return 0;
}

/* Every key lpar reads; a file may hold others, which xl would use and
 * lpar does not: each is named in a warning, not silently dropped. */
static const char *const known_keys[] = {
	"name", "type", "uuid", "kernel", "ramdisk", "extra", "root",
	"cmdline", "bootloader", "memory", "maxmem", "vcpus", "maxvcpus",
	"cpus", "on_poweroff", "on_reboot", "on_crash", "on_watchdog",
	"on_soft_reset", "disk", "vif", "pci", "pci_msitranslate",
	"pci_power_mgmt", "pci_permissive", "pci_seize", "tsc_mode", "pool",
	"cap", "cpu_weight", "cpu_mode", "cpu_share", "cpu_capped",
	/* HVM console and display */
	"vnc", "vnclisten", "vncpasswd", "vncdisplay", "vncunused", "sdl",
	"keymap", "vga", "stdvga", "nographic", "serial", "boot",
};

static void warn_unknown_keys(struct pctx *p, const char *text)
{
	for (const char *line = text; line && *line;) {
		const char *k = line, *end;
		size_t n, i;

		while (*k == ' ' || *k == '\t')
			k++;
		end = k;
		while ((*end >= 'a' && *end <= 'z') ||
		       (*end >= 'A' && *end <= 'Z') ||
		       (*end >= '0' && *end <= '9') || *end == '_')
			end++;
		n = (size_t)(end - k);
		while (*end == ' ' || *end == '\t')
			end++;
		if (n && *end == '=') {
			for (i = 0; i < sizeof(known_keys) /
					sizeof(known_keys[0]); i++)
				if (strlen(known_keys[i]) == n &&
				    !strncmp(known_keys[i], k, n))
					break;
			if (i == sizeof(known_keys) / sizeof(known_keys[0])) {
				char key[64];

				snprintf(key, sizeof(key), "%.*s",
					 (int)(n < 63 ? n : 63), k);
				warnf(p, key, "lpar does not support this "
				      "key; ignored");
			}
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
}

static int parse_all(struct pctx *p, struct lpar_config *cfg)
{
	libxl_domain_config *dc = &cfg->dc;
	libxl_domain_create_info *c = &dc->c_info;
	libxl_domain_build_info *b = &dc->b_info;
	const char *s, *why;
	uint64_t v;
	bool cpus_is_list;
	int r;

	if (xlu_cfg_readdata(p->xlu, cfg->text, (int)cfg->text_len)) {
		const char *said = xlu_said(p);

		return failf(p, NULL, "syntax error%s%s", *said ? ": " : "",
			     said);
	}

	libxl_defbool_set(&c->run_hotplug_scripts, true);

	r = get_str(p, "type", &s);
	if (r < 0)
		return -1;
	if (r == 1 || !strcmp(s, "pv"))
		c->type = LIBXL_DOMAIN_TYPE_PV;
	else if (!strcmp(s, "pvh"))
		c->type = LIBXL_DOMAIN_TYPE_PVH;
	else if (!strcmp(s, "hvm"))
		c->type = LIBXL_DOMAIN_TYPE_HVM;
	else
		return failf(p, "type", "\"%s\" is not pv, pvh or hvm", s);

	r = get_str(p, "name", &s);
	if (r < 0)
		return -1;
	if (r == 1)
		return failf(p, "name", "missing: every partition needs a "
			     "name");
	if ((why = lpar_name_problem(s)))
		return failf(p, "name", "\"%s\" %s", s, why);
	if (dup_into(p, "name", &c->name, s))
		return -1;

	r = get_str(p, "uuid", &s);
	if (r < 0)
		return -1;
	if (r == 0) {
		if (libxl_uuid_from_string(&c->uuid, s))
			return failf(p, "uuid", "\"%s\" is not a UUID", s);
		cfg->uuid_given = true;
	} else {
		libxl_uuid_generate(&c->uuid);
	}

	if (parse_partition_keys(p, cfg))
		return -1;

	r = get_str(p, "pool", &s);
	if (r < 0 || (r == 0 && dup_into(p, "pool", &c->pool_name, s)))
		return -1;

	libxl_domain_build_info_init_type(b, c->type);

	/* xl's default (claim_mode = 1 in an empty xl.conf) */
	libxl_defbool_set(&b->claim_mode, true);

	/* tsc_mode: a name, or (deprecated, as xl warns) its number */
	r = get_str(p, "tsc_mode", &s);
	if (r < 0)
		return -1;
	if (r == 0) {
		if (*s >= '0' && *s <= '9') {
			const char *name;

			if (get_u64(p, "tsc_mode", LIBXL_TSC_MODE_DEFAULT,
				    LIBXL_TSC_MODE_NATIVE_PARAVIRT, &v))
				return -1;
			b->tsc_mode = (libxl_tsc_mode)v;
			name = libxl_tsc_mode_to_string(b->tsc_mode);
			warnf(p, "tsc_mode", "a number is deprecated; write "
			      "tsc_mode = \"%s\"", name ? name : "?");
		} else if (libxl_tsc_mode_from_string(s, &b->tsc_mode)) {
			return failf(p, "tsc_mode", "\"%s\" is not default, "
				     "always_emulate, native or "
				     "native_paravirt", s);
		}
	}

	r = get_u64(p, "cpu_weight", 1, 65535, &v);
	if (r < 0)
		return -1;
	if (r == 0)
		b->sched_params.weight = (int)v;
	r = get_u64(p, "cap", 0, 100 * XLP_CPU_MAX, &v);
	if (r < 0)
		return -1;
	if (r == 0)
		b->sched_params.cap = (int)v;

	r = get_u64(p, "memory", 1, UINT64_MAX / 1024 / 1024, &v);
	if (r < 0)
		return -1;
	if (r == 0)
		b->target_memkb = v * 1024;
	r = get_u64(p, "maxmem", 1, UINT64_MAX / 1024 / 1024, &v);
	if (r < 0)
		return -1;
	if (r == 0)
		b->max_memkb = v * 1024;
	if (b->max_memkb == LIBXL_MEMKB_DEFAULT)
		b->max_memkb = b->target_memkb;
	if (b->target_memkb != LIBXL_MEMKB_DEFAULT &&
	    b->max_memkb < b->target_memkb)
		return failf(p, "maxmem", "%" PRIu64 " MiB is less than memory "
			     "= %" PRIu64 " MiB", b->max_memkb / 1024,
			     b->target_memkb / 1024);

	if (parse_vcpus_and_cpus(p, cfg, &cpus_is_list))
		return -1;

	if (cfg->mode == LPAR_CPU_SHARED) {
		if (cfg->share > 100 * cfg->vcpus)
			return failf(p, "cpu_share", "%u is out of range: 1 to "
				     "%u (100 per vCPU, %u vCPUs)", cfg->share,
				     100 * cfg->vcpus, cfg->vcpus);
		if (cfg->capped)
			b->sched_params.cap = (int)cfg->share;
		b->sched_params.weight = lpar_share_weight(cfg->share);
	} else if (cfg->mode == LPAR_CPU_DEDICATED) {
		size_t n = strlen(c->name) + 6;

		cfg->pool_name = malloc(n);
		if (!cfg->pool_name)
			return failf(p, "name", "out of memory");
		snprintf(cfg->pool_name, n, "lpar-%s", c->name);
		if (dup_into(p, "cpu_mode", &c->pool_name, cfg->pool_name))
			return -1;
	}

	if (parse_action(p, "on_poweroff", "destroy", &dc->on_poweroff) ||
	    parse_action(p, "on_reboot", "restart", &dc->on_reboot) ||
	    parse_action(p, "on_watchdog", "destroy", &dc->on_watchdog) ||
	    parse_action(p, "on_crash", "destroy", &dc->on_crash) ||
	    parse_action(p, "on_soft_reset", "soft-reset", &dc->on_soft_reset))
		return -1;

	if (get_str(p, "kernel", &s) < 0 || get_str(p, "ramdisk", &s) < 0 ||
	    get_str(p, "bootloader", &s) < 0)
		return -1;
	xlu_cfg_replace_string(p->xlu, "kernel", &b->kernel, 1);
	xlu_cfg_replace_string(p->xlu, "ramdisk", &b->ramdisk, 1);
	xlu_cfg_replace_string(p->xlu, "bootloader", &b->bootloader, 1);
	if (parse_cmdline(p, b))
		return -1;
	if (c->type == LIBXL_DOMAIN_TYPE_HVM) {
		if (b->kernel) {
			const char *base = strrchr(b->kernel, '/');

			base = base ? base + 1 : b->kernel;
			if (!strcmp(base, "hvmloader")) {
				warnf(p, "kernel", "hvmloader is the default "
				      "HVM firmware; ignored");
				free(b->kernel);
				b->kernel = NULL;
			}
		}
	} else if (!b->kernel && !b->bootloader) {
		return failf(p, "kernel", "missing: a %s partition needs "
			     "kernel = \"/path/to/vmlinuz\"",
			     c->type == LIBXL_DOMAIN_TYPE_PV ? "PV" : "PVH");
	}
	if (check_file(p, "kernel", b->kernel) ||
	    check_file(p, "ramdisk", b->ramdisk))
		return -1;
	if (c->type == LIBXL_DOMAIN_TYPE_HVM && parse_hvm_console(p, b))
		return -1;
	if (parse_devices(p, dc))
		return -1;
	warn_unknown_keys(p, cfg->text);
	return 0;
}

int lpar_config_parse(const char *source, const char *text, size_t len,
		      const struct lpar_parse_opts *opts,
		      struct lpar_config *cfg, char *err, size_t errlen)
{
	struct pctx p = { .src = source, .err = err, .errlen = errlen,
			  .o = opts };
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	libxl_domain_config_init(&cfg->dc);
	cfg->capped = true;
	cfg->source = strdup(source);
	cfg->text = malloc(len + 1);
	if (!cfg->source || !cfg->text) {
		lpar_config_dispose(cfg);
		snprintf(err, errlen, "%s: out of memory", source);
		return -1;
	}
	memcpy(cfg->text, text, len);
	cfg->text[len] = '\0';
	cfg->text_len = len;

	p.rep = open_memstream(&p.repbuf, &p.replen);
	if (!p.rep) {
		lpar_config_dispose(cfg);
		snprintf(err, errlen, "%s: out of memory", source);
		return -1;
	}
	p.xlu = xlu_cfg_init(p.rep, source);
	if (!p.xlu) {
		rc = failf(&p, NULL, "out of memory");
	} else {
		rc = parse_all(&p, cfg);
		xlu_cfg_destroy(p.xlu);
	}
	fclose(p.rep);
	free(p.repbuf);
	if (rc)
		lpar_config_dispose(cfg);
	return rc;
}

int lpar_config_load(const char *path, const struct lpar_parse_opts *opts,
		     struct lpar_config *cfg, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	libxl_domain_config_init(&cfg->dc);
	if (!f) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 strerror(errno));
		return -1;
	}
	for (;;) {
		if (len + 4096 > cap) {
			char *nb = realloc(buf, cap + 65536);

			if (!nb) {
				free(buf);
				fclose(f);
				snprintf(err, errlen, "%s: out of memory", path);
				return -1;
			}
			buf = nb;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
		if (len > (1u << 20)) {
			free(buf);
			fclose(f);
			snprintf(err, errlen, "%s: larger than 1 MiB; not a "
				 "config file", path);
			return -1;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 strerror(errno));
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	rc = lpar_config_parse(path, buf ? buf : "", len, opts, cfg, err,
			       errlen);
	free(buf);
	return rc;
}

void lpar_config_dispose(struct lpar_config *cfg)
{
	libxl_domain_config_dispose(&cfg->dc);
	free(cfg->source);
	free(cfg->text);
	free(cfg->pool_name);
	memset(cfg, 0, sizeof(*cfg));
	libxl_domain_config_init(&cfg->dc);
}

char *lpar_config_json(struct lpar_config *cfg)
{
	/* The generated *_to_json functions only use the context for a
	 * private gc and for logging; they work without a hypervisor. */
	return libxl_domain_config_to_json(NULL, &cfg->dc);
}

static int with_xlu(const char *what, char *err, size_t errlen,
		    int (*fn)(struct pctx *p, const char *spec, void *dev),
		    const char *spec, void *dev)
{
	/* a device for a running domain: its files are checked too */
	static const struct lpar_parse_opts attach = { .check_files = true };
	struct pctx p = { .src = what, .err = err, .errlen = errlen,
			  .o = &attach };
	int rc;

	p.rep = open_memstream(&p.repbuf, &p.replen);
	if (!p.rep) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p.xlu = xlu_cfg_init(p.rep, what);
	if (!p.xlu) {
		rc = failf(&p, NULL, "out of memory");
	} else {
		rc = fn(&p, spec, dev);
		xlu_cfg_destroy(p.xlu);
	}
	fclose(p.rep);
	free(p.repbuf);
	return rc;
}

static int vif_cb(struct pctx *p, const char *spec, void *dev)
{
	return parse_vif(p, spec, dev);
}

static int disk_cb(struct pctx *p, const char *spec, void *dev)
{
	return parse_disk(p, NULL, spec, dev);
}

int lpar_parse_vif_spec(const char *spec, libxl_device_nic *nic, char *err,
			size_t errlen)
{
	return with_xlu("network-attach", err, errlen, vif_cb, spec, nic);
}

int lpar_parse_disk_spec(const char *spec, libxl_device_disk *disk,
			 char *err, size_t errlen)
{
	return with_xlu("block-attach", err, errlen, disk_cb, spec, disk);
}
