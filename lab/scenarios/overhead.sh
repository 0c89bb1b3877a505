#!/bin/sh
# description: the same workload traced in a PV and a PVH partition; xentrace-analyze compare as text and HTML
# machine: plain
# timeout: 420
# Artifacts: trace-pv.bin, trace-pvh.bin (+ .meta), compare.txt,
# compare.html, compare.csv, each guest's console log.
#
# Guests run with tsc_mode="native" (lab/dom0/lib.sh says why): trapped
# rdtsc would bury the paging overhead this compares.
# shellcheck source=../dom0/lib.sh
. "$LAB/lib.sh"

require_cmd xentrace-analyze

for type in pv pvh; do
	name=overhead-$type
	cfg=$(guest_cfg "$name" "$type")
	trace_start "$OUT/trace-$type.bin"
	xl_create_and_wait "$cfg" 180 "$OUT/$name.console.log" ||
		fail "$name did not finish its workload (see $name.console.log)"
	trace_meta "$OUT/trace-$type.bin" "$LAST_DOMID=$name"
	trace_stop || fail "xentrace failed"
done

a=$OUT/trace-pv.bin@overhead-pv
b=$OUT/trace-pvh.bin@overhead-pvh
must xentrace-analyze compare -o "$OUT/compare.txt" "$a" "$b"
must xentrace-analyze compare -f html -o "$OUT/compare.html" "$a" "$b"
must xentrace-analyze compare -f csv -o "$OUT/compare.csv" "$a" "$b"
sed -n '/^Overhead by group/,/^Overall/p' "$OUT/compare.txt"

# The first CSV table is the group comparison: group,a_raw,b_raw,a_norm,b_norm,...
# Software paging (PV) must show up as page-table maintenance and page
# faults, and hardware paging (PVH with NPT) must all but remove them.
awk -F, '
	/^#/ { table++; next }
	table == 1 && ($1 == "MMU / page-table maintenance" || $1 == "Page fault") {
		pv += $4; pvh += $5
	}
	table == 1 && $1 != "group" && $1 != "Total overhead" && $4 > top { top = $4; topname = $1 }
	END {
		printf "PV: paging groups %.3f of its overhead (largest group: %s); PVH: %.4f\n", pv, topname, pvh
		if (pv < 0.5) { print "FAIL: paging is not the main PV overhead"; exit 1 }
		if (topname != "MMU / page-table maintenance") { print "FAIL: page-table maintenance is not the largest PV group"; exit 1 }
		if (pvh > 0.01) { print "FAIL: paging overhead did not vanish under PVH"; exit 1 }
	}' "$OUT/compare.csv" || fail "the comparison does not show what hardware paging saves"
