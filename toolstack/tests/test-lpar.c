// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for liblpar: xl.cfg -> libxl_domain_config, the partition
 * keys, every validation rule, admission control and the state store.
 * No Xen host is needed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lpar_config.h"
#include "lpar_policy.h"
#include "lpar_state.h"
#include "../../tests/cunit_runner.h"

static char err[LPAR_ERR_MAX];
static char tmpdir[256];
static char kernel[300];

static const struct lpar_parse_opts opts = { .host_max_cpus = 8 };

static int parse(const char *text, struct lpar_config *cfg)
{
	return lpar_config_parse("t.cfg", text, strlen(text), &opts, cfg, err,
				 sizeof(err));
}

/* Parses text that must fail; checks the message names the key and
 * holds the expected words. */
static void expect_error(const char *text, const char *key, const char *words)
{
	struct lpar_config cfg;
	char want[128];

	CU_ASSERT_EQUAL_FATAL(parse(text, &cfg), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.cfg: "));
	if (key) {
		snprintf(want, sizeof(want), "t.cfg: %s: ", key);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	}
	if (words && !strstr(err, words)) {
		fprintf(stderr, "\nmessage \"%s\" lacks \"%s\"\n", err, words);
		CU_FAIL("message lacks the expected words");
	}
}

static bool bit(const libxl_bitmap *bm, unsigned b)
{
	return b / 8 < bm->size && (bm->map[b / 8] & (1u << (b % 8)));
}

#define PV "name = \"p1\"\nkernel = \"/boot/vmlinuz\"\n"

static void test_minimal_pv(void)
{
	struct lpar_config cfg;

	CU_ASSERT_EQUAL_FATAL(parse(PV, &cfg), 0);
	CU_ASSERT_STRING_EQUAL(cfg.dc.c_info.name, "p1");
	CU_ASSERT_EQUAL(cfg.dc.c_info.type, LIBXL_DOMAIN_TYPE_PV);
	CU_ASSERT_EQUAL(cfg.dc.b_info.type, LIBXL_DOMAIN_TYPE_PV);
	CU_ASSERT_STRING_EQUAL(cfg.dc.b_info.kernel, "/boot/vmlinuz");
	CU_ASSERT_EQUAL(cfg.mode, LPAR_CPU_DEFAULT);
	CU_ASSERT_EQUAL(cfg.dc.on_poweroff, LIBXL_ACTION_ON_SHUTDOWN_DESTROY);
	CU_ASSERT_EQUAL(cfg.dc.on_reboot, LIBXL_ACTION_ON_SHUTDOWN_RESTART);
	CU_ASSERT_EQUAL(cfg.dc.on_crash, LIBXL_ACTION_ON_SHUTDOWN_DESTROY);
	CU_ASSERT_EQUAL(cfg.dc.on_soft_reset, LIBXL_ACTION_ON_SHUTDOWN_SOFT_RESET);
	CU_ASSERT_TRUE(libxl_defbool_val(cfg.dc.c_info.run_hotplug_scripts));
	CU_ASSERT_TRUE(libxl_defbool_val(cfg.dc.b_info.claim_mode));
	CU_ASSERT_PTR_NULL(cfg.dc.c_info.pool_name);
	CU_ASSERT_FALSE(cfg.uuid_given);
	CU_ASSERT_EQUAL(cfg.vcpus, 0 + 1);
	lpar_config_dispose(&cfg);
}

static void test_all_options(void)
{
	struct lpar_config cfg;
	const char *text =
		"name = \"web\"\n"
		"type = \"pvh\"\n"
		"uuid = \"6a1a4c1e-2f6e-4b8e-9d4a-0123456789ab\"\n"
		"kernel = \"/k\"\nramdisk = \"/r\"\n"
		"extra = \"console=hvc0\"\nroot = \"/dev/xvda1\"\n"
		"memory = 256\nmaxmem = 512\n"
		"vcpus = 2\nmaxvcpus = 4\ncpus = \"1-3,^2\"\n"
		"on_poweroff = \"preserve\"\non_reboot = \"destroy\"\n"
		"on_crash = \"coredump-restart\"\n"
		"disk = [ \"/dev/vg/web,raw,xvda,rw\", "
		"\"format=raw, vdev=xvdb, access=ro, target=/srv/b.img\" ]\n"
		"vif = [ \"mac=00:16:3e:01:02:03,bridge=br0,rate=10Mb/s\", "
		"\"bridge=br1,script=vif-custom\" ]\n"
		"pci = [ \"0000:00:04.0\", \"01:00.1,permissive=1\" ]\n";

	CU_ASSERT_EQUAL_FATAL(parse(text, &cfg), 0);
	libxl_domain_config *dc = &cfg.dc;
	CU_ASSERT_EQUAL(dc->c_info.type, LIBXL_DOMAIN_TYPE_PVH);
	CU_ASSERT_TRUE(cfg.uuid_given);
	CU_ASSERT_STRING_EQUAL(dc->b_info.ramdisk, "/r");
	CU_ASSERT_STRING_EQUAL(dc->b_info.cmdline, "root=/dev/xvda1 console=hvc0");
	CU_ASSERT_EQUAL(dc->b_info.target_memkb, 256 * 1024);
	CU_ASSERT_EQUAL(dc->b_info.max_memkb, 512 * 1024);
	CU_ASSERT_EQUAL(dc->b_info.max_vcpus, 4);
	CU_ASSERT_TRUE(bit(&dc->b_info.avail_vcpus, 1));
	CU_ASSERT_FALSE(bit(&dc->b_info.avail_vcpus, 2));
	CU_ASSERT_EQUAL(dc->b_info.num_vcpu_hard_affinity, 4);
	CU_ASSERT_TRUE(bit(&dc->b_info.vcpu_hard_affinity[3], 1));
	CU_ASSERT_FALSE(bit(&dc->b_info.vcpu_hard_affinity[3], 2));
	CU_ASSERT_TRUE(bit(&dc->b_info.vcpu_hard_affinity[3], 3));
	CU_ASSERT_EQUAL(dc->on_poweroff, LIBXL_ACTION_ON_SHUTDOWN_PRESERVE);
	CU_ASSERT_EQUAL(dc->on_reboot, LIBXL_ACTION_ON_SHUTDOWN_DESTROY);
	CU_ASSERT_EQUAL(dc->on_crash, LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_RESTART);
	CU_ASSERT_EQUAL_FATAL(dc->num_disks, 2);
	CU_ASSERT_STRING_EQUAL(dc->disks[0].pdev_path, "/dev/vg/web");
	CU_ASSERT_STRING_EQUAL(dc->disks[0].vdev, "xvda");
	CU_ASSERT_EQUAL(dc->disks[1].readwrite, 0);
	CU_ASSERT_STRING_EQUAL(dc->disks[1].pdev_path, "/srv/b.img");
	CU_ASSERT_EQUAL_FATAL(dc->num_nics, 2);
	CU_ASSERT_EQUAL(dc->nics[0].mac[5], 3);
	CU_ASSERT_STRING_EQUAL(dc->nics[0].bridge, "br0");
	CU_ASSERT_TRUE(dc->nics[0].rate_bytes_per_interval > 0);
	CU_ASSERT_EQUAL(dc->nics[1].devid, 1);
	CU_ASSERT_STRING_EQUAL(dc->nics[1].script, "vif-custom");
	CU_ASSERT_EQUAL_FATAL(dc->num_pcidevs, 2);
	CU_ASSERT_EQUAL(dc->pcidevs[0].dev, 4);
	CU_ASSERT_EQUAL(dc->pcidevs[1].bus, 1);
	CU_ASSERT_EQUAL(dc->pcidevs[1].func, 1);
	CU_ASSERT_TRUE(dc->pcidevs[1].permissive);
	lpar_config_dispose(&cfg);
}

static int warnings;
static void count_warning(void *arg, const char *line)
{
	(void)arg;
	(void)line;
	warnings++;
}

static void test_tsc_mode(void)
{
	struct lpar_parse_opts wo = { .host_max_cpus = 8,
				      .warn = count_warning };
	struct lpar_config cfg;
	const char *t;

	CU_ASSERT_EQUAL_FATAL(parse(PV, &cfg), 0);
	CU_ASSERT_EQUAL(cfg.dc.b_info.tsc_mode, LIBXL_TSC_MODE_DEFAULT);
	lpar_config_dispose(&cfg);
	CU_ASSERT_EQUAL_FATAL(parse(PV "tsc_mode = \"native\"\n", &cfg), 0);
	CU_ASSERT_EQUAL(cfg.dc.b_info.tsc_mode, LIBXL_TSC_MODE_NATIVE);
	lpar_config_dispose(&cfg);
	/* a number, as older xl.cfg files have it: accepted with a warning */
	warnings = 0;
	t = PV "tsc_mode = 1\n";
	CU_ASSERT_EQUAL_FATAL(lpar_config_parse("t.cfg", t, strlen(t), &wo,
						&cfg, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cfg.dc.b_info.tsc_mode, LIBXL_TSC_MODE_ALWAYS_EMULATE);
	CU_ASSERT_EQUAL(warnings, 1);
	lpar_config_dispose(&cfg);
	expect_error(PV "tsc_mode = \"fast\"\n", "tsc_mode", "native");
	expect_error(PV "tsc_mode = 4\n", "tsc_mode", NULL);
}

static void test_cmdline_wins(void)
{
	struct lpar_config cfg;

	CU_ASSERT_EQUAL_FATAL(parse(PV "cmdline = \"a b\"\n", &cfg), 0);
	CU_ASSERT_STRING_EQUAL(cfg.dc.b_info.cmdline, "a b");
	lpar_config_dispose(&cfg);
}

static void test_hvm_needs_no_kernel(void)
{
	struct lpar_config cfg;

	CU_ASSERT_EQUAL_FATAL(parse("name=\"h\"\ntype=\"hvm\"\nmemory=512\n",
				    &cfg), 0);
	CU_ASSERT_EQUAL(cfg.dc.b_info.type, LIBXL_DOMAIN_TYPE_HVM);
	lpar_config_dispose(&cfg);
}

#define HVM "name = \"h\"\ntype = \"hvm\"\n"

static void test_hvm_console(void)
{
	struct lpar_config cfg;
	libxl_domain_build_info *b = &cfg.dc.b_info;

	CU_ASSERT_EQUAL_FATAL(parse(HVM "vnc = 1\nvnclisten = \"0.0.0.0\"\n"
				    "vncdisplay = 3\nvncunused = 0\n"
				    "nographic = 0\nvga = \"none\"\n"
				    "keymap = \"de\"\nboot = \"dc\"\n"
				    "serial = [ \"pty\", \"file:/tmp/s\" ]\n",
				    &cfg), 0);
	CU_ASSERT_TRUE(libxl_defbool_val(b->u.hvm.vnc.enable));
	CU_ASSERT_STRING_EQUAL(b->u.hvm.vnc.listen, "0.0.0.0");
	CU_ASSERT_EQUAL(b->u.hvm.vnc.display, 3);
	CU_ASSERT_FALSE(libxl_defbool_val(b->u.hvm.vnc.findunused));
	CU_ASSERT_FALSE(libxl_defbool_val(b->u.hvm.nographic));
	CU_ASSERT_EQUAL(b->u.hvm.vga.kind, LIBXL_VGA_INTERFACE_TYPE_NONE);
	CU_ASSERT_STRING_EQUAL(b->u.hvm.keymap, "de");
	CU_ASSERT_STRING_EQUAL(b->u.hvm.boot, "dc");
	CU_ASSERT_EQUAL_FATAL(libxl_string_list_length(&b->u.hvm.serial_list),
			      2);
	CU_ASSERT_STRING_EQUAL(b->u.hvm.serial_list[1], "file:/tmp/s");
	lpar_config_dispose(&cfg);

	/* serial as one string; stdvga = 0 means cirrus, as in xl */
	CU_ASSERT_EQUAL_FATAL(parse(HVM "serial = \"pty\"\nstdvga = 0\n",
				    &cfg), 0);
	CU_ASSERT_STRING_EQUAL(b->u.hvm.serial, "pty");
	CU_ASSERT_EQUAL(b->u.hvm.vga.kind, LIBXL_VGA_INTERFACE_TYPE_CIRRUS);
	lpar_config_dispose(&cfg);

	expect_error(HVM "vga = \"ega\"\n", "vga", "cirrus");
	expect_error(HVM "vnc = 2\n", "vnc", NULL);
	expect_error(HVM "vncdisplay = \"x\"\n", "vncdisplay", NULL);
}

static void test_unknown_keys_warned(void)
{
	struct lpar_parse_opts wo = { .host_max_cpus = 8,
				      .warn = count_warning };
	struct lpar_config cfg;
	const char *t = PV "spice = 1\n  viridian = 1\n# a = 1\n"
			"memory = 256\n";

	warnings = 0;
	CU_ASSERT_EQUAL_FATAL(lpar_config_parse("t.cfg", t, strlen(t), &wo,
						&cfg, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(warnings, 2);	/* spice, viridian; not the comment */
	lpar_config_dispose(&cfg);
}

static void test_dedicated(void)
{
	struct lpar_config cfg;

	CU_ASSERT_EQUAL_FATAL(parse(PV "cpu_mode = \"dedicated\"\n"
				    "cpus = \"2-3\"\n", &cfg), 0);
	CU_ASSERT_EQUAL(cfg.mode, LPAR_CPU_DEDICATED);
	CU_ASSERT_EQUAL(cfg.vcpus, 2);
	CU_ASSERT_EQUAL(cfg.dc.b_info.max_vcpus, 2);
	CU_ASSERT_STRING_EQUAL(cfg.dc.c_info.pool_name, "lpar-p1");
	CU_ASSERT_STRING_EQUAL(cfg.pool_name, "lpar-p1");
	CU_ASSERT_EQUAL_FATAL(cfg.dc.b_info.num_vcpu_hard_affinity, 2);
	/* 1:1: vCPU 0 on CPU 2 only, vCPU 1 on CPU 3 only */
	CU_ASSERT_TRUE(bit(&cfg.dc.b_info.vcpu_hard_affinity[0], 2));
	CU_ASSERT_FALSE(bit(&cfg.dc.b_info.vcpu_hard_affinity[0], 3));
	CU_ASSERT_TRUE(bit(&cfg.dc.b_info.vcpu_hard_affinity[1], 3));
	CU_ASSERT_FALSE(bit(&cfg.dc.b_info.vcpu_hard_affinity[1], 2));
	CU_ASSERT_FALSE(libxl_defbool_val(cfg.dc.b_info.numa_placement));
	CU_ASSERT_EQUAL(xlp_cpuset_count(&cfg.cpus), 2);
	lpar_config_dispose(&cfg);

	CU_ASSERT_EQUAL_FATAL(parse(PV "cpu_mode = \"dedicated\"\n"
				    "cpus = \"5\"\nvcpus = 1\n", &cfg), 0);
	lpar_config_dispose(&cfg);
}

static void test_shared(void)
{
	struct lpar_config cfg;

	CU_ASSERT_EQUAL_FATAL(parse(PV "cpu_mode = \"shared\"\n"
				    "cpu_share = 30\n", &cfg), 0);
	CU_ASSERT_EQUAL(cfg.mode, LPAR_CPU_SHARED);
	CU_ASSERT_EQUAL(cfg.share, 30);
	CU_ASSERT_TRUE(cfg.capped);
	CU_ASSERT_EQUAL(cfg.dc.b_info.sched_params.cap, 30);
	CU_ASSERT_EQUAL(cfg.dc.b_info.sched_params.weight, 77);
	CU_ASSERT_PTR_NULL(cfg.dc.c_info.pool_name);
	lpar_config_dispose(&cfg);

	/* cpu_share alone implies shared; uncapped sets only the weight */
	CU_ASSERT_EQUAL_FATAL(parse(PV "vcpus = 2\ncpu_share = 150\n"
				    "cpu_capped = 0\n", &cfg), 0);
	CU_ASSERT_EQUAL(cfg.mode, LPAR_CPU_SHARED);
	CU_ASSERT_FALSE(cfg.capped);
	CU_ASSERT_EQUAL(cfg.dc.b_info.sched_params.cap,
			LIBXL_DOMAIN_SCHED_PARAM_CAP_DEFAULT);
	CU_ASSERT_EQUAL(cfg.dc.b_info.sched_params.weight, 384);
	lpar_config_dispose(&cfg);
}

static void test_share_weight(void)
{
	CU_ASSERT_EQUAL(lpar_share_weight(100), 256);
	CU_ASSERT_EQUAL(lpar_share_weight(60), 154);
	CU_ASSERT_EQUAL(lpar_share_weight(1), 3);
	CU_ASSERT_EQUAL(lpar_share_weight(100000), 65535);
}

static void test_xl_keys_without_mode(void)
{
	struct lpar_config cfg;

	CU_ASSERT_EQUAL_FATAL(parse(PV "pool = \"p\"\ncap = 50\n"
				    "cpu_weight = 512\n", &cfg), 0);
	CU_ASSERT_STRING_EQUAL(cfg.dc.c_info.pool_name, "p");
	CU_ASSERT_EQUAL(cfg.dc.b_info.sched_params.cap, 50);
	CU_ASSERT_EQUAL(cfg.dc.b_info.sched_params.weight, 512);
	lpar_config_dispose(&cfg);
}

static void test_cpus_list_form(void)
{
	struct lpar_config cfg;

	CU_ASSERT_EQUAL_FATAL(parse(PV "vcpus = 2\ncpus = [\"0\", \"1-2\", \"3\"]\n",
				    &cfg), 0);
	/* one bitmap per vCPU, extra items ignored as xl does */
	CU_ASSERT_EQUAL_FATAL(cfg.dc.b_info.num_vcpu_hard_affinity, 2);
	CU_ASSERT_TRUE(bit(&cfg.dc.b_info.vcpu_hard_affinity[1], 2));
	CU_ASSERT_FALSE(bit(&cfg.dc.b_info.vcpu_hard_affinity[0], 1));
	lpar_config_dispose(&cfg);
}

static void test_json(void)
{
	struct lpar_config cfg;
	char *json;

	CU_ASSERT_EQUAL_FATAL(parse(PV "memory = 128\ncpu_share = 40\n"
				    "uuid = \"6a1a4c1e-2f6e-4b8e-9d4a-0123456789ab\"\n",
				    &cfg), 0);
	json = lpar_config_json(&cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(json);
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"name\": \"p1\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"cap\": 40"));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"target_memkb\": 131072"));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "6a1a4c1e-2f6e-4b8e-9d4a-0123456789ab"));
	free(json);
	lpar_config_dispose(&cfg);
}

