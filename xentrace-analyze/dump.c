// SPDX-License-Identifier: GPL-2.0-or-later
#include "dump.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <xen/trace.h>

#include "util.h"

struct out {
	char *p;
	size_t left;
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!o->left)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p, o->left, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= o->left)
		n = (int)o->left - 1;
	o->p += n;
	o->left -= (size_t)n;
}

static uint32_t w(const struct xta_rec *rec, unsigned i)
{
	return i < rec->extra ? rec->data[i] : 0;
}

static uint64_t w64(const struct xta_rec *rec, unsigned i)
{
	return (uint64_t)w(rec, i + 1) << 32 | w(rec, i);
}

static void hex_words(struct out *o, const struct xta_rec *rec, unsigned from)
{
	if (from >= rec->extra)
		return;
	put(o, " [");
	for (unsigned i = from; i < rec->extra; i++)
		put(o, " 0x%08x", rec->data[i]);
	put(o, " ]");
}

static void hypercall(struct out *o, const struct xta_rec *rec)
{
	uint32_t op = w(rec, 0) & ~TRC_PV_HYPERCALL_V2_ARG_MASK;
	const char *name = xta_hypercall_name(op);
	unsigned word = 1;

	if (name)
		put(o, " %s", name);
	else
		put(o, " %u", op);
	for (unsigned i = 0; i < 6 && word < rec->extra; i++) {
		unsigned present = (w(rec, 0) >> (20 + 2 * i)) & 3;

		if (present == 1)
			put(o, " arg%u=0x%x", i, w(rec, word));
		else if (present == 2)
			put(o, " arg%u=0x%" PRIx64, i, w64(rec, word));
		word += present;
	}
}

static void decode_hvm(struct out *o, const struct xta_rec *rec,
		       enum xta_vendor vendor)
{
	uint32_t sub = rec->event & 0x0ffff000;
	unsigned minor = rec->event & 0xff;
	bool is64 = rec->event & TRC_64_FLAG;

	if (sub == TRC_HVM_ENTRYEXIT) {
		if (minor == 0x02 || minor == 0x03) {
			uint32_t code = w(rec, 0);
			const char *name = vendor == XTA_VENDOR_UNKNOWN ? NULL :
				xta_exit_slot_name(vendor, xta_exit_slot(code));

			if (name && xta_exit_slot(code) != XTA_SLOT_OTHER)
				put(o, " %s", name);
			else
				put(o, " exit 0x%x", code);
			put(o, " rip 0x%" PRIx64, is64 ? w64(rec, 1) : w(rec, 1));
		}
		if (rec->event & TRC_HVM_NESTEDFLAG)
			put(o, " (nested)");
		return;
	}
	if (sub != TRC_HVM_HANDLER) {
		hex_words(o, rec, 0);
		return;
	}
	switch (minor) {
	case 0x01:
		put(o, " ec 0x%x va 0x%" PRIx64, w(rec, 0),
		    is64 ? w64(rec, 1) : w(rec, 1));
		break;
	case 0x02:
		put(o, " ec 0x%x cr2 0x%" PRIx64, w(rec, 0),
		    is64 ? w64(rec, 1) : w(rec, 1));
		break;
	case 0x03:
		put(o, " vector %u ec 0x%x", w(rec, 0), w(rec, 1));
		break;
	case 0x04:
	case 0x05:
		put(o, " vector %u", w(rec, 0));
		break;
	case 0x08:
	case 0x09:
		put(o, " cr%u value 0x%" PRIx64, w(rec, 0),
		    is64 ? w64(rec, 1) : w(rec, 1));
		break;
	case 0x0c:
	case 0x0d:
		put(o, " msr 0x%x value 0x%" PRIx64, w(rec, 0), w64(rec, 1));
		break;
	case 0x0e:
		put(o, " leaf 0x%x subleaf 0x%x -> %08x %08x %08x %08x",
		    w(rec, 0), w(rec, 1), w(rec, 2), w(rec, 3), w(rec, 4),
		    w(rec, 5));
		break;
	case 0x0f:
		if (rec->extra)
			put(o, " vector 0x%x", w(rec, 0));
		break;
	case 0x12: {
		const char *name = xta_hypercall_name(w(rec, 0));

		if (name)
			put(o, " %s", name);
		else
			put(o, " %u", w(rec, 0));
		break;
	}
	case 0x13:
		put(o, " pending %u", w(rec, 0));
		break;
	case 0x16:
		put(o, " port 0x%x", w(rec, 0) & 0xffff);
		if (rec->extra > 1)
			put(o, " data 0x%x", w(rec, 1));
		break;
	case 0x17:
		put(o, " gpa 0x%" PRIx64, is64 ? w64(rec, 0) : w(rec, 0));
		if (rec->extra > (is64 ? 2u : 1u))
			put(o, " data 0x%" PRIx64, is64 ? w64(rec, 2) : w(rec, 1));
		break;
	case 0x1a:
		put(o, " tsc 0x%" PRIx64, w64(rec, 0));
		break;
	case 0x20:
		put(o, " vector %u source %u intr %d", w(rec, 0), w(rec, 1),
		    (int)w(rec, 2));
		break;
	case 0x21:
		put(o, " gpa 0x%" PRIx64 " mfn 0x%" PRIx64 " qual 0x%x p2mt %u",
		    w64(rec, 0), w64(rec, 2), w(rec, 4), w(rec, 5));
		break;
	case 0x23:
	case 0x24:
		put(o, " 0x%x", w(rec, 0));
		break;
	default:
		hex_words(o, rec, 0);
		break;
	}
}

