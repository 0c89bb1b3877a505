#!/bin/sh
# description: bench/toolstack: time from command to a running partition, lpar create vs xl create on the same config, as a ratio (target <= 1.00)
# machine: plain
# timeout: 600
# manual: a measurement (47 partition creates under TCG, 4 to 7 minutes), not a test; bench/toolstack runs it
# shellcheck source=../dom0/lib.sh
. "$LAB/lib.sh"

require_cmd lpar
N=15
# PV: under QEMU TCG a PVH guest now and then triple-faults while it boots
# (an emulation fault, Xen's own state in its save area); Xen then reboots
# it and xl's daemon or lpar's monitor restarts it while the bench
# destroys it. Both tools take the same libxl path either way.
cfg=$OUT/bench.cfg
cat >"$cfg" <<CFG
name = "bench"
type = "pv"
kernel = "$GUEST_KERNEL"
ramdisk = "$GUEST_RAMDISK"
extra = 'console=hvc0 rdinit=/bin/sh -- -c "while :; do sleep 1; done"'
memory = 128
# no trapped rdtsc, as the lab's guests (lab/dom0/lib.sh)
tsc_mode = "native"
vcpus = 1
CFG
# TOOL: seconds*100 from the create command to the domain running
# (exists, not paused per xl list).
one() { # TOOL CFG
    local t0 t1 st
    t0=$(now_cs)
    "$1" create "$2" >/dev/null 2>>"$OUT/bench.err" || { echo "$1 create failed" >&2; return 1; }
    while :; do
        st=$(xl list bench 2>/dev/null | awk 'NR == 2 { print $5 }')
        case $st in ??p*|"") ;; *) break ;; esac
        [ $(( $(now_cs) - t0 )) -lt 6000 ] || { echo "bench not running 60 s after $1 create" >&2; return 1; }
        command sleep 0.05   # (the measurement's own clock)
    done
    t1=$(now_cs)
    echo $((t1 - t0))
    "$1" destroy bench >/dev/null 2>&1 || xl destroy bench
    wait_domain_gone bench 30 >/dev/null || { echo "bench still there 30 s after $1 destroy" >&2; return 1; }
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

: >"$OUT/xl.cs"; : >"$OUT/lpar.cs"; : >"$OUT/lpar-shared.cs"
{ cat "$cfg"; echo "cpu_share = 50"; } >"$OUT/bench-shared.cfg"
# warm-up, once each: under TCG the first run of a program pays for
# translating its code (lpar's first create was 3.5 s slower than its next)
one xl "$cfg" >/dev/null
one lpar "$cfg" >/dev/null
i=0
while [ $i -lt "$N" ]; do
    # alternate who goes first, so that neither always follows the other
    if [ $((i % 2)) = 0 ]; then
        one xl "$cfg" >>"$OUT/xl.cs" || fail "an xl round failed (see above)"
        one lpar "$cfg" >>"$OUT/lpar.cs" || fail "an lpar round failed (see above)"
    else
        one lpar "$cfg" >>"$OUT/lpar.cs" || fail "an lpar round failed (see above)"
        one xl "$cfg" >>"$OUT/xl.cs" || fail "an xl round failed (see above)"
    fi
    one lpar "$OUT/bench-shared.cfg" >>"$OUT/lpar-shared.cs" || fail "a shared lpar round failed (see above)"
    i=$((i + 1))
done
xl_m=$(median <"$OUT/xl.cs")
lp_m=$(median <"$OUT/lpar.cs")
ls_m=$(median <"$OUT/lpar-shared.cs")
{
    echo "bench/toolstack: command to running partition, median of $N runs (PV, 128 MiB, 1 vCPU)"
    awk -v x="$xl_m" -v l="$lp_m" -v s="$ls_m" 'BEGIN {
        printf "xl create          %6.2f s\n", x / 100
        printf "lpar create        %6.2f s   ratio lpar/xl %.2f\n", l / 100, l / x
        printf "lpar create shared %6.2f s   ratio lpar/xl %.2f\n", s / 100, s / x
        printf "target: ratio <= 1.00: %s\n", (l <= x * 1.0 ? "met" : "NOT met")
    }'
    # lpar's own notes (not the warm-up): its time from start to a running
    # partition and the part of it that was not libxl_domain_create_new
    sed -n 's/.*partition bench running \([0-9]*\) ms after lpar started; lpar.s own part \([0-9]*\) ms.*/\1 \2/p' \
        /var/log/lpar/lpar.log | sed 1d >"$OUT/lpar-own.ms"
    sed -n 's/.*lpar create: status 0 after \([0-9]*\) ms.*/\1/p' /var/log/lpar/lpar.log | sed 1d >"$OUT/lpar-exit.ms"
    echo "lpar create from main() (median of $(wc -l <"$OUT/lpar-own.ms")): partition running after" \
        "$(cut -d' ' -f1 "$OUT/lpar-own.ms" | median) ms, of which lpar's own part (not" \
        "libxl_domain_create_new) $(cut -d' ' -f2 "$OUT/lpar-own.ms" | median) ms; lpar exits after" \
        "$(median <"$OUT/lpar-exit.ms") ms"
    paste "$OUT/xl.cs" "$OUT/lpar.cs" | awk '$2 <= $1 { n++ } END { printf "pairs where lpar was no slower than xl: %d of %d\n", n, NR }'
} | tee "$OUT/bench.txt"
log "PASS"