static void test_errors_basic(void)
{
	expect_error("kernel=\"/k\"\n", "name", "missing");
	expect_error("name=\"a b\"\nkernel=\"/k\"\n", "name", "letters");
	expect_error("name=\"123\"\nkernel=\"/k\"\n", "name", "digits");
	expect_error("name=\"Domain-0\"\nkernel=\"/k\"\n", "name", "dom0");
	expect_error("name=[\"a\"]\nkernel=\"/k\"\n", "name", "list");
	expect_error(PV "type=\"xen\"\n", "type", "\"xen\"");
	expect_error(PV "uuid=\"nope\"\n", "uuid", "not a UUID");
	expect_error("name=\"x\"\n", "kernel", "missing");
	expect_error("name=\"x\"\ntype=\"pvh\"\n", "kernel", "PVH");
	expect_error(PV "memory = \"lots\"\n", "memory", "not a number");
	expect_error(PV "memory = 0\n", "memory", "out of range");
	expect_error(PV "memory = 512\nmaxmem = 256\n", "maxmem", "less than");
	expect_error(PV "vcpus = 0\n", "vcpus", "out of range");
	expect_error(PV "vcpus = 4\nmaxvcpus = 2\n", "maxvcpus", "less than");
	expect_error(PV "on_reboot = \"explode\"\n", "on_reboot", "explode");
	expect_error(PV "on_crash = \"restart!\"\n", "on_crash", "unknown");
	expect_error("name = \"x\" kernel\n", NULL, "syntax error");
}

