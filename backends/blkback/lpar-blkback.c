/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lpar-blkback: a userspace blkif backend for dom0 or a driver domain.
 * One thread, one epoll loop over xenstore's watch fd, the event channel
 * fd and each device's io_uring eventfd. Devices come from libxl's vbd
 * backend directories of this domain (see blk_dev.h).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "blk_dev.h"
#include "blk_log.h"
#include "config.h"

#define STATS_FILE_DEFAULT "/run/lpar/blkback-stats.json"
#define JOURNAL_DIR_DEFAULT "/run/lpar/blkback"
#define MAX_DEVS 256

static struct blk_dev *devs[MAX_DEVS];
static unsigned ndevs;
/* Devices dropped during one batch of epoll events, freed after it: a
 * later event of the same batch may still point at one. */
static struct blk_dev *dropped[2 * MAX_DEVS];
static unsigned ndropped;
static struct blk_host host;
static int epfd = -1;
static char be_root[96];
static volatile sig_atomic_t stopping;

enum { TAG_XS = 1, TAG_EVTCHN = 2 };

static void usage(FILE *f)
{
	fprintf(f,
"Usage: lpar-blkback [OPTIONS]\n"
"       lpar-blkback --stats [FILE]\n\n"
"Serves the blkif protocol to guests' xen-blkfront from raw images and\n"
"block devices, for the vbd backends of this domain. Select it for a disk\n"
"with script=lpar-blkback in the disk spec; the kernel's xen-blkback must\n"
"not be loaded in the same domain. On SIGTERM it answers what is in\n"
"flight and exits leaving the guests' rings connected: started again, it\n"
"re-attaches to them (after SIGKILL too, replaying from its journal).\n\n"
"  --stats-file FILE            where the running daemon keeps per-device\n"
"                               statistics as JSON\n"
"                               (default " STATS_FILE_DEFAULT ")\n"
"  --stats [FILE]               print those statistics and exit\n"
"  --journal-dir DIR            requests in flight, for a restart\n"
"                               (default " JOURNAL_DIR_DEFAULT ")\n"
"  --max-queues N               multi-queue-max-queues (1-16, default 4)\n"
"  --max-ring-page-order N      max-ring-page-order (0-4, default 4)\n"
"  --max-indirect-segments N    feature-max-indirect-segments (0: none,\n"
"                               else 11-4096; default 256)\n"
"  --no-persistent-grants       do not offer feature-persistent\n"
"  --no-flush-cache             offer barriers only (feature-barrier), as\n"
"                               backends before feature-flush-cache did\n"
"  -h, --help                   this text\n"
"  -V, --version                the version\n");
}

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void watch_fd(void *arg, int fd, void *dev, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = dev };

	(void)arg;
	if (epoll_ctl(epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, fd, &ev))
		blk_log("epoll_ctl: %s", strerror(errno));
}

static struct blk_dev *find_dev(unsigned fe, unsigned devid)
{
	for (unsigned i = 0; i < ndevs; i++)
		if (devs[i]->fe_domid == fe && devs[i]->devid == devid)
			return devs[i];
	return NULL;
}

static void drop_dev(unsigned i)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/state", devs[i]->fe_path);
	xs_unwatch(host.xs, path, "fe");
	blk_dev_free_later(devs[i]);
	/* freed after the batch of epoll events, which may point at it;
	 * a device is dropped at most once, and made at most once more */
	if (ndropped < sizeof(dropped) / sizeof(dropped[0]))
		dropped[ndropped++] = devs[i];
	else
		blk_dev_free(devs[i]);
	devs[i] = devs[--ndevs];
}

static void free_dropped(void)
{
	while (ndropped)
		blk_dev_free(dropped[--ndropped]);
}

static bool parse_uint(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 0xffffffffUL)
		return false;
	*out = (unsigned)v;
	return true;
}

/* Every device looks again (dropping finished ones), then new backend
 * directories become devices: a device libxl removed and made again under
 * the same path is dropped and made anew in one pass. */
static void rescan(void)
{
	unsigned nfe = 0;
	char **fes;

	for (unsigned i = 0; i < ndevs;)
		if (blk_dev_update(devs[i]))
			i++;
		else
			drop_dev(i);
	fes = xs_directory(host.xs, XBT_NULL, be_root, &nfe);
	for (unsigned i = 0; fes && i < nfe; i++) {
		char path[160];
		unsigned ndev = 0, fe;
		char **ids;

		if (!parse_uint(fes[i], &fe))
			continue;
		snprintf(path, sizeof(path), "%s/%s", be_root, fes[i]);
		ids = xs_directory(host.xs, XBT_NULL, path, &ndev);
		for (unsigned j = 0; ids && j < ndev; j++) {
			unsigned devid;
			struct blk_dev *d;
			char st[160];

			if (!parse_uint(ids[j], &devid) || find_dev(fe, devid))
				continue;
			if (ndevs == MAX_DEVS) {
				blk_log("vbd %u/%u not served: %u devices "
					"already", fe, devid, MAX_DEVS);
				continue;
			}
			d = blk_dev_new(&host, fe, devid);
			if (!d)
				continue;
			devs[ndevs++] = d;
			snprintf(st, sizeof(st), "%s/state", d->fe_path);
			if (!xs_watch(host.xs, st, "fe"))
				blk_log("cannot watch %s: %s", st,
					strerror(errno));
			if (!blk_dev_update(d))
				drop_dev(ndevs - 1);
		}
		free(ids);
	}
	free(fes);
}

