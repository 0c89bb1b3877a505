#!/bin/sh
# description: hot-plug on lpar-blkback: a running PV guest (Linux's xen-blkfront) gets a second disk with xl block-attach and loses it with xl block-detach (libxl's online = 0, then Closing), twice; the guest sees each disk come with the image's contents and go; the daemon lets each device go ('done:', no I/O error), libxl removes its backend nodes, and the first disk stays connected
# machine: plain
# timeout: 420
# Artifacts: console-hotplug.log, lpar-blkback.log, backend-nodes.txt.
# shellcheck source=../dom0/lib.sh
. "$LAB/lib.sh"

require_cmd lpar-blkback
BOOT=240        # seconds the guest may take to show its first disk
WAIT=60         # seconds a hot attach or detach may take to reach the guest
name=hotplug
console=$XEN_CONSOLE_LOG_DIR/guest-$name.log
finish() {
    xenstore-ls -f /local/domain/0/backend/vbd >"$OUT/backend-nodes.txt" 2>&1
    domain_exists $name && xl destroy $name
    rm -f /tmp/hot1.img /tmp/hot2.img
}
blkback_start
# (clean-ups run newest first: the guest goes while the daemon still
# serves it)
cleanup_add finish

# Two images whose first MiB is random (the guest's devwatch reports the
# md5 of each disk's first MiB when it appears).
sum1=$(random_image /tmp/hot1.img 16M)
sum2=$(random_image /tmp/hot2.img 16M)
spec() { echo "format=raw, vdev=$1, access=rw, script=lpar-blkback, target=$2"; }

cfg=$(guest_cfg $name pv workload=devwatch memory=128 "disk=[ \"$(spec xvda /tmp/hot1.img)\" ]")
must xl create "$cfg"
id=$(domid $name) || fail "$name did not start"
wait_console "LAB-DISK xvda *md5=$sum1" $BOOT "xvda with hot1's contents"
wait_devs "LAB-DEVS blocks=xvda nets=none" $WAIT "xvda"

for round in 1 2; do
    log "+ xl block-attach $name '$(spec xvdb /tmp/hot2.img)' (round $round)"
    timeout 120 xl block-attach $name "$(spec xvdb /tmp/hot2.img)" || fail "xl block-attach failed (round $round)"
    wait_devs "LAB-DEVS blocks=xvda,xvdb nets=none" $WAIT "xvdb attached (round $round)"
    wait_console "LAB-DISK xvdb *md5=$sum2" $WAIT "xvdb with hot2's contents (round $round)"
    before=$(blkback_done_count "$id/51728")
    log "+ xl block-detach $name xvdb (round $round)"
    timeout 120 xl block-detach $name xvdb || fail "xl block-detach failed or hung (round $round)"
    wait_devs "LAB-DEVS blocks=xvda nets=none" $WAIT "xvdb detached (round $round)"
    # the daemon let the device go (its 'done:' line comes a moment later)
    line=$(blkback_done_line "$id/51728" /var/log/lpar-blkback.log "$before") ||
        fail "lpar-blkback, xvdb of domain $id (round $round): $line"
    log "lpar-blkback: ${line#*info: }"
    echo "$line" | grep -q " io_errors=0 " || fail "I/O errors on xvdb: $line"
    # and libxl removed its backend
    ! xenstore-exists "/local/domain/0/backend/vbd/$id/51728" 2>/dev/null ||
        fail "backend nodes of xvdb are still there after the detach (round $round)"
    xl block-list $name | tee "$OUT/block-list-$round.txt"
    [ "$(tail -n +2 "$OUT/block-list-$round.txt" | grep -c .)" = 1 ] || fail "xl block-list shows other than one disk after the detach"
done

# the first disk was left alone: still Connected on both sides
be=$(xenstore-read "/local/domain/0/backend/vbd/$id/51712/state" 2>/dev/null)
fe=$(xenstore-read "/local/domain/$id/device/vbd/51712/state" 2>/dev/null)
log "xvda after the detaches: backend state ${be:-none}, frontend ${fe:-none}"
[ "$be" = 4 ] && [ "$fe" = 4 ] || fail "xvda is no longer connected after xvdb's detaches (backend ${be:-none}, frontend ${fe:-none})"
must xl destroy $name
wait_domain_gone $name 60 || fail "$name still there after destroy"
line=$(blkback_done_line "$id/51712") || fail "lpar-blkback, xvda of domain $id: $line"
log "lpar-blkback: ${line#*info: }"
echo "$line" | grep -q " io_errors=0 " || fail "I/O errors on xvda: $line"
kill -0 "$BLKBACK_PID" 2>/dev/null || fail "lpar-blkback died"
log "PASS"
