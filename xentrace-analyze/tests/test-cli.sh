#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The command line: exit statuses, messages, formats, stdin, sidecars and
# damaged input, on the real traces in tests/data.
set -u

XTA=${XTA:-./xentrace-analyze/xentrace-analyze}
DATA=${srcdir:-.}/xentrace-analyze/tests/data
PV=$DATA/trace-pv.bin.xz
PVH=$DATA/trace-pvh.bin.xz
CLI_TEST_NAME=xta-cli
. "${srcdir:-.}/tests/cli-check.sh"

# text_rows FILE TITLE: rows of the text table under that title.
text_rows() {
	awk -v t="$2" 'index($0, t) == 1 { on = 1; hdr = 1; next }
		on && hdr { hdr = 0; next } on && !NF { on = 0 } on { n++ }
		END { print n + 0 }' "$1"
}
# csv_rows FILE TABLE_ID: data rows of a table in a CSV report.
csv_rows() {
	awk -v id="$2" '/^# / { on = ($2 == id ":"); hdr = 1; next }
		on && hdr { hdr = 0; next } on && NF { n++ } END { print n + 0 }' "$1"
}
# csv_sums FILE: entries and seconds of the overhead factors (not Halt).
csv_sums() {
	awk -F, '/^# factors_time/ { on = 1; next } /^#/ { on = 0 }
		on && $2 != "Halt" && $3 ~ /^[0-9]+$/ { c += $3; s += $4 }
		END { printf "%d %.6f", c, s }' "$1"
}

check 0 "--help" -- "$XTA" --help && has "$tmp/out" "Commands:" "--help lists the commands"
check 1 "no arguments" -- "$XTA"
check 1 "unknown command" -- "$XTA" frobnicate x && has "$tmp/err" 'unknown command "frobnicate"' "unknown command named"
for c in summary overhead compare dump; do
	check 0 "$c --help" -- "$XTA" $c --help && has "$tmp/out" "Usage: xentrace-analyze $c" "$c --help is its own"
done
check 1 "bad --cpu-hz" -- "$XTA" summary --cpu-hz fast "$PV" && has "$tmp/err" "cpu-hz" "--cpu-hz error names the option"
check 1 "bad --format" -- "$XTA" summary -f xml "$PV"
check 1 "bad --vendor" -- "$XTA" summary --vendor arm "$PV"
check 1 "missing trace" -- "$XTA" summary "$tmp/nope.bin" && has "$tmp/err" "No such file" "missing file reported"
check 1 "two traces to summary" -- "$XTA" summary "$PV" "$PVH"
check 1 "unknown domain" -- "$XTA" summary -d 99 "$PV" && has "$tmp/err" "does not appear" "unknown domain reported"

check 0 "summary of the PV trace (xz)" -- "$XTA" summary "$PV" &&
	has "$tmp/out" "mmu_update" "PV hypercalls shown" &&
	has "$tmp/out" "ESTIMATED" "clock estimate stated"
check 0 "summary from stdin" -- sh -c "xz -dc '$PV' | '$XTA' summary -" &&
	has "$tmp/out" "stdin" "stdin named as the input"
check 0 "summary --cpu-hz" -- "$XTA" summary --cpu-hz 2.6GHz -d 1 "$PV" &&
	has "$tmp/out" "2.6 GHz (--cpu-hz)" "clock from --cpu-hz"
check 0 "summary json" -- "$XTA" summary -f json -d 2 "$PVH" &&
	has "$tmp/out" '"report": *"summary"' "json report" &&
	has "$tmp/out" '"VMEXIT_IOIO"' "json exits"
check 0 "overhead csv" -- "$XTA" overhead -f csv "$PVH" &&
	has "$tmp/out" "^# factors_time" "csv factor table" &&
	has "$tmp/out" "^Total overhead," "csv total row"
check 0 "overhead html" -- "$XTA" overhead -f html -o "$tmp/o.html" "$PVH" &&
	has "$tmp/o.html" "<svg" "overhead html has its chart"
check 0 "compare PV PVH html" -- "$XTA" compare -f html -o "$tmp/c.html" "$PV" "$PVH" &&
	has "$tmp/c.html" "Reduction" "compare html has the reduction" &&
	has "$tmp/c.html" "<rect" "compare html has bars"
