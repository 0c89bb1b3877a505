#!/bin/sh
# description: a dedicated partition owns its CPU: own cpupool and 1:1 affinity per xl cpupool-list/vcpu-list; owned CPUs and emptying Pool-0 are refused; CPUs come back
# machine: plain
# timeout: 180
# shellcheck source=../dom0/lib.sh
. "$LAB/lib.sh"

require_cmd lpar
mkcfg() { # NAME CPUS
    cat >"$OUT/$1.cfg" <<CFG
name = "$1"
type = "pvh"
kernel = "$GUEST_KERNEL"
ramdisk = "$GUEST_RAMDISK"
extra = 'console=hvc0 rdinit=/bin/sh -- -c "while :; do sleep 1; done"'
memory = 128
# no trapped rdtsc, as the lab's guests (lab/dom0/lib.sh)
tsc_mode = "native"
cpu_mode = "dedicated"
cpus = "$2"
CFG
    echo "$OUT/$1.cfg"
}
pool0_cpus() { xl cpupool-list | awk '$1 == "Pool-0" { print $2 }'; }

[ "$(pool0_cpus)" = 2 ] || fail "Pool-0 should start with 2 CPUs"
must lpar create "$(mkcfg ded1 1)"
xl cpupool-list | tee "$OUT/cpupool-list.txt"
xl cpupool-list -c | tee "$OUT/cpupool-list-c.txt"
xl vcpu-list ded1 | tee "$OUT/vcpu-list.txt"
lpar info | tee "$OUT/info.txt"
awk '$1 == "lpar-ded1" && $2 == 1 && $5 == 1 { ok = 1 } END { exit !ok }' "$OUT/cpupool-list.txt" ||
    fail "no cpupool lpar-ded1 with 1 CPU and 1 domain"
grep -q '^lpar-ded1 *1$' "$OUT/cpupool-list-c.txt" || fail "lpar-ded1 does not hold CPU 1"
grep -q '^Pool-0 *0$' "$OUT/cpupool-list-c.txt" || fail "Pool-0 should hold only CPU 0"
# xl vcpu-list: Name ID VCPU CPU State Time(s) Affinity(Hard / Soft)
awk '$1 == "ded1" { if ($4 == 1 && $7 == "1") ok = 1 } END { exit !ok }' "$OUT/vcpu-list.txt" ||
    fail "vCPU 0 of ded1 is not on CPU 1 with hard affinity 1"
grep -q "lpar-ded1 .*dedicated to ded1" "$OUT/info.txt" || fail "lpar info does not name the owner"

# refusals: nothing may change
if lpar create "$(mkcfg ded2 1)" 2>"$OUT/refuse-owned.txt"; then fail "CPU 1 given twice"; fi
cat "$OUT/refuse-owned.txt"
grep -q "CPU 1 is already dedicated to partition ded1" "$OUT/refuse-owned.txt" || fail "wrong refusal text"
if lpar create "$(mkcfg ded3 0)" 2>"$OUT/refuse-empty.txt"; then fail "Pool-0 emptied"; fi
cat "$OUT/refuse-empty.txt"
grep -q "without a CPU" "$OUT/refuse-empty.txt" || fail "wrong refusal text"
domain_exists ded2 && fail "ded2 exists"
domain_exists ded3 && fail "ded3 exists"
# pinning outside the owned CPUs is refused
if lpar vcpu-pin ded1 0 0 2>"$OUT/refuse-pin.txt"; then fail "pinned ded1 outside its CPUs"; fi
cat "$OUT/refuse-pin.txt"

must lpar destroy ded1
xl cpupool-list | tee "$OUT/cpupool-after.txt"
grep -q lpar-ded1 "$OUT/cpupool-after.txt" && fail "cpupool lpar-ded1 left behind"
[ "$(pool0_cpus)" = 2 ] || fail "CPU 1 did not come back to Pool-0"
log "PASS"
