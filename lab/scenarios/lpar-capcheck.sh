#!/bin/sh
# description: diagnostic for lpar-shares: the scheduler's own cap set with xl alone (no lpar) on busy PV guests: uncapped, a sweep of caps, 30% + 60% together; scheduler trace of a capped guest
# machine: plain
# timeout: 900
# manual: measures the scheduler for lpar-shares, to compare an idle host with a loaded one
# shellcheck source=../dom0/lib.sh
. "$LAB/lib.sh"

# Always passes unless something breaks: it reports numbers (caps.txt) for
# comparing schedulers (XENLPAR_LAB_XEN_ARGS=sched=credit) and hosts.
INTERVAL=30
sched=$(xl_info_field xen_scheduler)
log "scheduler: $sched"
case $sched in
    credit2) setcap() { must xl sched-credit2 -d "$1" -c "$2"; } ;;
    credit) setcap() { must xl sched-credit -d "$1" -c "$2"; } ;;
    *) fail "no cap in scheduler $sched" ;;
esac

busy() { # NAME: a PV guest whose PID 1 is a shell busy loop
    cat >"$OUT/$1.cfg" <<CFG
name = "$1"
type = "pv"
kernel = "$GUEST_KERNEL"
ramdisk = "$GUEST_RAMDISK"
extra = 'console=hvc0 rdinit=/bin/sh -- -c "echo LPAR-GUEST-BUSY; while :; do :; done"'
memory = 128
# no trapped rdtsc, as the lab's guests (lab/dom0/lib.sh)
tsc_mode = "native"
vcpus = 1
CFG
    must xl create "$OUT/$1.cfg"
}
wait_busy() { # NAME
    wait_con "$(guest_log "$1")" LPAR-GUEST-BUSY 300 "$1 busy" "$1"
}
measure() { # LABEL NAME...: percent of one CPU per domain over INTERVAL
    local label=$1
    shift
    cpu_sample "$OUT/.c0"
    sleep "$INTERVAL"
    cpu_sample "$OUT/.c1"
    awk -v names="$* Domain-0" -v l="$label" -v s="$sched" '
        BEGIN { n = split(names, want, " ") }
        NR == FNR { a[$1] = $2; next }
        { b[$1] = $2 }
        END { t = b["time"] - a["time"]
              for (i = 1; i <= n; i++)
                  printf "%s %s %s %.1f %.1f\n", s, l, want[i], 100 * (b[want[i]] - a[want[i]]) / t, t }' \
        "$OUT/.c0" "$OUT/.c1" | tee -a "$OUT/caps.txt"
    rm -f "$OUT/.c0" "$OUT/.c1"
}
: >"$OUT/caps.txt"
uptime >"$OUT/load.txt"

busy cap1
wait_busy cap1
sleep 2
measure uncapped cap1
for c in 30 50 60 90; do
    setcap cap1 $c
    sleep 2
    measure "cap$c" cap1
done

# A scheduler trace of 10 s with cap 50: runstate changes show the vCPU
# parked when its budget is spent and when it runs again.
setcap cap1 50
sleep 2
trace_start "$OUT/sched.trace" -D -e 0x0002f000 -S 64
sleep 10
trace_stop
trace_meta "$OUT/sched.trace" "$(domid cap1)=cap1"
# How long each run lasted (the budget is 5 ms a 10 ms period for credit2;
# credit accounts every 30 ms) and how long it stayed parked: runs far
# over budget mean the pCPU could not take the scheduler's timer in time.
if command -v xentrace-analyze >/dev/null; then
    xentrace-analyze dump "$OUT/sched.trace" | awk -v v="d$(domid cap1)v0" '
        $0 !~ ("runstate_change " v " ") { next }
        { t = $1; split($NF, a, "->")
          if (a[1] == "offline" && off != "") {
              o = t - off; if (o > omax) omax = o
              if (o > 0.010) { lo++; lot += o }; otot += o; off = ""
          }
          if (a[1] == "running" && on != "") {
              r = t - on; if (r > rmax) rmax = r
              if (r > 0.010) { lr++; lrt += r }; rtot += r; nr++
          }
          if (a[2] == "running") on = t
          if (a[2] == "offline") off = t }
        END { printf "cap 50: %d runs, %.3f s, longest %.1f ms, %d over 10 ms (%.3f s); ", nr, rtot, rmax * 1000, lr, lrt
              printf "parked %.3f s, longest %.1f ms, %d over 10 ms (%.3f s)\n", otot, omax * 1000, lo, lot }' |
        tee "$OUT/trace-stats.txt"
fi

busy cap2
wait_busy cap2
setcap cap1 30
setcap cap2 60
sleep 2
measure "pair30-60" cap1 cap2
xl sched-$sched | tee "$OUT/sched-params.txt"
must xl destroy cap1
must xl destroy cap2
cat "$OUT/caps.txt"
log "done"
