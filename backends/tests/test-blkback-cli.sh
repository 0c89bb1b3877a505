#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# lpar-blkback's command line and what is installed with it: options
# checked before anything is touched, --stats without a daemon, the
# systemd unit (systemd-analyze verify, where systemd is), the hotplug
# script (bash -n) and the man page (groff warnings). No Xen needed.
set -u

BB=${BB:-./backends/lpar-blkback}
UNIT=${UNIT:-./backends/lpar-blkback.service}
SRC=${srcdir:-.}/backends
CLI_TEST_NAME=blkback-cli
. "${srcdir:-.}/tests/cli-check.sh"

check 0 "--help" -- "$BB" --help && has "$tmp/out" "--max-queues" "--help lists the options"
check 0 "--version" -- "$BB" --version && has "$tmp/out" "lpar-blkback" "--version names it"
check 2 "unknown option" -- "$BB" --bogus
check 2 "stray argument" -- "$BB" extra
for bad in "--max-queues 0" "--max-queues 17" "--max-queues x" \
	   "--max-ring-page-order 5" "--max-indirect-segments 5" \
	   "--max-indirect-segments 4097" "--max-queues -1"; do
	# shellcheck disable=SC2086
	check 2 "refused: $bad" -- "$BB" $bad &&
		has "$tmp/err" "${bad%% *}" "the message names ${bad%% *}"
done
has "$tmp/err" "from 1 to 16" "the message gives the range"
check 1 "--stats with no daemon" -- "$BB" --stats "$tmp/none.json" &&
	has "$tmp/err" "none.json" "the message names the file"
echo '[]' >"$tmp/stats.json"
check 0 "--stats FILE" -- "$BB" --stats "$tmp/stats.json" && has "$tmp/out" "\[\]" "--stats prints the file"

check 0 "hotplug script parses" -- bash -n "$SRC/lpar-blkback.hotplug"
if groff -v >/dev/null 2>&1; then
	check 0 "man page renders" -- groff -man -Tutf8 -ww -z "$SRC/lpar-blkback.8"
	n=$((n + 1))
	if [ -s "$tmp/err" ]; then
		echo "FAIL: groff warns on lpar-blkback.8:"; sed 's/^/  /' "$tmp/err" | head -5
		failed=$((failed + 1))
	else
		echo "ok: no groff warnings"
	fi
fi
if command -v systemd-analyze >/dev/null 2>&1 && [ -f "$UNIT" ]; then
	# verify wants ExecStart's binary where the unit says; point it here
	sed "s|^ExecStart=.*|ExecStart=$(cd "$(dirname "$BB")" && pwd)/$(basename "$BB")|" \
		"$UNIT" >"$tmp/lpar-blkback.service"
	check 0 "systemd unit verifies" -- systemd-analyze verify --man=no "$tmp/lpar-blkback.service"
	if [ -s "$tmp/err" ]; then
		sed 's/^/  systemd-analyze: /' "$tmp/err" | head -5
	fi
fi

cli_summary