static void decode_pv(struct out *o, const struct xta_rec *rec)
{
	unsigned kind = rec->event & 0xff;
	bool is64 = rec->event & TRC_64_FLAG;
	unsigned ipw = is64 ? 2 : 1;	/* words of a guest address */

#define ADDR(i) (is64 ? w64(rec, (i)) : w(rec, (i)))
	switch (kind) {
	case XTA_PV_HYPERCALL_V2:
	case XTA_PV_HYPERCALL_SUBCALL:
		hypercall(o, rec);
		break;
	case XTA_PV_HYPERCALL: {
		const char *name = xta_hypercall_name(w(rec, ipw));

		put(o, " %s rip 0x%" PRIx64, name ? name : "?", ADDR(0));
		break;
	}
	case XTA_PV_TRAP: {
		uint32_t t = w(rec, ipw);
		const char *name = xta_trap_name(t & 0x7fff);

		put(o, " vector %u%s%s rip 0x%" PRIx64, t & 0x7fff,
		    name ? " " : "", name ? name : "", ADDR(0));
		if (t & 0x8000)
			put(o, " ec 0x%x", t >> 16);
		break;
	}
	case XTA_PV_PAGE_FAULT:
		put(o, " addr 0x%" PRIx64 " ec 0x%x rip 0x%" PRIx64,
		    ADDR(ipw), w(rec, 2 * ipw), ADDR(0));
		break;
	case XTA_PV_PTWR_EMULATION:
	case XTA_PV_PTWR_EMULATION_PAE:
		put(o, " pte 0x%" PRIx64 " addr 0x%" PRIx64 " rip 0x%" PRIx64,
		    w64(rec, 0), ADDR(2), ADDR(2 + ipw));
		break;
	case XTA_PV_FORCED_INVALID_OP:
	case XTA_PV_EMULATE_PRIVOP:
	case XTA_PV_EMULATE_4GB:
	case XTA_PV_MATH_STATE_RESTORE:
	case XTA_PV_PAGING_FIXUP:
	case XTA_PV_GDT_LDT_MAPPING_FAULT:
		if (rec->extra)
			put(o, " 0x%" PRIx64, ADDR(0));
		if (rec->extra > ipw)
			put(o, " 0x%" PRIx64, ADDR(ipw));
		break;
	default:
		hex_words(o, rec, 0);
	}
#undef ADDR
}