static void on_evtchn(void)
{
	xenevtchn_port_or_error_t port = xenevtchn_pending(host.evtchn);

	if (port < 0)
		return;
	for (unsigned i = 0; i < ndevs; i++)
		if (blk_dev_port_event(devs[i], (evtchn_port_t)port))
			break;
	/* unmasked only now: a storm of events costs one pass */
	xenevtchn_unmask(host.evtchn, (evtchn_port_t)port);
}

/* Once a second at most: the loop turns once per event. */
static void write_stats(const char *file)
{
	static time_t last;
	time_t now = time(NULL);
	char tmp[4200];
	FILE *f;

	if (now == last)
		return;
	last = now;

	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fputs("[\n", f);
	for (unsigned i = 0; i < ndevs; i++) {
		char *j = blk_dev_stats_json(devs[i]);

		fprintf(f, "%s%s\n", j ? j : "{}", i + 1 < ndevs ? "," : "");
		free(j);
	}
	fputs("]\n", f);
	if (fclose(f) == 0)
		rename(tmp, file);
}

static int print_stats(const char *file)
{
	FILE *f = fopen(file, "r");
	char buf[8192];
	size_t n;

	if (!f) {
		fprintf(stderr, "lpar-blkback: %s: %s (is lpar-blkback "
			"running?)\n", file, strerror(errno));
		return 1;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
	return 0;
}

/*
 * Journals of devices that no longer exist (their guest went while no
 * daemon ran) are removed; the others are for re-attaching.
 */
static void drop_stale_journals(const char *dir)
{
	DIR *dh = opendir(dir);
	struct dirent *e;

	if (!dh)
		return;
	while ((e = readdir(dh))) {
		unsigned fe, devid;
		char path[300], tail;
		unsigned len;
		char *v;

		if (sscanf(e->d_name, "vbd-%u-%u%c", &fe, &devid, &tail) != 2)
			continue;
		snprintf(path, sizeof(path), "%s/%u/%u/frontend", be_root, fe,
			 devid);
		v = xs_read(host.xs, XBT_NULL, path, &len);
		if (!v && errno == ENOENT) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			if (unlink(path) == 0)
				blk_log("removed the journal of vbd %u/%u, "
					"which is gone", fe, devid);
		}
		free(v);
	}
	closedir(dh);
}

static int serve(const char *stats_file)
{
	struct epoll_event ev;
	char *self;
	unsigned len;

	if (access("/sys/module/xen_blkback", F_OK) == 0) {
		fprintf(stderr, "lpar-blkback: the kernel's xen-blkback is "
			"loaded in this domain; it serves the same vbd "
			"backends. Unload it (rmmod xen-blkback) or blacklist "
			"it, then start lpar-blkback.\n");
		return 1;
	}
	host.xs = xs_open(0);
	host.evtchn = xenevtchn_open(blk_log_logger(), 0);
	host.gnttab = xengnttab_open(blk_log_logger(), 0);
	if (!host.xs || !host.evtchn || !host.gnttab) {
		fprintf(stderr, "lpar-blkback: cannot open %s: %s (a Xen "
			"domain, as root?)\n", !host.xs ? "xenstore"
			: !host.evtchn ? "/dev/xen/evtchn" : "/dev/xen/gntdev",
			strerror(errno));
		return 1;
	}
	self = xs_read(host.xs, XBT_NULL, "domid", &len);
	if (!self || !parse_uint(self, &host.self_domid)) {
		fprintf(stderr, "lpar-blkback: cannot read this domain's id "
			"from xenstore (domid)\n");
		free(self);
		return 1;
	}
	free(self);
	host.watch_fd = watch_fd;
	snprintf(be_root, sizeof(be_root), "/local/domain/%u/backend/vbd",
		 host.self_domid);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	ev = (struct epoll_event){ .events = EPOLLIN,
				   .data.u64 = TAG_XS };
	if (epfd < 0 ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, xs_fileno(host.xs), &ev)) {
		fprintf(stderr, "lpar-blkback: epoll: %s\n", strerror(errno));
		return 1;
	}
	ev.data.u64 = TAG_EVTCHN;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, xenevtchn_fd(host.evtchn), &ev)) {
		fprintf(stderr, "lpar-blkback: epoll: %s\n", strerror(errno));
		return 1;
	}
	if (!xs_watch(host.xs, be_root, "be")) {
		fprintf(stderr, "lpar-blkback: cannot watch %s: %s\n",
			be_root, strerror(errno));
		return 1;
	}
	mkdir("/run/lpar", 0755);
	if (host.journal_dir) {
		if (mkdir(host.journal_dir, 0700) && errno != EEXIST)
			blk_log("cannot make %s: %s; no journal, a restart "
				"cannot replay requests in flight",
				host.journal_dir, strerror(errno));
		drop_stale_journals(host.journal_dir);
	}
	blk_log("serving vbd backends under %s (up to %u queues, ring order "
		"%u, %u indirect segments, %spersistent grants); statistics "
		"in %s", be_root, host.offer.max_queues,
		host.offer.max_ring_order, host.offer.max_indirect_segments,
		host.offer.persistent ? "" : "no ",
		stats_file);

	while (!stopping) {
		static time_t last_tick;
		struct epoll_event evs[32];
		bool turn = false;
		int n;

		for (unsigned i = 0; i < ndevs; i++)
			turn |= devs[i]->needs_service;
		/* devices waiting for a turn: look at events, don't sleep */
		n = epoll_wait(epfd, evs, 32, turn ? 0 : 1000);

		if (n < 0 && errno != EINTR)
			break;
		if (time(NULL) != last_tick) {
			/* once a second: look at the disks' sizes */
			last_tick = time(NULL);
			for (unsigned i = 0; i < ndevs; i++)
				blk_dev_tick(devs[i]);
		}
		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;

			if (tag == TAG_XS) {
				char **w;
				bool any = false;

				while ((w = xs_check_watch(host.xs))) {
					any = true;
					free(w);
				}
				if (any)
					rescan();
			} else if (tag == TAG_EVTCHN) {
				on_evtchn();
			} else {
				blk_dev_io_done(evs[i].data.ptr);
			}
		}
		for (unsigned i = 0; i < ndevs; i++)
			if (devs[i]->needs_service)
				blk_dev_kick(devs[i]);
		free_dropped();
		write_stats(stats_file);
	}
	/*
	 * A planned stop: what is in flight is answered, the rings stay
	 * connected (the frontends just wait) and the next daemon takes
	 * them over from xenstore and the journal.
	 */
	blk_log("stopping: %u device(s); answering their I/O in flight and "
		"leaving their rings to the next lpar-blkback", ndevs);
	while (ndevs) {
		blk_dev_detach(devs[ndevs - 1]);
		drop_dev(ndevs - 1);
	}
	free_dropped();
	return 0;
}

