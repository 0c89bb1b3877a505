#!/bin/sh
# description: lpar-blkback killed with SIGKILL, twice, and stopped with SIGTERM in the middle of a guest's write stream (a loop device, O_DIRECT, its writes throttled so that some are in flight), each time started again: it re-attaches to the rings and event channels from xenstore, serves again what was in flight (its journal), and the guest carries on with no I/O error; every pass reads back what it wrote, and so does the image
# machine: plain
# timeout: 600
# shellcheck source=../dom0/lib.sh
. "$LAB/lib.sh"

require_cmd lpar-blkback
img=/tmp/stream.img
loop=
cg=/sys/fs/cgroup/lab-blkback
stats=$BLKBACK_STATS
# clean-ups run newest first: the guest goes while lpar-blkback serves
# it, then the daemon, then its disk
drop_disk() {
    [ -n "$loop" ] && losetup -d "$loop"
    [ -d $cg ] && rmdir $cg 2>/dev/null
    rm -f $img
}
drop_guest() { domain_exists blk-stream && xl destroy blk-stream; }
cleanup_add drop_disk

start_daemon() {
    rm -f $stats
    blkback_start
    echo "$BLKBACK_PID" >$cg/cgroup.procs
}
# Writes to the loop device are throttled (cgroup v2 io.max) around each
# stop, so that some are still in flight when the signal comes: those are
# what the journal has to bring back.
throttle() { # on|off
    local dev
    dev=$(cat /sys/block/${loop#/dev/}/dev)
    if [ "$1" = on ]; then
        echo "$dev wbps=1048576" >$cg/io.max
    else
        echo "$dev wbps=max" >$cg/io.max
    fi
}
written() { # what the running daemon has written for the guest (bytes)
    sed -n 's/.*"bytes_written": *\([0-9]*\).*/\1/p' $stats 2>/dev/null | head -n 1
}
has_written() { # BYTES: or the daemon died
    [ "$(written)" -ge "$1" ] 2>/dev/null || ! kill -0 "$BLKBACK_PID" 2>/dev/null
}
wait_written() { # BYTES SECONDS
    wait_for "$2" "lpar-blkback's bytes_written at $1" has_written "$1" &&
        kill -0 "$BLKBACK_PID" 2>/dev/null
}

# Runs while the guest streams (create_and_wait's hook). A failure here
# is noted for after the guest is gone.
: >"$OUT/restart-problems"
restarts() {
    local sig w rc
    for sig in KILL KILL TERM; do
        # slowed down, the guest's writes are still in flight when the
        # daemon has written 1 MiB more
        throttle on
        w=$(written)
        if ! wait_written $((${w:-0} + (1 << 20))) 240; then
            echo "before SIG$sig: the guest's writes did not reach lpar-blkback" >>"$OUT/restart-problems"
            throttle off
            return
        fi
        w=$(written)
        kill -$sig "$BLKBACK_PID"
        wait "$BLKBACK_PID"
        rc=$?
        log "SIG$sig to lpar-blkback after $w bytes written (exit status $rc); the guest's I/O waits 2 s"
        throttle off
        sleep 2
        start_daemon
    done
}

dd if=/dev/zero of=$img bs=1M count=64 2>/dev/null
loop=$(losetup -f) && losetup "$loop" $img || fail "no loop device for $img"
grep -q cgroup2 /proc/mounts || mount -t cgroup2 none /sys/fs/cgroup ||
    fail "cannot mount cgroup2"
echo +io >/sys/fs/cgroup/cgroup.subtree_control || fail "no io controller in cgroup2"
mkdir -p $cg
start_daemon
cleanup_add drop_guest
disk="format=raw, vdev=xvda, access=rw, script=lpar-blkback, target=$loop"
cfg=$(guest_cfg blk-stream pv workload=blkstream memory=192 "disk=[ \"$disk\" ]")
CREATE_HOOK=restarts
xl_create_and_wait "$cfg" 420 "$OUT/console.log" || {
    tail -n 30 "$BLKBACK_LOG"
    fail "the guest did not finish its stream (see console.log)"
}
CREATE_HOOK=
con_lines "$OUT/console.log" LAB-STREAM
if [ -s "$OUT/restart-problems" ]; then
    cat "$OUT/restart-problems"
    fail "the restarts did not happen as planned"
fi
con_line "$OUT/console.log" "LAB-STREAM FAIL" && fail "the guest saw an I/O error or read back other data"
con_line "$OUT/console.log" "LAB-STREAM ok" >/dev/null || fail "the guest did not finish its check"

grep -q "serving $loop (read-write, .*, O_DIRECT)" "$BLKBACK_LOG" ||
    fail "the loop device was not opened with O_DIRECT (see lpar-blkback.log)"
# each start after the first found the device Connected and took it over
n=$(grep -c "vbd .*: re-attached: " "$BLKBACK_LOG")
[ "$n" -eq 3 ] || fail "$n re-attaches logged, 3 expected (see lpar-blkback.log)"
grep "re-attached: \|serving .* again\|rings left to a successor\|stopping: " "$BLKBACK_LOG" | sed 's/^[^:]*: info: /  /' | while read -r l; do log "$l"; done
grep -q "journal found" "$BLKBACK_LOG" || fail "no re-attach found the journal"
replayed=$(grep -o "serving [0-9]* request(s) again" "$BLKBACK_LOG" | awk '{s += $2} END {print s + 0}')
log "requests in flight at a stop and served again: $replayed"
[ "$replayed" -ge 1 ] || fail "no request was in flight at either SIGKILL: the replay was not exercised"

# the image holds every pass, as the guest read it back
for p in 1 2 3 4; do
    sum=$(con_value "$OUT/console.log" "LAB-STREAM pass=$p " md5)
    at=$(( (p - 1) * 12 + 4 ))
    [ -n "$sum" ] && [ "$(md5_of $img 1M $at 12)" = "$sum" ] ||
        fail "the image at ${at} MiB is not what pass $p wrote"
done
log "the image holds all four passes, by checksum"
log "PASS"