void xta_dump_decode(const struct xta_rec *rec, enum xta_vendor vendor,
		     char *buf, size_t len)
{
	struct out o = { buf, len };
	uint32_t ev = rec->event;
	const char *name;

	buf[0] = '\0';
	if (rec->kind == XTA_REC_CPU_END) {
		put(&o, "end_of_pcpu");
		return;
	}
	name = xta_event_name(ev);
	if (name)
		put(&o, "%s", name);
	else
		put(&o, "event_%07x", ev);
	if (rec->kind == XTA_REC_WINDOW) {
		put(&o, " cpu %u window %u bytes", w(rec, 0), w(rec, 1));
		return;
	}
	switch (xta_event_class(ev)) {
	case XTA_CLASS_SCHED:
		if ((ev & 0x0ffff00f) == TRC_SCHED_RUNSTATE_CHANGE)
			put(&o, " d%uv%u %s->%s", w(rec, 0) >> 16, w(rec, 0) & 0xffff,
			    xta_xen_runstate_name((ev >> 8) & 0xf),
			    xta_xen_runstate_name((ev >> 4) & 0xf));
		else if (ev == TRC_SCHED_CONTINUE_RUNNING)
			put(&o, " d%uv%u", w(rec, 0) >> 16, w(rec, 0) & 0xffff);
		else if (ev == TRC_SCHED_SWITCH)
			put(&o, " prev d%uv%u next d%uv%u", w(rec, 0), w(rec, 1),
			    w(rec, 2), w(rec, 3));
		else if (ev == TRC_SCHED_SWITCH_INFPREV)
			put(&o, " d%uv%u ran %u ns", w(rec, 0), w(rec, 1), w(rec, 2));
		else if (ev == TRC_SCHED_SWITCH_INFNEXT)
			put(&o, " d%uv%u waited %u ns slice %d ns", w(rec, 0),
			    w(rec, 1), w(rec, 2), (int)w(rec, 3));
		else if ((ev >= TRC_SCHED_SLEEP && ev <= TRC_SCHED_BLOCK) ||
			 ev == TRC_SCHED_DOM_REM)
			put(&o, " d%uv%u", w(rec, 0), w(rec, 1));
		else if (ev == TRC_SCHED_DOM_ADD || ev == TRC_SCHED_ADJDOM)
			put(&o, " d%u", w(rec, 0));
		else
			hex_words(&o, rec, 0);
		break;
	case XTA_CLASS_HVM:
		decode_hvm(&o, rec, vendor);
		break;
	case XTA_CLASS_PV:
		decode_pv(&o, rec);
		break;
	case XTA_CLASS_GEN:
		if (ev == TRC_LOST_RECORDS)
			put(&o, " %u lost, d%uv%u running, first at tsc %" PRIu64,
			    w(rec, 0), w(rec, 1) & 0xffff, w(rec, 1) >> 16,
			    w64(rec, 2));
		break;
	default:
		hex_words(&o, rec, 0);
		break;
	}
}

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

uint64_t xta_dump(struct xta_reader *r, struct xta_analysis *a,
		  const struct xta_dump_opts *opts, FILE *out)
{
	struct xta_rec rec;
	uint64_t n = 0, first = 0;
	char text[512], who[48];

	if (opts->format == XTA_FORMAT_CSV)
		fputs("seconds,tsc,offset,pcpu,running,event,decoded\n", out);
	while (xta_reader_next(r, &rec)) {
		const struct xta_pcpu *p;
		enum xta_vendor vendor;
		double t;

		/* Who runs on the pCPU is known after the analysis saw it. */
		xta_analysis_feed(a, &rec);
		p = a->pcpu[rec.cpu];
		vendor = opts->vendor != XTA_VENDOR_UNKNOWN ? opts->vendor :
			 a->svm_evidence > a->vmx_evidence ? XTA_VENDOR_SVM :
			 a->vmx_evidence ? XTA_VENDOR_VMX : XTA_VENDOR_UNKNOWN;
		if (!first && rec.tsc)
			first = rec.tsc;
		t = rec.tsc >= first ? (double)(rec.tsc - first) / (double)opts->cpu_hz : 0;
		if (p && p->current && p->current->dom->id != XTA_DOMID_DEFAULT)
			snprintf(who, sizeof(who), "d%uv%u", p->current->dom->id,
				 p->current->id);
		else
			snprintf(who, sizeof(who), "-");
		xta_dump_decode(&rec, vendor, text, sizeof(text));
		switch (opts->format) {
		case XTA_FORMAT_CSV:
			fprintf(out, "%.9f,%" PRIu64 ",%" PRIu64 ",%u,%s,0x%07x,\"",
				t, rec.tsc, rec.offset, rec.cpu, who, rec.event);
			for (const char *s = text; *s; s++) {
				if (*s == '"')
					fputc('"', out);
				fputc(*s, out);
			}
			fputs("\"\n", out);
			break;
		case XTA_FORMAT_JSON:
			fprintf(out, "{\"seconds\":%.9f,\"tsc\":%" PRIu64 ",\"offset\":%" PRIu64
				",\"pcpu\":%u,\"running\":", t, rec.tsc, rec.offset, rec.cpu);
			json_string(out, who);
			fprintf(out, ",\"event\":%u,\"has_tsc\":%s,\"data\":[", rec.event,
				rec.has_tsc ? "true" : "false");
			for (unsigned i = 0; i < rec.extra; i++)
				fprintf(out, "%s%u", i ? "," : "", rec.data[i]);
			fputs("],\"decoded\":", out);
			json_string(out, text);
			fputs("}\n", out);
			break;
		default:
			fprintf(out, "%14.9f %c p%-2u %-9s %s\n", t,
				rec.has_tsc ? ' ' : '*', rec.cpu, who, text);
			break;
		}
		if (rec.kind == XTA_REC_EVENT && opts->limit && ++n >= opts->limit)
			break;
		if (rec.kind == XTA_REC_EVENT && !opts->limit)
			n++;
	}
	return n;
}