static void test_errors_cpus(void)
{
	expect_error(PV "cpus = \"1,x\"\n", "cpus", "\"x\"");
	expect_error(PV "cpus = \"9\"\n", "cpus", "does not exist");
	expect_error(PV "cpus = \"1,^1\"\n", "cpus", "leaves no CPU");
	expect_error(PV "cpus = \"nodes:0\"\n", "cpus", "NUMA");
	expect_error(PV "cpus = \"\"\n", "cpus", "empty");
}

static void test_errors_devices(void)
{
	expect_error(PV "disk = \"xvda\"\n", "disk", "list");
	expect_error(PV "disk = [ \"/a,raw,xvda,rw,bogus=1\" ]\n", "disk",
		     "not a valid disk spec");
	expect_error(PV "vif = [ \"mac=00:16:3e:01:02\" ]\n", "vif", "mac");
	expect_error(PV "vif = [ \"mac=00:16:3e:01:02:zz\" ]\n", "vif", "mac");
	expect_error(PV "vif = [ \"colour=blue\" ]\n", "vif", "colour");
	expect_error(PV "vif = [ \"bridge\" ]\n", "vif", "key=value");
	expect_error(PV "vif = [ \"rate=fast\" ]\n", "vif", "rate");
	expect_error(PV "vif = [ \"type=tap\" ]\n", "vif", "tap");
	expect_error(PV "pci = [ \"zz:yy\" ]\n", "pci", "not a valid PCI");
	expect_error(PV "pci_permissive = 2\npci = [\"00:04.0\"]\n",
		     "pci_permissive", "out of range");
}

