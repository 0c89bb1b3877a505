# SPDX-License-Identifier: GPL-2.0-or-later
# The checks the command-line tests share (sourced, POSIX sh): a scratch
# directory $tmp, counters, check/has/hasnt/same, and the summary line
# scripts/test counts. Source it with CLI_TEST_NAME set.

tmp=$(mktemp -d "${TMPDIR:-/tmp}/${CLI_TEST_NAME:-cli}.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
failed=0
n=0
# check WANT_STATUS DESCRIPTION -- command...: runs it with stdout and
# stderr in $tmp/out and $tmp/err.
check() {
	want=$1 what=$2
	shift 3
	n=$((n + 1))
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL: $what: exit $got, expected $want"
		sed 's/^/  stderr: /' "$tmp/err" | head -5
		failed=$((failed + 1))
		return 1
	fi
	echo "ok: $what"
}

# has FILE PATTERN DESCRIPTION
has() {
	n=$((n + 1))
	if grep -q -- "$2" "$1"; then
		echo "ok: $3"
	else
		echo "FAIL: $3: no \"$2\" in $(basename "$1")"
		failed=$((failed + 1))
	fi
}

# hasnt FILE PATTERN DESCRIPTION
hasnt() {
	n=$((n + 1))
	if grep -q -- "$2" "$1"; then
		echo "FAIL: $3: \"$2\" in $(basename "$1")"
		failed=$((failed + 1))
	else
		echo "ok: $3"
	fi
}
# same A B DESCRIPTION
same() {
	n=$((n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok: $3"
	else
		echo "FAIL: $3: \"$1\" vs \"$2\""
		failed=$((failed + 1))
	fi
}

# Prints "N passed, N failed" and sets the exit status.
cli_summary() {
	echo "$((n - failed)) passed, $failed failed"
	[ "$failed" -eq 0 ]
}
