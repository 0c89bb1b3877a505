#!/bin/sh
# description: lpar create -p and -c, console, vcpu-list and vcpu-pin against xl's view, info --json; bad arguments refused
# machine: plain
# timeout: 480
# shellcheck source=../dom0/lib.sh
. "$LAB/lib.sh"

require_cmd lpar
BOOT=240
# A 2-vCPU shared partition whose PID 1 says a tick every second; its
# share is counted (info --json below) but, uncapped, does not slow its
# boot (lpar-shares proves the caps).
cfg=$(guest_cfg ops pv vcpus=2 memory=128 cpu_share=40 cpu_capped=0 on_poweroff= on_reboot= on_crash= \
    "pid1=while :; do echo LPAR-TICK; sleep 1; done")

# --- create -p: built, not running, until unpause ----------------------------
must lpar create -p "$cfg"
case $(domain_state ops) in *p*) ;; *) fail "create -p: xl list says '$(domain_state ops)', not paused" ;; esac
sleep 2
case $(domain_state ops) in *p*) ;; *) fail "create -p: ran without unpause" ;; esac
lpar list | grep "^ops " | tee "$OUT/list-paused.txt"
must lpar unpause ops
wait_con "$(guest_log ops)" LPAR-TICK $BOOT "ops ticking after unpause" ops

# --- vcpu-list and vcpu-pin, as xl sees them ---------------------------------
lpar vcpu-list ops | tee "$OUT/lpar-vcpu-list.txt"
xl vcpu-list ops | tee "$OUT/xl-vcpu-list.txt"
[ "$(grep -c '^ops ' "$OUT/lpar-vcpu-list.txt")" = 2 ] || fail "lpar vcpu-list does not show 2 vCPUs"
[ "$(grep -c '^ops ' "$OUT/xl-vcpu-list.txt")" = 2 ] || fail "xl vcpu-list does not show 2 vCPUs"
# hard affinity (column 7 in xl's list) of vCPU V
xl_affinity() { xl vcpu-list ops | awk -v v="$1" '$1 == "ops" && $3 == v { print $7 }'; }
must lpar vcpu-pin ops 1 1
[ "$(xl_affinity 1)" = 1 ] || fail "after vcpu-pin ops 1 1, xl says vCPU 1 may run on '$(xl_affinity 1)'"
[ "$(xl_affinity 0)" = all ] || fail "vcpu-pin ops 1 1 changed vCPU 0 too: '$(xl_affinity 0)'"
lpar vcpu-list ops | awk '$3 == 1' | tee "$OUT/lpar-vcpu-pinned.txt"
[ "$(awk '{ print $7 }' "$OUT/lpar-vcpu-pinned.txt")" = 1 ] || fail "lpar vcpu-list does not show vCPU 1 pinned to CPU 1"
must lpar vcpu-pin ops all all
[ "$(xl_affinity 1)" = all ] || fail "after vcpu-pin ops all all, vCPU 1 may run on '$(xl_affinity 1)'"
expect_refused "no vCPU 9" lpar vcpu-pin ops 9 0
expect_refused "no CPU 64" lpar vcpu-pin ops 0 64
[ "$(xl_affinity 0)" = all ] || fail "a refused vcpu-pin changed vCPU 0"

# --- info --json: what a script reads ----------------------------------------
lpar info --json | tee "$OUT/info.json"
ncpu=$(xl_info_field nr_cpus)
grep -q "\"host_cpus\": $ncpu" "$OUT/info.json" || fail "info --json: host_cpus is not $ncpu"
grep -q '"shares_committed": 40' "$OUT/info.json" || fail "info --json: shares_committed is not 40"
grep -q '"overcommit_ratio"' "$OUT/info.json" || fail "info --json: no overcommit_ratio"

# --- console: attaches and shows the guest's output --------------------------
# xenconsole reads stdin: give it a FIFO held open (read-write) by this
# shell, quiet and never at its end; timeout ends the console.
mkfifo "$OUT/.stdin"
exec 3<>"$OUT/.stdin"
log "+ timeout 6 lpar console ops"
timeout 6 lpar console ops <&3 >"$OUT/console-attach.txt" 2>&1
grep -a -q "LPAR-TICK" "$OUT/console-attach.txt" || fail "lpar console ops showed no tick in 6 s: $(head -c 300 "$OUT/console-attach.txt")"
log "lpar console ops: $(grep -a -c LPAR-TICK "$OUT/console-attach.txt") ticks in 6 s"
expect_refused "no-such" lpar console no-such
must lpar destroy ops

# --- create -c: the console from the start, until the guest powers off -------
ccfg=$(guest_cfg ops-c pv workload=idle)
log "+ timeout 240 lpar create -c $ccfg"
timeout 240 lpar create -c "$ccfg" <&3 >"$OUT/create-c.txt" 2>&1
rc=$?
exec 3>&-
rm -f "$OUT/.stdin"
[ $rc = 0 ] || [ $rc = 1 ] || fail "lpar create -c: exit $rc (124: timeout)"
grep -a -q "LAB-GUEST-START" "$OUT/create-c.txt" || fail "lpar create -c did not show the guest's boot (create-c.txt)"
grep -a -q "$GUEST_DONE_MARKER .* rc=0 " "$OUT/create-c.txt" || fail "lpar create -c did not show the guest to its end"
wait_domain_gone ops-c 30 || fail "ops-c still there after it powered off"
log "lpar create -c: the console from boot to power-off ($(wc -l <"$OUT/create-c.txt") lines)"
log "PASS"