static bool option_uint(const char *arg, unsigned lo, unsigned hi,
			const char *name, unsigned *out)
{
	if (!parse_uint(arg, out) || *out < lo || *out > hi) {
		fprintf(stderr, "lpar-blkback: %s: '%s' is not a number from "
			"%u to %u\n", name, arg, lo, hi);
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "stats", no_argument, NULL, 's' },
		{ "stats-file", required_argument, NULL, 'f' },
		{ "journal-dir", required_argument, NULL, 'j' },
		{ "max-queues", required_argument, NULL, 'q' },
		{ "max-ring-page-order", required_argument, NULL, 'o' },
		{ "max-indirect-segments", required_argument, NULL, 'i' },
		{ "no-persistent-grants", no_argument, NULL, 'p' },
		{ "no-flush-cache", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *stats_file = STATS_FILE_DEFAULT;
	bool stats = false;
	int c, rc;

	host.journal_dir = JOURNAL_DIR_DEFAULT;
	host.offer.max_queues = 4;
	host.offer.max_ring_order = BLK_MAX_RING_ORDER;
	host.offer.max_indirect_segments = 256;
	host.offer.persistent = true;
	host.offer.flush_cache = true;
	host.max_grants_kept = 32768;

	while ((c = getopt_long(argc, argv, "hV", lo, NULL)) != -1) {
		switch (c) {
		case 's': stats = true; break;
		case 'f': stats_file = optarg; break;
		case 'j': host.journal_dir = optarg; break;
		case 'q':
			if (!option_uint(optarg, 1, BLK_MAX_QUEUES,
					 "--max-queues", &host.offer.max_queues))
				return 2;
			break;
		case 'o':
			if (!option_uint(optarg, 0, BLK_MAX_RING_ORDER,
					 "--max-ring-page-order",
					 &host.offer.max_ring_order))
				return 2;
			break;
		case 'i':
			if (!option_uint(optarg, 0, BLKIF_REQ_MAX_SEGMENTS,
					 "--max-indirect-segments",
					 &host.offer.max_indirect_segments))
				return 2;
			if (host.offer.max_indirect_segments &&
			    host.offer.max_indirect_segments <
			    BLKIF_MAX_SEGMENTS_PER_REQUEST) {
				fprintf(stderr, "lpar-blkback: "
					"--max-indirect-segments: %u is fewer "
					"than a direct request carries (%d); "
					"use 0 for none\n",
					host.offer.max_indirect_segments,
					BLKIF_MAX_SEGMENTS_PER_REQUEST);
				return 2;
			}
			break;
		case 'p': host.offer.persistent = false; break;
		case 'b': host.offer.flush_cache = false; break;
		case 'h': usage(stdout); return 0;
		case 'V': puts("lpar-blkback " PACKAGE_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (stats) {
		if (optind < argc)
			stats_file = argv[optind++];
		if (optind != argc) {
			usage(stderr);
			return 2;
		}
		return print_stats(stats_file);
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	rc = serve(stats_file);
	blk_log_close();
	return rc;
}
