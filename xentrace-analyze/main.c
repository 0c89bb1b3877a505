// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xentrace-analyze: where hypervisor overhead goes, per cause and per
 * domain, from Xen 4.17 xentrace files.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "config.h"
#include "dump.h"
#include "report.h"
#include "strparse.h"
#include "util.h"

/* Exit statuses, also in the man page. */
enum {
	EXIT_OK = 0,
	EXIT_USAGE = 1,		/* bad command line, unreadable input */
	EXIT_DAMAGED = 2,	/* trace damaged: report printed, incomplete */
};

static const char *const usage_main =
	"Usage: xentrace-analyze COMMAND [OPTIONS] TRACE...\n"
	"\n"
	"Post-processes Xen 4.17 xentrace files (plain, .xz, .gz, or - for stdin).\n"
	"\n"
	"Commands:\n"
	"  summary TRACE     per domain and vCPU: runstates, HVM exits with their\n"
	"                    handler detail, PV hypercalls and events\n"
	"  overhead TRACE    Table-2 style report: factor, group, count, time,\n"
	"                    share, normalized so the total overhead is 1.0\n"
	"  compare A B       two traces (or two domains of one: TRACE@DOMAIN)\n"
	"                    side by side, normalized to A's total = 1.0\n"
	"  dump TRACE        one line per record in time order, decoded\n"
	"\n"
	"Run 'xentrace-analyze COMMAND --help' for a command's options.\n";

static const char *const usage_common =
	"  -f, --format FMT    text (default), csv, json or html\n"
	"  -o, --output FILE   write the report to FILE instead of stdout\n"
	"      --cpu-hz HZ     TSC rate, e.g. 2.4GHz (default: TRACE.meta, else\n"
	"                      an assumption that the report states)\n"
	"      --meta FILE     sidecar with cpu_hz and domain names (default:\n"
	"                      TRACE.meta beside the trace)\n"
	"      --vendor V      vmx or svm: how to read HVM exit codes (default:\n"
	"                      detected from the trace)\n"
	"      --stats         print records, bytes, speed and peak memory to\n"
	"                      standard error\n"
	"  -h, --help          this help\n";

static void usage_command(const char *cmd, FILE *out)
{
	if (!strcmp(cmd, "summary"))
		fputs("Usage: xentrace-analyze summary [OPTIONS] TRACE\n\n"
		      "Per domain and vCPU: runstate counts and times, pCPU moves,\n"
		      "HVM exits (time in Xen from VMEXIT to VMENTRY) with every handler\n"
		      "detail under its exit, PV events and hypercalls by number.\n\n"
		      "Options:\n"
		      "  -d, --domain SPEC   all (default), guests, an id (3, d3) or a name\n"
		      "      --top N         per exit, the N handler details with the most\n"
		      "                      time and one row for the rest; 0: all (default:\n"
		      "                      20 in text and html, all in csv and json)\n", out);
	else if (!strcmp(cmd, "overhead"))
		fputs("Usage: xentrace-analyze overhead [OPTIONS] TRACE\n\n"
		      "Overhead factors with their group, count, time in Xen and share,\n"
		      "normalized so that the total overhead is 1.0 (Halt is idle time\n"
		      "and shown apart). PV traces carry no durations: PV factors are\n"
		      "counted.\n\n"
		      "Options:\n"
		      "  -d, --domain SPEC   guests (default: all but dom0), all, an id or a name\n"
		      "      --top N         per factor table, the N factors with the most\n"
		      "                      time (or entries) and one row for the rest;\n"
		      "                      0: all (default: 20 in text and html, all in\n"
		      "                      csv and json)\n", out);
	else if (!strcmp(cmd, "compare"))
		fputs("Usage: xentrace-analyze compare [OPTIONS] A B\n\n"
		      "A and B are traces, each optionally followed by @DOMAIN to pick a\n"
		      "domain (trace.bin@d3, trace.bin@web1); the same trace twice with\n"
		      "two domains compares domains. Overhead groups side by side,\n"
		      "normalized to A's total = 1.0, with the reduction per group and\n"
		      "overall. Time in Xen when both sides are HVM/PVH, else entries\n"
		      "into Xen.\n\n"
		      "Options:\n"
		      "  -d, --domain SPEC   for sides without @: guests (default), all, ...\n"
		      "      --top N         per factor table, the N factors with the most\n"
		      "                      time (or entries) and one row for the rest;\n"
		      "                      0: all (default: 20 in text and html, all in\n"
		      "                      csv and json)\n", out);
	else if (!strcmp(cmd, "dump"))
		fputs("Usage: xentrace-analyze dump [OPTIONS] TRACE\n\n"
		      "One line per record in time order: seconds since the first record,\n"
		      "'*' when the record has no TSC of its own, pCPU, the vCPU running\n"
		      "there, event name and decoded payload. csv and json (one object a\n"
		      "line) have the raw words too; html is not offered.\n\n"
		      "Options:\n"
		      "  -n, --limit N       stop after N records\n", out);
	fputs(usage_common, out);
}

