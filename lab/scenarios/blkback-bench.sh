#!/bin/sh
# description: bench/blkback: fio in a PV guest (seq 1M read/write, rand 4k read/write) on one dom0 loop device, served in alternating rounds by the kernel's xen-blkback and by lpar-blkback; MiB/s, IOPS, dom0 CPU per GiB, grant operations per request, as ratios ours/kernel
# machine: plain
# timeout: 2400
# needs: fio
# manual: a measurement of 16 to 25 minutes (3 rounds of 2 x 5 fio jobs under TCG, each set with a hot attach and detach), not a test; bench/blkback runs it
# shellcheck source=../dom0/lib.sh
. "$LAB/lib.sh"

# Rounds and seconds per job; lab/run's XENLPAR_LAB_DOM0_ARGS can set
# lab.bench.rounds=N and lab.bench.runtime=S (bench/blkback does).
ROUNDS=3 RUNTIME=8
for arg in $(cat /proc/cmdline); do
    case $arg in
        lab.bench.rounds=*) ROUNDS=${arg#*=} ;;
        lab.bench.runtime=*) RUNTIME=${arg#*=} ;;
    esac
done
IMG_MB=256
name=bench
img=/tmp/bench.img
initrd=/tmp/bench-initrd
console=/var/log/xen/console/guest-$name.log
VDEV=51712 # xvda

require_cmd lpar-blkback
require_file /lab/guest/fio.cpio "lab/run puts it in for '# needs: fio' (lab/fio builds it)"

loop=''
# (clean-ups run newest first: the guest goes, then lpar-blkback if it
# runs, then the disk)
drop_disk() {
    [ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
    rm -f "$img" "$initrd"
    # the kernel's blkback serves this dom0 again, for later scenarios
    modprobe xen-blkback
}
drop_guest() {
    xl destroy $name 2>/dev/null
    cp "$console" "$OUT/console.log" 2>/dev/null
}
cleanup_add drop_disk

# The disk: a loop device on a file in dom0's tmpfs, all pages allocated.
# Both backends open the same block device (the kernel's through the
# stock block script's phy path, lpar-blkback with O_DIRECT, which a
# loop device takes even where tmpfs would not): the same path below the
# backend, and RAM behind it, so that the backend is what differs.
dd if=/dev/zero of=$img bs=1M count=$IMG_MB 2>/dev/null || fail "cannot make a $IMG_MB MiB image in /tmp"
loop=$(losetup -f) || fail "no free loop device"
must losetup "$loop" $img
log "disk: $loop on $img ($IMG_MB MiB, tmpfs)"

# The guest initramfs with fio appended (Linux unpacks both archives).
cat "$GUEST_RAMDISK" /lab/guest/fio.cpio >$initrd
cfg=$(guest_cfg $name pv workload=blkbench memory=256 vcpus=1 "ramdisk=\"$initrd\"" \
    cmdline=lab.bench.runtime=$RUNTIME)
rm -f "$console"
must xl create "$cfg"
cleanup_add drop_guest
domid=$(domid $name) || fail "no domain $name after xl create"
be=/local/domain/0/backend/vbd/$domid/$VDEV
fe=/local/domain/$domid/device/vbd/$VDEV
# The guest waits for "go" on its console input before each job: dom0
# writes it to the pty xenconsoled made for the console (what xl console
# would open).
tty=
go() {
    [ -n "$tty" ] || tty=$(xenstore-read /local/domain/$domid/console/tty 2>/dev/null)
    [ -c "$tty" ] || fail "no console pty for the guest (/local/domain/$domid/console/tty: '$tty')"
    echo go >"$tty"
}

# --- the guest's console, line by line -------------------------------------
# LINE = the next whole line (fd 3), waiting at most $1 seconds.
part=""
cr=$(printf '\r')
next_line() { # TIMEOUT
    local l start now idle=0
    read -r start _ </proc/uptime
    start=${start%.*}
    while :; do
        if IFS= read -r l <&3; then
            LINE=$part$l
            LINE=${LINE%"$cr"}
            part=""
            case $LINE in *LAB-FIO*) echo "$LINE" >>"$OUT/guest-fio.log" ;; esac
            return 0
        fi
        part=$part$l
        read -r now _ </proc/uptime
        [ $(( ${now%.*} - start )) -lt "$1" ] || return 1
        # every 3 s: is the guest still there (a fork each time, not on every poll)
        idle=$((idle + 1))
        [ $((idle % 10)) != 0 ] || xenstore-exists /local/domain/$domid 2>/dev/null ||
            { log "the guest is gone"; return 1; }
        sleep 0.3
    done
}
wait_line() { # PATTERN TIMEOUT: the first line matching the shell PATTERN
    local start now left
    read -r start _ </proc/uptime
    start=${start%.*}
    while :; do
        read -r now _ </proc/uptime
        left=$(( $2 - ${now%.*} + start ))
        [ $left -gt 0 ] && next_line $left || return 1
        # shellcheck disable=SC2254  # $1 is a pattern
        case $LINE in
            $1) return 0 ;;
            *"LAB-FIO dmesg"*) log "guest: ${LINE#*: }" ;;
            *"LAB-FIO FAIL"*) log "guest: $LINE"; return 1 ;;
        esac
    done
}