static void test_errors_partition(void)
{
	expect_error(PV "cpu_mode = \"lent\"\n", "cpu_mode", "\"lent\"");
	expect_error(PV "cpu_mode = \"dedicated\"\n", "cpus", "needs the CPUs");
	expect_error(PV "cpu_mode = \"dedicated\"\ncpus = \"1-2\"\nvcpus = 1\n",
		     "cpus", "one CPU per vCPU");
	expect_error(PV "cpu_mode = \"dedicated\"\ncpus = [\"1\",\"2\"]\n",
		     "cpus", "one string");
	expect_error(PV "cpu_mode = \"dedicated\"\ncpus = \"1\"\ncpu_share = 10\n",
		     "cpu_share", "only applies");
	expect_error(PV "cpu_mode = \"shared\"\n", "cpu_share", "needs");
	expect_error(PV "cpu_share = 0\n", "cpu_share", "out of range");
	expect_error(PV "cpu_share = 101\n", "cpu_share", "1 to 100");
	expect_error(PV "vcpus = 2\ncpu_share = 201\n", "cpu_share", "1 to 200");
	expect_error(PV "cpu_share = 10\ncpu_capped = 2\n", "cpu_capped", "0 or 1");
	expect_error(PV "cpu_capped = 1\n", "cpu_capped", "only applies");
	expect_error(PV "cpu_share = 10\ncap = 5\n", "cap", "cannot be combined");
	expect_error(PV "cpu_share = 10\ncpu_weight = 5\n", "cpu_weight",
		     "cannot be combined");
	expect_error(PV "cpu_mode=\"dedicated\"\ncpus=\"1\"\npool=\"x\"\n",
		     "pool", "cannot be combined");
}