# What lab/scenarios/overhead and scripts/demo read: the text from the
# group table to the conclusion, and the CSV's first table.
check 0 "compare text for the lab" -- "$XTA" compare "$PV" "$PVH" &&
	same "$(sed -n '/^Overhead by group/,/^Overall/p' "$tmp/out" | tail -1 | cut -c1-8)" "Overall:" "the group table ends at the conclusion" &&
	has "$tmp/out" "^  Page fault  *25525  *0 .* 100.0$" "a group PVH removes" &&
	has "$tmp/out" "^  APIC  *0  *1734 .*only in B$" "a group only B has"
check 0 "compare csv for the lab" -- "$XTA" compare -f csv "$PV" "$PVH" &&
	same "$(sed -n 2p "$tmp/out")" "group,a_raw,b_raw,a_norm,b_norm,reduction" "compare csv starts with the group table" &&
	has "$tmp/out" "^APIC,0,1734,0,[0-9.e-]*,-$" "csv: no reduction where A has none"
check 0 "compare html for a reader" -- "$XTA" compare -f html -o "$tmp/c.html" "$PV" "$PVH" &&
	has "$tmp/c.html" '<p class="result"><strong>Overall:</strong>' "the conclusion set off" &&
	has "$tmp/c.html" "Per group, side by side" "per-group panel" &&
	has "$tmp/c.html" ">A: trace-pv.bin.xz: d1</text>" "bars named by file and domain" &&
	has "$tmp/c.html" '<td class="n bad">&minus;' "an increase in red" &&
	hasnt "$tmp/c.html" "<script\|<link\|src=\|url(" "one page, nothing fetched"
check 0 "compare two domains of one trace" -- "$XTA" compare "$PVH@0" "$PVH@d2" &&
	has "$tmp/out" "Total overhead" "domain compare has a total" &&
	has "$tmp/out" "^xentrace-analyze compare: A = d0, B = d2$" "one trace: sides named by domain" &&
	has "$tmp/out" "^Trace: " "one trace: its notes once, without a side"
# --top: 20 factors per table in text and html, all in csv and json
# unless asked; the rest in one row, the totals as they were.
check 0 "overhead text, default --top" -- "$XTA" overhead "$PVH" &&
	has "$tmp/out" "^  … 425 more factors (--top 0 shows all)  " "text folds the rest into one row" &&
	same "$(text_rows "$tmp/out" "HVM overhead factors")" 22 "text: 20 factors, the rest, Halt"
grep '^  Total overhead' "$tmp/out" > "$tmp/total20"
check 0 "overhead text --top 0" -- "$XTA" overhead --top 0 "$PVH" &&
	hasnt "$tmp/out" "more factors" "--top 0 shows all" &&
	same "$(text_rows "$tmp/out" "HVM overhead factors")" 446 "text --top 0: 445 factors and Halt" &&
	same "$(grep '^  Total overhead' "$tmp/out")" "$(cat "$tmp/total20")" "--top keeps the total"
check 0 "overhead text --top 3" -- "$XTA" overhead --top 3 "$PV" &&
	same "$(text_rows "$tmp/out" "PV overhead factors")" 5 "text --top 3: 3 factors, the rest, Halt" &&
	has "$tmp/out" "^  … 27 more factors" "PV factors folded by count"
check 0 "overhead csv, complete by default" -- "$XTA" overhead -f csv -o "$tmp/all.csv" "$PVH" &&
	hasnt "$tmp/all.csv" "more factors" "csv complete by default" &&
	same "$(csv_rows "$tmp/all.csv" factors_time)" 446 "csv has every factor"
check 0 "overhead csv --top 5" -- "$XTA" overhead -f csv --top 5 -o "$tmp/top5.csv" "$PVH" &&
	has "$tmp/top5.csv" "^… 440 more factors (--top 0 shows all),," "csv --top 5 folds the rest" &&
	same "$(csv_rows "$tmp/top5.csv" factors_time)" 7 "csv --top 5: 5 factors, the rest, Halt" &&
	same "$(csv_sums "$tmp/top5.csv")" "$(csv_sums "$tmp/all.csv")" "the rest row sums what it folds" &&
	same "$(grep '^Total overhead,' "$tmp/top5.csv")" "$(grep '^Total overhead,' "$tmp/all.csv")" "csv total unchanged"