must_wait 60 "the guest's console log" [ -f "$console" ]
exec 3<"$console"
wait_line "*LAB-FIO ready*" 240 || { cp "$console" "$OUT/console.log"; fail "the guest did not get ready (console.log)"; }
log "guest: $LINE"

# --- counters ----------------------------------------------------------------
# One line per snapshot: BACKEND ROUND SET LABEL busy proc requests bytes
# maps unmaps copies uptime idle iowait steal (CPU times in clock ticks of
# 1/100 s; dom0 busy = user+nice+system+irq+softirq of all its vCPUs from
# /proc/stat; proc = the backend's own threads: lpar-blkback's process,
# the kernel's per-ring thread; uptime in 1/100 s).
snap() { # BACKEND ROUND SET LABEL
    local u n s idle io irq sirq steal busy proc cnt d up
    read -r _ u n s idle io irq sirq steal _ </proc/stat
    read -r up _ </proc/uptime
    busy=$((u + n + s + irq + sirq))
    if [ "$1" = ours ]; then
        proc=$(awk '{ print $14 + $15 }' /proc/"$BLKBACK_PID"/stat 2>/dev/null)
        cnt=$(lpar-blkback --stats 2>/dev/null | awk '{ gsub(/[",:]/, ""); v[$1] = $2 }
            END { printf "%d %d %d %d %d", v["requests"], v["bytes_read"] + v["bytes_written"],
                  v["grant_maps"], v["grant_unmaps"], v["grant_copies"] }')
    else
        # the ring's kernel thread: "DOMID.xvda-QUEUE" (older kernels:
        # "blkback.DOMID.xvda-QUEUE"), as /proc/PID/stat shows it
        proc=$(cat /proc/[0-9]*/stat 2>/dev/null | awk -v re="^[(](blkback[.])?${domid}[.]xvda-[0-9]+[)]\$" '
            $2 ~ re { t += $14 + $15; if (!seen[$1]++) print $1, $2 >"/tmp/bench-kthreads" } END { print t + 0 }')
        d=/sys/bus/xen-backend/devices/vbd-$domid-$VDEV/statistics
        # grant operations: the kernel exposes no count of them
        cnt=$(cat $d/rd_req $d/wr_req $d/f_req $d/ds_req $d/rd_sect $d/wr_sect 2>/dev/null |
            awk '{ v[NR] = $1 } END { printf "%d %d - - -", v[1] + v[2] + v[3] + v[4], (v[5] + v[6]) * 512 }')
    fi
    echo "$1 $2 $3 $4 $busy ${proc:-0} ${cnt:-0 0 - - -} ${up%.*}${up#*.} $idle $io $steal" >>"$OUT/snaps.txt"
}

# xl block-detach, at most 120 s: once it ran on for good (libxl's own
# limit is 10 s); then what the backend, the daemon and xl were doing
# goes to the log and the scenario fails, rather than wait out its
# timeout.
backend_gone() { ! xenstore-exists "$be" 2>/dev/null; }
detach() {
    local rc p
    log "+ xl block-detach $name xvda"
    timeout 120 xl block-detach $name xvda
    rc=$?
    [ $rc = 124 ] || [ $rc = 143 ] || return $rc
    log "xl block-detach still running after 120 s; backend:"
    xenstore-ls -f "$be" 2>&1 | grep -E "/(state|online|hotplug-status)" | sed 's/^/  /'
    for p in ${BLKBACK_PID:-} $(ps -o pid,comm | awk '$2 == "xl" { print $1 }'); do
        log "  pid $p ($(cat /proc/$p/comm 2>/dev/null)): $(grep -E '^State' /proc/$p/status 2>/dev/null)," \
            "wchan $(cat /proc/$p/wchan 2>/dev/null)"
        cat /proc/$p/stack 2>/dev/null | head -n 12 | sed 's/^/    /'
    done
    [ -n "${BLKBACK_PID:-}" ] && tail -n 10 "$BLKBACK_LOG"
    dmesg | tail -n 20 | sed 's/^/  dmesg: /'
    fail "set $set: xl block-detach hung (over 120 s)"
}

# --- one set: a backend serves the disk while the guest runs its jobs -------
SET_TMO=$((5 * (RUNTIME + 12) + 90))
set=0
run_set() { # BACKEND ROUND
    local spec t0 st
    set=$((set + 1))
    case $1 in
        kernel)
            must modprobe xen-blkback
            spec="format=raw, vdev=xvda, access=rw, target=$loop" ;;
        ours)
            echo "=== set $set (round $2)" >>"$BLKBACK_LOG"
            blkback_start
            spec="format=raw, vdev=xvda, access=rw, script=lpar-blkback, target=$loop" ;;
    esac
    log "set $set, round $2: $1 backend"
    # libxl gives the hotplug script 40 s; the stock block script (bash)
    # has run out of it on a loaded host: once more, said in the table
    if ! run xl block-attach $name "$spec"; then
        log "NOTE: set $set ($1): xl block-attach failed; once more"
        echo "$1 $2 $set attach" >>"$OUT/retries.txt"
        xl block-detach $name xvda 2>/dev/null
        wait_for 30 "the backend gone" backend_gone
        must xl block-attach $name "$spec"
    fi
    wait_line "*LAB-FIO disk set=$set *" 60 || fail "set $set ($1): the guest saw no disk"
    log "guest: $LINE"
    # what the two ends negotiated
    xenstore-ls -f "$be" >"$OUT/xs-be.txt" 2>/dev/null
    xenstore-ls -f "$fe" >"$OUT/xs-fe.txt" 2>/dev/null
    { echo "# set $set, $1 backend"; cat "$OUT/xs-be.txt" "$OUT/xs-fe.txt"; } >>"$OUT/xenstore.txt"
    log "negotiated ($1): $(awk '{ sub(/.*\//, "", $1); gsub(/"/, "", $3); v[FILENAME ~ /xs-be[.]txt$/ ? "be" : "fe", $1] = $3 }
        function g(w, k) { return (w SUBSEP k) in v ? v[w, k] : "-" }
        END { printf "persistent be=%s fe=%s, indirect segments be=%s, ring-page-order be=%s fe=%s, queues be=%s fe=%s",
              g("be", "feature-persistent"), g("fe", "feature-persistent"), g("be", "feature-max-indirect-segments"),
              g("be", "max-ring-page-order"), g("fe", "ring-page-order"), g("be", "multi-queue-max-queues"),
              g("fe", "multi-queue-num-queues") }' "$OUT/xs-be.txt" "$OUT/xs-fe.txt")"
    rm -f "$OUT/xs-be.txt" "$OUT/xs-fe.txt"
    wait_line "*LAB-FIO wait set=$set*" 30 || fail "set $set ($1): the guest did not say it waits"
    go
    while :; do
        if ! next_line $SET_TMO; then
            [ "$1" = ours ] && ! kill -0 "$BLKBACK_PID" 2>/dev/null && { tail -n 30 "$BLKBACK_LOG"; fail "set $set: lpar-blkback died under fio"; }
            fail "set $set ($1): no progress from the guest in ${SET_TMO}s"
        fi
        case $LINE in
            *"LAB-FIO begin set=$set job="*) snap "$1" "$2" $set "${LINE##*job=}"; go ;;
            *"LAB-FIO result set=$set "*)
                echo "$1 $2 ${LINE#*LAB-FIO result }" >>"$OUT/results.txt"
                case $LINE in *" rc=0 "*) ;; *) log "guest: fio failed: $LINE" ;; esac ;;
            *"LAB-FIO fio:"*) log "guest: $LINE" ;;
            *"LAB-FIO dmesg set=$set"*) log "guest: ${LINE#*: }" ;;
            *"LAB-FIO done set=$set"*) snap "$1" "$2" $set end; break ;;
        esac
        if [ "$1" = ours ] && ! kill -0 "$BLKBACK_PID" 2>/dev/null; then
            tail -n 30 "$BLKBACK_LOG"
            fail "set $set: lpar-blkback died under fio"
        fi
    done
    if [ "$1" = ours ]; then
        # where lpar-blkback's CPU time went, per thread still there
        # (io_uring's idle workers exit: their time is only in the total)
        log "lpar-blkback CPU (utime+stime s): total $(awk '{ printf "%.2f", ($14 + $15) / 100 }' /proc/"$BLKBACK_PID"/stat)," \
            "threads: $(cat /proc/"$BLKBACK_PID"/task/*/stat 2>/dev/null | awk '{ printf "%s %s %.2f/%.2f ", $1, $2, $14 / 100, $15 / 100 }')"
    fi
    if [ "$1" = kernel ]; then
        log "kernel threads counted as the backend's: $(tr '\n' ' ' </tmp/bench-kthreads 2>/dev/null)"
        [ -s /tmp/bench-kthreads ] || log "(none found: the kernel backend's own CPU time is not measured)"
        rm -f /tmp/bench-kthreads
    fi
    # libxl gives a backend 10 s to close; a second try finds it closed
    if ! detach; then
        log "NOTE: set $set ($1): xl block-detach failed (the backend took longer than libxl's 10 s to close); once more in 10 s"
        echo "$1 $2 $set detach" >>"$OUT/retries.txt"
        [ "$1" = ours ] && tail -n 3 "$BLKBACK_LOG"
        sleep 10
        detach || fail "set $set ($1): xl block-detach failed twice"
    fi
    wait_for 30 "the backend gone" backend_gone ||
        fail "set $set ($1): the backend is still there 30 s after block-detach"
    wait_line "*LAB-FIO gone set=$set*" 30 || fail "set $set ($1): the guest still sees its disk after block-detach"
    if [ "$1" = ours ]; then
        kill "$BLKBACK_PID"
        wait "$BLKBACK_PID"
        st=$?
        BLKBACK_PID=
        [ $st = 0 ] || log "lpar-blkback exited with status $st"
        grep -a "done: " "$BLKBACK_LOG" | tail -n 1 | sed 's/^/lpar-blkback: /'
    fi
}