static void test_check_files(void)
{
	struct lpar_config cfg;
	const struct lpar_parse_opts check = { .check_files = true };
	char text[1024];

	snprintf(text, sizeof(text), "name=\"f\"\nkernel=\"%s\"\n", kernel);
	CU_ASSERT_EQUAL(lpar_config_parse("t.cfg", text, strlen(text), &check,
					  &cfg, err, sizeof(err)), 0);
	lpar_config_dispose(&cfg);
	snprintf(text, sizeof(text), "name=\"f\"\nkernel=\"%s\"\n"
		 "ramdisk=\"%s/none\"\n", kernel, tmpdir);
	CU_ASSERT_EQUAL(lpar_config_parse("t.cfg", text, strlen(text), &check,
					  &cfg, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.cfg: ramdisk: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));

	/* a local disk target must exist; a script's target is the
	 * script's business, and so is another domain's */
	snprintf(text, sizeof(text), "name=\"f\"\nkernel=\"%s\"\n"
		 "disk=[\"format=raw,vdev=xvda,target=%s/none.img\"]\n",
		 kernel, tmpdir);
	CU_ASSERT_EQUAL(lpar_config_parse("t.cfg", text, strlen(text), &check,
					  &cfg, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.cfg: disk: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "none.img"));
	snprintf(text, sizeof(text), "name=\"f\"\nkernel=\"%s\"\n"
		 "disk=[\"vdev=xvda,script=iscsi,target=iqn.x:y\", "
		 "\"vdev=xvdb,backend=dd,target=/elsewhere.img\"]\n", kernel);
	CU_ASSERT_EQUAL(lpar_config_parse("t.cfg", text, strlen(text), &check,
					  &cfg, err, sizeof(err)), 0);
	lpar_config_dispose(&cfg);
}