struct cli {
	const char *cmd;
	enum xta_format format;
	const char *output;
	const char *domain;
	struct xta_load_opts load;
	uint64_t limit;
	struct xta_report_opts report;
	bool top_given;		/* --top on the command line */
	bool stats;
	char **args;
	int nargs;
};

/* For --stats: what the command read. */
static uint64_t stats_records, stats_bytes;

static void count_stats(const struct xta_analysis *a)
{
	stats_records += a->rstats.records;
	stats_bytes += a->rstats.bytes;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void print_stats(double start)
{
	struct rusage ru;
	double secs = now_seconds() - start;

	double cpu;

	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	      (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	if (secs <= 0)
		secs = 1e-9;
	if (cpu <= 0)
		cpu = 1e-9;
	/* Wall-clock rates, and the same per second of CPU time: on a busy
	 * machine the second says what the code does. */
	fprintf(stderr, "stats: %llu records, %llu bytes in %.3f s (%.3f s CPU): "
		"%.0f records/s, %.3f GB/s (%.3f GB/s per CPU second), "
		"peak RSS %.1f MiB\n",
		(unsigned long long)stats_records, (unsigned long long)stats_bytes,
		secs, cpu, stats_records / secs, stats_bytes / secs / 1e9,
		stats_bytes / cpu / 1e9, ru.ru_maxrss / 1024.0);
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("xentrace-analyze: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

static int parse_options(struct cli *cli, int argc, char **argv)
{
	enum { OPT_CPU_HZ = 256, OPT_META, OPT_VENDOR, OPT_STREAM,
	       OPT_REORDER, OPT_STATS, OPT_TOP };
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "domain", required_argument, NULL, 'd' },
		{ "limit", required_argument, NULL, 'n' },
		{ "cpu-hz", required_argument, NULL, OPT_CPU_HZ },
		{ "meta", required_argument, NULL, OPT_META },
		{ "vendor", required_argument, NULL, OPT_VENDOR },
		/* For tests and benchmarks: read plain files as streams,
		 * and bound the merge's look-ahead. */
		{ "stream", no_argument, NULL, OPT_STREAM },
		{ "reorder-limit", required_argument, NULL, OPT_REORDER },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char err[256];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:d:n:h", longopts, NULL)) != -1) {
		uint64_t v;

		switch (c) {
		case 'f':
			if (xta_format_parse(optarg, &cli->format))
				return fail("--format: \"%s\" is not text, csv, json or html",
					    optarg);
			break;
		case 'o':
			cli->output = optarg;
			break;
		case 'd':
			cli->domain = optarg;
			break;
		case 'n':
			if (xlp_parse_u64(optarg, "--limit", 1, UINT64_MAX, &cli->limit,
					  err, sizeof(err)))
				return fail("%s", err);
			break;
		case OPT_CPU_HZ:
			if (xlp_parse_hz(optarg, "--cpu-hz", &cli->load.cpu_hz, err,
					 sizeof(err)))
				return fail("%s", err);
			break;
		case OPT_META:
			cli->load.meta_path = optarg;
			break;
		case OPT_VENDOR:
			if (xta_vendor_parse(optarg, &cli->load.vendor))
				return fail("--vendor: \"%s\" is not vmx or svm", optarg);
			break;
		case OPT_STREAM:
			cli->load.reader.force_stream = true;
			break;
		case OPT_REORDER:
			if (xlp_parse_size(optarg, "--reorder-limit", &v, err,
					   sizeof(err)))
				return fail("%s", err);
			cli->load.reader.reorder_limit = (size_t)v;
			break;
		case OPT_STATS:
			cli->stats = true;
			break;
		case OPT_TOP:
			if (!strcmp(cli->cmd, "dump"))
				return fail("--top: dump has no factor tables (--limit "
					    "bounds the records)");
			if (xlp_parse_u64(optarg, "--top", 0, UINT32_MAX,
					  &cli->report.top, err, sizeof(err)))
				return fail("%s (want a number of rows, 0 for all)",
					    err);
			cli->top_given = true;
			break;
		case 'h':
			usage_command(cli->cmd, stdout);
			exit(EXIT_OK);
		default:
			fprintf(stderr, "Try 'xentrace-analyze %s --help'.\n", cli->cmd);
			return EXIT_USAGE;
		}
	}
	cli->args = argv + optind;
	cli->nargs = argc - optind;
	/* People read text and HTML: the top factors. Scripts read CSV and
	 * JSON: everything, unless they ask. */
	if (!cli->top_given)
		cli->report.top = cli->format == XTA_FORMAT_TEXT ||
				  cli->format == XTA_FORMAT_HTML ? XTA_TOP_DEFAULT : 0;
	return EXIT_OK;
}

static FILE *open_output(const struct cli *cli)
{
	FILE *out;

	if (!cli->output || !strcmp(cli->output, "-"))
		return stdout;
	out = fopen(cli->output, "w");
	if (!out)
		fail("%s: %s", cli->output, strerror(errno));
	return out;
}

static int close_output(const struct cli *cli, FILE *out)
{
	if (out == stdout) {
		if (fflush(stdout) || ferror(stdout))
			return fail("writing the report: %s", strerror(errno));
		return EXIT_OK;
	}
	if (fclose(out))
		return fail("%s: %s", cli->output, strerror(errno));
	return EXIT_OK;
}

static int emit(const struct cli *cli, struct xta_doc *doc, bool damaged)
{
	FILE *out = open_output(cli);
	int ret;

	if (!out) {
		xta_doc_free(doc);
		return EXIT_USAGE;
	}
	if (xta_doc_render(doc, cli->format, out))
		fail("writing the report: %s", strerror(errno));
	xta_doc_free(doc);
	ret = close_output(cli, out);
	if (ret)
		return ret;
	return damaged ? EXIT_DAMAGED : EXIT_OK;
}

static bool report_damage(const struct xta_trace *t)
{
	const struct xta_reader_error *e = &t->a->rerr;

	if (e->status == XTA_READ_OK)
		return false;
	if (!t->a->records)
		fprintf(stderr, "xentrace-analyze: %s: %s\n", t->path, e->msg);
	else
		fprintf(stderr, "xentrace-analyze: %s: %s; the report covers the data before it and is marked INCOMPLETE\n",
			t->path, e->msg);
	return true;
}

static int one_trace_command(struct cli *cli)
{
	struct xta_trace t;
	struct xta_domsel sel;
	struct xta_doc *doc;
	char err[512];
	bool damaged;

	if (cli->nargs != 1)
		return fail("%s takes one trace (got %d); see --help", cli->cmd,
			    cli->nargs);
	if (xta_trace_load(&t, cli->args[0], &cli->load, err, sizeof(err)))
		return fail("%s", err);
	if (xta_domsel_parse(&t, cli->domain ? cli->domain :
			     !strcmp(cli->cmd, "overhead") ? "guests" : "all",
			     &sel, err, sizeof(err))) {
		xta_trace_free(&t);
		return fail("%s", err);
	}
	count_stats(t.a);
	damaged = report_damage(&t);
	if (damaged && !t.a->records) {
		/* Nothing usable at all: no report to mark incomplete. */
		xta_trace_free(&t);
		return EXIT_DAMAGED;
	}
	if (!strcmp(cli->cmd, "summary"))
		doc = xta_report_summary(&t, &sel, &cli->report);
	else
		doc = xta_report_overhead(&t, &sel, &cli->report);
	xta_trace_free(&t);
	return emit(cli, doc, damaged);
}

/* "trace@dom" -> path and domain spec, unless the whole thing is a file. */
static void split_side(const char *arg, char **path, char **dom)
{
	const char *at = strrchr(arg, '@');
	struct stat st;

	*dom = NULL;
	if (!at || at == arg || stat(arg, &st) == 0) {
		*path = xta_strdup(arg);
		return;
	}
	*path = xta_strdup(arg);
	(*path)[at - arg] = '\0';
	*dom = xta_strdup(at + 1);
}

static int compare_command(struct cli *cli)
{
	struct xta_trace ta, tb;
	struct xta_side a, b;
	char *pa, *pb, *da, *db, err[512];
	bool same, damaged;
	int ret = EXIT_USAGE;

	if (cli->nargs != 2)
		return fail("compare takes two traces A and B (got %d); see --help",
			    cli->nargs);
	split_side(cli->args[0], &pa, &da);
	split_side(cli->args[1], &pb, &db);
	same = !strcmp(pa, pb) && strcmp(pa, "-");
	if (!strcmp(pa, "-") && !strcmp(pb, "-")) {
		fail("compare: standard input can be only one of the two sides");
		goto out_free;
	}
	if (xta_trace_load(&ta, pa, &cli->load, err, sizeof(err))) {
		fail("%s", err);
		goto out_free;
	}
	if (!same && xta_trace_load(&tb, pb, &cli->load, err, sizeof(err))) {
		fail("%s", err);
		xta_trace_free(&ta);
		goto out_free;
	}
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.t = &ta;
	b.t = same ? &ta : &tb;
	if (xta_domsel_parse(a.t, da ? da : cli->domain ? cli->domain : "guests",
			     &a.sel, err, sizeof(err)) ||
	    xta_domsel_parse(b.t, db ? db : cli->domain ? cli->domain : "guests",
			     &b.sel, err, sizeof(err))) {
		fail("%s", err);
		goto out_traces;
	}
	/* Two domains of one trace are named by their domains (the notes
	 * give the trace once); two traces by trace and domains. */
	if (same) {
		snprintf(a.name, sizeof(a.name), "%s", a.sel.label);
		snprintf(b.name, sizeof(b.name), "%s", b.sel.label);
	} else {
		snprintf(a.name, sizeof(a.name), "%s: %s", pa, a.sel.label);
		snprintf(b.name, sizeof(b.name), "%s: %s", pb, b.sel.label);
	}
	count_stats(a.t->a);
	if (!same)
		count_stats(b.t->a);
	damaged = report_damage(a.t);
	if (!same)
		damaged |= report_damage(b.t);
	ret = emit(cli, xta_report_compare(&a, &b, &cli->report), damaged);
out_traces:
	xta_trace_free(&ta);
	if (!same)
		xta_trace_free(&tb);
out_free:
	free(pa);
	free(pb);
	free(da);
	free(db);
	return ret;
}

static int dump_command(struct cli *cli)
{
	struct xta_reader *r;
	struct xta_analysis *a;
	struct xta_dump_opts opts = { 0 };
	struct xta_meta meta;
	char err[512];
	FILE *out;
	int ret;

	if (cli->nargs != 1)
		return fail("dump takes one trace (got %d); see --help", cli->nargs);
	if (cli->format == XTA_FORMAT_HTML)
		return fail("dump writes text, csv or json (one object a line), not html");
	opts.format = cli->format;
	opts.limit = cli->limit;
	opts.vendor = cli->load.vendor;
	opts.cpu_hz = cli->load.cpu_hz;
	if (!opts.cpu_hz) {
		int found = cli->load.meta_path ?
			(xta_meta_load(cli->load.meta_path, &meta, err, sizeof(err)) ? -1 : 1) :
			xta_meta_find(cli->args[0], &meta, err, sizeof(err));

		if (found < 0)
			return fail("%s", err);
		opts.cpu_hz = found && meta.cpu_hz ? meta.cpu_hz : XTA_ASSUMED_HZ;
		if (found)
			xta_meta_free(&meta);
		else
			fprintf(stderr, "xentrace-analyze: no --cpu-hz or sidecar: "
				"seconds assume %.3g GHz\n", opts.cpu_hz / 1e9);
	}
	if (xta_reader_open(&r, cli->args[0], &cli->load.reader, err, sizeof(err)))
		return fail("%s", err);
	out = open_output(cli);
	if (!out) {
		xta_reader_close(r);
		return EXIT_USAGE;
	}
	a = xta_analysis_new();
	a->vendor_override = cli->load.vendor;
	xta_dump(r, a, &opts, out);
	stats_records += xta_reader_stats(r)->records;
	stats_bytes += xta_reader_stats(r)->bytes;
	ret = close_output(cli, out);
	if (!ret && !cli->limit && xta_reader_error(r)->status != XTA_READ_OK) {
		fprintf(stderr, "xentrace-analyze: %s: %s; the dump stops there\n",
			cli->args[0], xta_reader_error(r)->msg);
		ret = EXIT_DAMAGED;
	}
	xta_analysis_free(a);
	xta_reader_close(r);
	return ret;
}

int main(int argc, char **argv)
{
	struct cli cli = { 0 };
	double start;
	int ret;

	if (argc < 2) {
		fputs(usage_main, stderr);
		return EXIT_USAGE;
	}
	cli.cmd = argv[1];
	if (!strcmp(cli.cmd, "-h") || !strcmp(cli.cmd, "--help") ||
	    !strcmp(cli.cmd, "help")) {
		if (argc > 2 && strcmp(argv[2], "-h"))
			usage_command(argv[2], stdout);
		else
			fputs(usage_main, stdout);
		return EXIT_OK;
	}
	if (!strcmp(cli.cmd, "--version")) {
		printf("xentrace-analyze (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return EXIT_OK;
	}
	if (strcmp(cli.cmd, "summary") && strcmp(cli.cmd, "overhead") &&
	    strcmp(cli.cmd, "compare") && strcmp(cli.cmd, "dump")) {
		fprintf(stderr, "xentrace-analyze: unknown command \"%s\"\n\n%s",
			cli.cmd, usage_main);
		return EXIT_USAGE;
	}
	ret = parse_options(&cli, argc - 1, argv + 1);
	if (ret)
		return ret;
	start = now_seconds();
	if (!strcmp(cli.cmd, "compare"))
		ret = compare_command(&cli);
	else if (!strcmp(cli.cmd, "dump"))
		ret = dump_command(&cli);
	else
		ret = one_trace_command(&cli);
	if (cli.stats)
		print_stats(start);
	return ret;
}