: >"$OUT/snaps.txt"
: >"$OUT/results.txt"
rm -f "$OUT/retries.txt"
r=1
while [ $r -le "$ROUNDS" ]; do
    # who goes first alternates, so that neither always follows the other
    if [ $((r % 2)) = 1 ]; then run_set kernel $r; run_set ours $r
    else run_set ours $r; run_set kernel $r; fi
    r=$((r + 1))
done
xl destroy $name

# --- the table -----------------------------------------------------------------
# Per backend, round and job: fio's MiB/s and IOPS (the guest's view,
# ramp-up excluded); from the snapshots around the job (ramp-up included,
# the same window for both): dom0 busy and backend-thread CPU seconds per
# GiB the backend moved, KiB per request, grant operations per request.
retries=$(awk '{ printf " %s of %s (set %s)", $4, $1, $3 }' "$OUT/retries.txt" 2>/dev/null)
awk -v rounds="$ROUNDS" -v runtime="$RUNTIME" -v mb="$IMG_MB" -v windows="$OUT/windows.txt" -v retries="$retries" '
function median(key,   n, i, j, t, a) {
    n = cnt[key] + 0
    if (n == 0) return ""
    for (i = 1; i <= n; i++) a[i] = val[key, i]
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function add(be, job, m, v) { k = be SUBSEP job SUBSEP m; val[k, ++cnt[k]] = v }
function fmt(v, f) { return v == "" ? "n/a" : sprintf(f, v) }
FILENAME ~ /snaps/ {
    # BACKEND ROUND SET LABEL busy proc req bytes maps unmaps copies
    if (prev[$3] != "") {
        split(prev[$3], p, " ")
        be = p[1]; job = p[4]
        gib = ($8 - p[8]) / 1073741824
        # every window, raw: what the table is made of
        printf "%s round %s set %s %-10s wall %6.2f s busy %6.2f s backend %6.2f s idle %6.2f s iowait %5.2f s steal %5.2f s requests %6d MiB %7.1f maps %s unmaps %s copies %s\n",
            be, p[2], p[3], job, ($12 - p[12]) / 100, ($5 - p[5]) / 100, ($6 - p[6]) / 100, ($13 - p[13]) / 100,
            ($14 - p[14]) / 100, ($15 - p[15]) / 100, $7 - p[7], ($8 - p[8]) / 1048576,
            $9 == "-" ? "-" : $9 - p[9], $10 == "-" ? "-" : $10 - p[10], $11 == "-" ? "-" : $11 - p[11] >windows
        if (gib > 0) {
            add(be, job, "cpu", ($5 - p[5]) / 100 / gib)
            add(be, job, "proc", ($6 - p[6]) / 100 / gib)
        }
        if ($7 - p[7] > 0) {
            add(be, job, "kib", ($8 - p[8]) / 1024 / ($7 - p[7]))
            if ($9 != "-") {
                add(be, job, "maps", ($9 - p[9]) / ($7 - p[7]))
                add(be, job, "unmaps", ($10 - p[10]) / ($7 - p[7]))
                add(be, job, "copies", ($11 - p[11]) / ($7 - p[7]))
            }
        }
    }
    prev[$3] = $4 == "end" ? "" : $0
    next
}
{
    # BACKEND ROUND set=S job=J rc=RC terse=3;fio-3.33;J;0;ERR;rkb;rbw;riops;...
    be = $1; job = $4; sub(/^job=/, "", job); rc = $5; sub(/^rc=/, "", rc)
    t = $0; sub(/.*terse=/, "", t); n = split(t, f, ";")
    if (rc != 0 || n < 49 || f[5] != 0) { bad++; next }
    # fio'\''s terse IOPS are whole numbers (0 for 0.4 IOPS); from its
    # bandwidth and the block size instead
    add(be, job, "mibs", (f[7] + f[48]) / 1024)
    add(be, job, "iops", (f[7] + f[48]) / (job ~ /^seq/ ? 1024 : 4))
}
END {
    printf "bench/blkback: fio in a PV guest (1 vCPU) on /dev/xvda = a %d MiB loop device on dom0 tmpfs,\n", mb
    printf "the same device served by the kernel'\''s xen-blkback and by lpar-blkback; %d s per job, libaio, direct=1;\n", runtime
    printf "median of %d rounds (who goes first alternates); ratio = ours/kernel\n", rounds
    printf "%-10s %-24s %10s %10s %8s\n", "job", "metric", "kernel", "ours", "ratio"
    nj = split("seq-read seq-write rand-read rand-write", jobs, " ")
    split("mibs iops cpu proc kib maps unmaps copies", ms, " ")
    names["mibs"] = "MiB/s"; names["iops"] = "IOPS"
    names["cpu"] = "dom0 busy CPU s/GiB"; names["proc"] = "backend threads s/GiB"
    names["kib"] = "KiB per request"; names["maps"] = "grant maps/request"
    names["unmaps"] = "grant unmaps/request"; names["copies"] = "grant copies/request"
    fm["mibs"] = "%.2f"; fm["iops"] = "%.1f"; fm["cpu"] = "%.2f"; fm["proc"] = "%.2f"
    fm["kib"] = "%.1f"; fm["maps"] = "%.4f"; fm["unmaps"] = "%.4f"; fm["copies"] = "%.2f"
    ok = 1; minthr = ""; summ = ""; maxmaps = ""
    for (j = 1; j <= nj; j++) {
        for (m = 1; m <= 8; m++) {
            k = median("kernel" SUBSEP jobs[j] SUBSEP ms[m]); o = median("ours" SUBSEP jobs[j] SUBSEP ms[m])
            ratio = (k != "" && o != "" && k > 0) ? sprintf("%.2f", o / k) : "-"
            printf "%-10s %-24s %10s %10s %8s\n", m == 1 ? jobs[j] : "", names[ms[m]], fmt(k, fm[ms[m]]), fmt(o, fm[ms[m]]), ratio
            if (ms[m] == "mibs" || ms[m] == "iops") {
                if (k == "" || o == "") ok = 0
                # the throughput that matters: MiB/s for 1 MiB, IOPS for 4 KiB
                if ((ms[m] == "mibs") == (jobs[j] ~ /^seq/) && ratio != "-") {
                    summ = summ sprintf(" %s %s", jobs[j], ratio)
                    if (minthr == "" || ratio + 0 < minthr) minthr = ratio + 0
                }
            }
            if ((ms[m] == "maps" || ms[m] == "unmaps") && o != "" && (maxmaps == "" || o > maxmaps)) maxmaps = o
        }
    }
    print "(dom0 busy: /proc/stat user+nice+system+irq+softirq, steal excluded; backend threads: /proc/PID/stat"
    print " of lpar-blkback or of the kernel'\''s ring thread, which in a PV dom0 includes time Xen gave others;"
    print " the kernel'\''s grant operations are not exposed, hence n/a; every window raw: windows.txt)"
    if (bad) printf "fio runs without numbers (failed or error): %d (guest-fio.log)\n", bad
    if (retries != "") printf "needed a second try (libxl'\''s time limits: hotplug script 40 s, backend closing 10 s):%s\n", retries
    if (!ok) { print "bench/blkback: INCOMPLETE: a job has no numbers for one of the backends"; exit 1 }
    thr = (minthr >= 1) ? "met" : "NOT met"
    if (maxmaps == "") { pg = "not measured"; mm = "-" }
    else { pg = (maxmaps == 0) ? "met" : "NOT met"; mm = sprintf("%.4f", maxmaps) }
    printf "targets: throughput and IOPS ratio >= 1.00: %s (lowest %.2f);", thr, minthr
    printf " zero grant maps/unmaps per request with persistent grants: %s (ours: %s, highest job median)\n", pg, mm
    printf "bench/blkback summary: rounds=%d throughput ours/kernel (MiB/s for seq, IOPS for rand):%s grant-maps-per-request=%s\n", rounds, summ, mm
}' "$OUT/snaps.txt" "$OUT/results.txt" | tee "$OUT/bench.txt"
grep -q "^bench/blkback summary: rounds=$ROUNDS throughput ours/kernel .*seq-read [0-9.]* seq-write [0-9.]* rand-read [0-9.]* rand-write [0-9.]* " "$OUT/bench.txt" ||
    fail "the benchmark produced no complete set of numbers (bench.txt, results.txt, snaps.txt)"
log "PASS"