static void test_attach_spec_checks_target(void)
{
	libxl_device_disk disk;
	char spec[700];

	libxl_device_disk_init(&disk);
	snprintf(spec, sizeof(spec), "format=raw,vdev=xvdc,target=%s/no.img",
		 tmpdir);
	CU_ASSERT_EQUAL(lpar_parse_disk_spec(spec, &disk, err, sizeof(err)),
			-1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no.img"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));
	libxl_device_disk_dispose(&disk);
	libxl_device_disk_init(&disk);
	snprintf(spec, sizeof(spec), "format=raw,vdev=xvdc,target=%s", kernel);
	CU_ASSERT_EQUAL(lpar_parse_disk_spec(spec, &disk, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(disk.vdev, "xvdc");
	libxl_device_disk_dispose(&disk);
}

static void test_load_file(void)
{
	struct lpar_config cfg;
	char path[300];

	snprintf(path, sizeof(path), "%s/nope.cfg", tmpdir);
	CU_ASSERT_EQUAL(lpar_config_load(path, &opts, &cfg, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "nope.cfg: cannot read"));
	lpar_config_dispose(&cfg);
	snprintf(path, sizeof(path), "%s/ok.cfg", tmpdir);
	CU_ASSERT_EQUAL_FATAL(lpar_write_file(path, PV, strlen(PV), err,
					      sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(lpar_config_load(path, &opts, &cfg, err,
					       sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(cfg.source, path);
	CU_ASSERT_STRING_EQUAL(cfg.text, PV);
	lpar_config_dispose(&cfg);
}

/* --- admission control --- */

static void pool_of(struct lpar_shared_pool *p, const char *cpus,
		    unsigned host, unsigned committed)
{
	xlp_cpulist_parse(cpus, &p->cpus, err, sizeof(err));
	p->host_cpus = host;
	p->committed = committed;
}

static void test_admit_dedicated(void)
{
	struct lpar_shared_pool pool;
	struct lpar_owner own = { .name = "db" };
	struct xlp_cpuset want;

	pool_of(&pool, "0-1,4-7", 8, 0);
	xlp_cpulist_parse("2-3", &own.cpus, err, sizeof(err));

	xlp_cpulist_parse("4-5", &want, err, sizeof(err));
	CU_ASSERT_EQUAL(lpar_admit_dedicated("w", &want, &pool, &own, 1, false,
					     err, sizeof(err)), 0);
	xlp_cpulist_parse("3-4", &want, err, sizeof(err));
	CU_ASSERT_EQUAL(lpar_admit_dedicated("w", &want, &pool, &own, 1, false,
					     err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "CPU 3 is already dedicated to "
				      "partition db"));
	xlp_cpulist_parse("8", &want, err, sizeof(err));
	CU_ASSERT_EQUAL(lpar_admit_dedicated("w", &want, &pool, &own, 1, false,
					     err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "does not exist"));
	xlp_cpulist_parse("0-1,4-7", &want, err, sizeof(err));
	CU_ASSERT_EQUAL(lpar_admit_dedicated("w", &want, &pool, &own, 1, true,
					     err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "without a CPU"));

	/* CPU not in Pool-0 and not ours: some other pool has it */
	pool_of(&pool, "0-1", 8, 0);
	xlp_cpulist_parse("6", &want, err, sizeof(err));
	CU_ASSERT_EQUAL(lpar_admit_dedicated("w", &want, &pool, NULL, 0, false,
					     err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not in Pool-0"));

	/* shrinking Pool-0 below committed shares */
	pool_of(&pool, "0-3", 4, 250);
	xlp_cpulist_parse("2-3", &want, err, sizeof(err));
	CU_ASSERT_EQUAL(lpar_admit_dedicated("w", &want, &pool, NULL, 0, false,
					     err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "250% committed"));
	CU_ASSERT_EQUAL(lpar_admit_dedicated("w", &want, &pool, NULL, 0, true,
					     err, sizeof(err)), 0);
}

static void test_admit_shared(void)
{
	struct lpar_shared_pool pool;

	pool_of(&pool, "0-1", 2, 120);
	CU_ASSERT_EQUAL(lpar_shared_capacity(&pool), 200);
	CU_ASSERT_EQUAL(lpar_admit_shared("a", 80, &pool, false, err,
					  sizeof(err)), 0);
	CU_ASSERT_EQUAL(lpar_admit_shared("a", 81, &pool, false, err,
					  sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "120% already committed, 80% free"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--overcommit"));
	CU_ASSERT_EQUAL(lpar_admit_shared("a", 81, &pool, true, err,
					  sizeof(err)), 0);
}

/* --- state store --- */

static void test_state_defs(void)
{
	char root[300];
	char **names;
	size_t n;

	snprintf(root, sizeof(root), "%s/state", tmpdir);
	CU_ASSERT_EQUAL_FATAL(lpar_state_init(root, err, sizeof(err)), 0);
	CU_ASSERT_FALSE(lpar_def_exists(root, "b"));
	CU_ASSERT_EQUAL(lpar_def_save(root, "b", "x", 1, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(lpar_def_save(root, "a", "y", 1, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(lpar_def_exists(root, "b"));
	CU_ASSERT_EQUAL_FATAL(lpar_def_list(root, &names, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_EQUAL(names[0], "a");
	CU_ASSERT_STRING_EQUAL(names[1], "b");
	lpar_names_free(names, n);
	CU_ASSERT_EQUAL(lpar_def_remove(root, "a", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(lpar_def_remove(root, "a", err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no partition named a"));
	int fd = lpar_state_lock(root, err, sizeof(err));
	CU_ASSERT_TRUE(fd >= 0);
	lpar_state_unlock(fd);
}

static void test_state_run(void)
{
	char root[300], cpus[64];
	struct lpar_run r = { .name = "db", .domid = 7, .uuid = "u",
			      .mode = LPAR_CPU_DEDICATED, .pool = "lpar-db",
			      .capped = true }, back;
	char **names;
	size_t n;

	snprintf(root, sizeof(root), "%s/state", tmpdir);
	xlp_cpulist_parse("2-3", &r.cpus, err, sizeof(err));
	CU_ASSERT_EQUAL_FATAL(lpar_run_save(root, &r, "cfg", 3, err,
					    sizeof(err)), 0);
	CU_ASSERT_EQUAL(lpar_run_load(root, "nope", &back, err, sizeof(err)), 1);
	CU_ASSERT_EQUAL_FATAL(lpar_run_load(root, "db", &back, err,
					    sizeof(err)), 0);
	CU_ASSERT_EQUAL(back.domid, 7);
	CU_ASSERT_EQUAL(back.mode, LPAR_CPU_DEDICATED);
	CU_ASSERT_STRING_EQUAL(back.pool, "lpar-db");
	xlp_cpulist_format(&back.cpus, cpus, sizeof(cpus));
	CU_ASSERT_STRING_EQUAL(cpus, "2-3");
	CU_ASSERT_TRUE(back.capped);
	CU_ASSERT_EQUAL_FATAL(lpar_run_list(root, &names, &n), 0);
	CU_ASSERT_EQUAL(n, 1);
	lpar_names_free(names, n);
	CU_ASSERT_EQUAL(lpar_run_remove(root, "db"), 0);
	CU_ASSERT_EQUAL(lpar_run_load(root, "db", &back, err, sizeof(err)), 1);
}

static int setup(void)
{
	FILE *f;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test-lpar.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(kernel, sizeof(kernel), "%s/vmlinuz", tmpdir);
	f = fopen(kernel, "w");
	if (!f)
		return -1;
	fputs("not really a kernel\n", f);
	fclose(f);
	return 0;
}

static int teardown(void)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const struct xlp_test config_tests[] = {
	{ "minimal PV", test_minimal_pv },
	{ "every supported option", test_all_options },
	{ "cmdline wins over root/extra", test_cmdline_wins },
	{ "tsc_mode", test_tsc_mode },
	{ "HVM needs no kernel", test_hvm_needs_no_kernel },
	{ "HVM console and display keys", test_hvm_console },
	{ "keys lpar does not support are warned of", test_unknown_keys_warned },
	{ "dedicated: pool and 1:1 pinning", test_dedicated },
	{ "shared: cap and weight", test_shared },
	{ "share to weight", test_share_weight },
	{ "xl's pool/cap/cpu_weight without cpu_mode", test_xl_keys_without_mode },
	{ "cpus as a per-vCPU list", test_cpus_list_form },
	{ "JSON", test_json },
	{ "errors: basic keys", test_errors_basic },
	{ "errors: cpus", test_errors_cpus },
	{ "errors: devices", test_errors_devices },
	{ "errors: partition keys", test_errors_partition },
	{ "kernel, ramdisk and disk targets checked", test_check_files },
	{ "block-attach spec: target checked", test_attach_spec_checks_target },
	{ "load from file", test_load_file },
	{ NULL, NULL },
};

static const struct xlp_test policy_tests[] = {
	{ "dedicated CPUs", test_admit_dedicated },
	{ "shared capacity", test_admit_shared },
	{ NULL, NULL },
};

static const struct xlp_test state_tests[] = {
	{ "definitions", test_state_defs },
	{ "running records", test_state_run },
	{ NULL, NULL },
};

int main(void)
{
	static const struct xlp_suite suites[] = {
		{ "config", config_tests, setup, teardown },
		{ "policy", policy_tests, NULL, NULL },
		{ "state", state_tests, setup, teardown },
		{ NULL, NULL, NULL, NULL },
	};

	return xlp_cunit_run(suites);
}