check 0 "overhead json, complete by default" -- "$XTA" overhead -f json "$PVH" &&
	hasnt "$tmp/out" "more factors" "json complete by default"
check 0 "overhead json --top 3" -- "$XTA" overhead -f json --top 3 "$PVH" &&
	has "$tmp/out" '"more_factors": *"442"' "json says how many were folded"
check 0 "compare html, default --top" -- "$XTA" compare -f html -o "$tmp/c20.html" "$PV" "$PVH" &&
	has "$tmp/c20.html" "425 more factors" "compare html folds the rest"
check 0 "summary text, default --top" -- "$XTA" summary -d 2 "$PVH" &&
	has "$tmp/out" "^    … [0-9]* more details (--top 0 shows all)" "summary folds details per exit"
check 0 "summary json, complete by default" -- "$XTA" summary -f json -d 2 "$PVH" &&
	hasnt "$tmp/out" "more details" "summary json complete by default"
check 1 "bad --top" -- "$XTA" overhead --top many "$PVH" &&
	has "$tmp/err" '^xentrace-analyze: --top: "many" is not a number' "--top error names the option"
check 1 "negative --top" -- "$XTA" compare --top -3 "$PV" "$PVH" &&
	has "$tmp/err" "^xentrace-analyze: --top: " "negative --top refused"
check 1 "--top for dump" -- "$XTA" dump --top 3 "$PV" && has "$tmp/err" "--top" "dump refuses --top"
for c in summary overhead compare; do
	check 0 "$c --help" -- "$XTA" $c --help && has "$tmp/out" "--top N" "$c --help documents --top"
done

check 0 "dump -n" -- "$XTA" dump -n 20 --cpu-hz 2.6GHz "$PVH" &&
	has "$tmp/out" "runstate_change\|hypercall\|vmexit" "dump decodes records"
check 1 "dump html refused" -- "$XTA" dump -f html "$PV"

# A sidecar beside the trace names domains and sets the clock.
cp "$PV" "$tmp/t.bin.xz"
printf '{ "cpu_hz": 2600000000, "domains": { "0": "Domain-0", "1": "web1" } }\n' > "$tmp/t.bin.meta"
check 0 "sidecar" -- "$XTA" overhead "$tmp/t.bin.xz" &&
	has "$tmp/out" "web1 (d1)" "domain named from the sidecar" &&
	has "$tmp/out" "t.bin.meta" "clock source named"
check 0 "domain by name" -- "$XTA" summary -d web1 "$tmp/t.bin.xz"
mv "$tmp/t.bin.meta" "$tmp/t.meta"
check 0 "sidecar without the extension" -- "$XTA" summary -d 1 "$tmp/t.bin.xz" &&
	has "$tmp/out" "web1 (d1)" "trace.meta found for trace.bin.xz"
mv "$tmp/t.meta" "$tmp/t.bin.meta"
printf '{ "cpu_hz": "fast" }\n' > "$tmp/t.bin.meta"
check 1 "broken sidecar" -- "$XTA" summary "$tmp/t.bin.xz" && has "$tmp/err" "t.bin.meta" "broken sidecar named"

# Damage: a cut trace gives a partial report, marked, and exit 2.
xz -dc "$PV" | head -c 5000000 > "$tmp/cut.bin"
check 2 "truncated trace" -- "$XTA" summary "$tmp/cut.bin" &&
	has "$tmp/out" "INCOMPLETE" "report marked incomplete" &&
	has "$tmp/err" "offset" "error gives the offset"
printf 'not a trace at all, just text\n' > "$tmp/text.bin"
check 2 "foreign file" -- "$XTA" summary "$tmp/text.bin" &&
	has "$tmp/err" "not a xentrace file at offset 0" "foreign file named"
head -c 100000 "$PV" > "$tmp/cut.xz"
check 2 "cut xz" -- "$XTA" summary "$tmp/cut.xz" && has "$tmp/err" "xz" "xz error named"

cli_summary
