#!/bin/sh
# description: shared partitions at 30% and 60% running busy loops get their shares within 5 points; admission control; live share change; an uncapped lone busy partition borrows idle time
# machine: plain
# timeout: 900
# solo: it measures CPU time against wall time, which another lab on the same host would skew
# shellcheck source=../dom0/lib.sh
. "$LAB/lib.sh"

require_cmd lpar
INTERVAL=10     # seconds of each measurement of a share (1000 of credit2's
                # 10 ms periods; at 10 s the shares came within 0.8 points
                # of 30, 60 and 45 in two runs)
LONE=10         # seconds of the measurement of borrowing (60% wanted, 99% seen)
TOL=5           # points of one CPU the measured use may differ from the share
BOOT=300        # seconds a capped guest may take to boot under TCG
# PV partitions whose PID 1 is a shell busy loop (an endless CPU loop that
# never blocks), after a marker on the console. PV rather than PVH: the
# share is the scheduler's business, the same for both, and two PVH guests
# at once under QEMU TCG's nested SVM have been seen to crash.
mkcfg() { # NAME SHARE [KEY=VALUE...]
    local name="$1" share="$2"
    shift 2
    guest_cfg "$name" pv memory=128 "cpu_share=$share" on_poweroff= on_reboot= on_crash= \
        "pid1=echo LPAR-GUEST-BUSY; while :; do :; done" "$@"
}
# Pause each partition of $to_pause whose busy loop runs (a running one
# takes host CPU from the lab's last lanes); true when none is left.
pause_busy() {
    local n rest=""
    for n in $to_pause; do
        if con_line "$(guest_log "$n")" LPAR-GUEST-BUSY >/dev/null; then
            must lpar pause "$n"
        else
            domain_exists "$n" || fail "$n is gone before its busy loop ran (see $(guest_log "$n"))"
            rest="$rest $n"
        fi
    done
    to_pause=$rest
    [ -z "$to_pause" ]
}
# Percent of one CPU each NAME (and dom0) used over SECONDS, one
# "NAME PERCENT" line each, also appended to $OUT/measure.txt with LABEL.
measure() { # LABEL SECONDS NAME...
    local label="$1" secs="$2" n
    shift 2
    cpu_sample "$OUT/.c0"
    sleep "$secs"
    cpu_sample "$OUT/.c1"
    for n in "$@"; do
        grep -q "^$n " "$OUT/.c1" || fail "$n vanished during the measurement (see lpar.log)"
    done
    awk -v names="$* Domain-0" '
        BEGIN { n = split(names, want, " ") }
        NR == FNR { a[$1] = $2; next }
        { b[$1] = $2 }
        END { for (i = 1; i <= n; i++)
                  printf "%s %.1f\n", want[i], 100 * (b[want[i]] - a[want[i]]) / (b["time"] - a["time"]) }' \
        "$OUT/.c0" "$OUT/.c1" | tee "$OUT/.m"
    sed "s/^/$label /" "$OUT/.m" >>"$OUT/measure.txt"
    rm -f "$OUT/.c0" "$OUT/.c1" "$OUT/.m"
}
pct() { awk -v n="$1" '$1 == n { print $2 }' "$2"; }
within() { # VALUE TARGET TOLERANCE
    awk -v v="$1" -v t="$2" -v d="$3" 'BEGIN { exit !(v >= t - d && v <= t + d) }'
}
sched=$(xl_info_field xen_scheduler)
sched_params() { # NAME: the scheduler's weight and cap for NAME, from xl
    xl sched-$sched -d "$1" | awk 'NR == 2 { print "weight " $3 ", cap " $4 }'
}
: >"$OUT/measure.txt"
log "scheduler: $sched"

# Everything but the measurements may share the host with the lab's other
# lanes: the partitions boot, get to their busy loops and are paused;
# solo_wait then returns when nothing else runs, and they go on.
# --- two capped partitions, 30% and 60% ----------------------------------
must lpar create "$(mkcfg sh30 30)"
must lpar create "$(mkcfg sh60 60)"
xl sched-$sched | tee "$OUT/sched.txt"
lpar list | tee "$OUT/list.txt"
lpar info | tee "$OUT/info.txt"
grep -q "90% of 200%" "$OUT/info.txt" || fail "lpar info does not show 90% of 200% committed"
log "sh30: $(sched_params sh30); sh60: $(sched_params sh60)"

# --- admission control: 90 committed of 200; 120 more does not fit -------
if lpar create "$(mkcfg big 120 vcpus=2)" 2>"$OUT/refuse.txt"; then fail "admitted 210% on 2 CPUs"; fi
cat "$OUT/refuse.txt"
grep -q "does not fit" "$OUT/refuse.txt" || fail "wrong refusal text"
domain_exists big && fail "refused partition exists"
if lpar share sh30 150 2>"$OUT/refuse-share.txt"; then fail "share 150 accepted for 1 vCPU"; fi
cat "$OUT/refuse-share.txt"

# The lone uncapped partition of the last measurement boots now too.
must lpar create "$(mkcfg lone 30 cpu_capped=0)"
log "lone: $(sched_params lone)"
to_pause="sh30 sh60 lone"
wait_for $BOOT "every partition's busy loop running, each paused" pause_busy ||
    fail "not every busy loop ran within ${BOOT}s:$to_pause"
for n in sh30 sh60 lone; do
    case $(domain_state $n) in *p*) ;; *) fail "lpar pause left $n running ($(domain_state $n))" ;; esac
done
solo_wait

must lpar unpause sh30
must lpar unpause sh60
sleep 1   # (the vCPUs run again)
measure shares $INTERVAL sh30 sh60 >"$OUT/measure-30-60.txt"
cat "$OUT/measure-30-60.txt"
p30=$(pct sh30 "$OUT/measure-30-60.txt")
p60=$(pct sh60 "$OUT/measure-30-60.txt")
log "$sched: sh30 $p30%, sh60 $p60%; ratio $(awk -v a="$p30" -v b="$p60" 'BEGIN { printf "%.2f", b / a }') (shares say 2.00)"
within "$p30" 30 $TOL || fail "sh30 got $p30% of a CPU, not 30 +- $TOL"
within "$p60" 60 $TOL || fail "sh60 got $p60% of a CPU, not 60 +- $TOL"
log "capped shares held: sh30 $p30%, sh60 $p60%"

# --- live change: sh30 -> 45 ---------------------------------------------
must lpar share sh30 45
log "sh30 now: $(sched_params sh30)"
lpar list | grep "^sh30 .*45%" || fail "lpar list does not show the new share"
sleep 1   # (the new cap in force)
measure share45 $INTERVAL sh30 >"$OUT/measure-45.txt"
cat "$OUT/measure-45.txt"
p45=$(pct sh30 "$OUT/measure-45.txt")
within "$p45" 45 $TOL || fail "after share 45, sh30 got $p45%, not 45 +- $TOL"
log "live share change held: sh30 $p45% for 45"
must lpar destroy sh30
must lpar destroy sh60

# --- a lone busy uncapped partition borrows idle time beyond its share ---
must lpar unpause lone
sleep 1   # (the vCPUs run again)
measure lone $LONE lone >"$OUT/measure-lone.txt"
cat "$OUT/measure-lone.txt"
pl=$(pct lone "$OUT/measure-lone.txt")
awk -v v="$pl" 'BEGIN { exit !(v >= 60) }' || fail "uncapped lone partition got only $pl% (share 30, CPUs idle)"
log "uncapped lone partition borrowed: $pl% for a 30% share"
must lpar destroy lone
cat "$OUT/measure.txt"
log "PASS"
