#!/bin/sh
# description: Linux's xen-blkfront on lpar-blkback with 2 queues of 4-page rings, 64-segment indirect requests and persistent grants, as the guest's /sys/block/xvda shows them; I/O from two vCPUs at once reads back; grants mapped once and kept; then, offered barriers instead of flushes (--no-flush-cache), blkfront's barrier writes land on the image
# machine: plain
# timeout: 500
# shellcheck source=../dom0/lib.sh
. "$LAB/lib.sh"

require_cmd lpar-blkback
img=/tmp/mq.img
drop_image() { rm -f $img; }
cleanup_add drop_image
blkback_start

dd if=/dev/zero of=$img bs=1M count=64 2>/dev/null
disk="format=raw, vdev=xvda, access=rw, script=lpar-blkback, target=$img"
# blkfront's defaults ask for one ring page and 32 indirect segments
fe="xen_blkfront.max_queues=2 xen_blkfront.max_ring_page_order=2 xen_blkfront.max_indirect_segments=64"
cfg=$(guest_cfg blk-mq pv workload=blkmq memory=192 vcpus=2 "cmdline=$fe" "disk=[ \"$disk\" ]")
xl_create_and_wait "$cfg" 240 "$OUT/console.log" || {
    tail -n 20 /var/log/lpar-blkback.log
    fail "the guest did not finish (see console.log)"
}
con_lines "$OUT/console.log" LAB-MQ
con_line "$OUT/console.log" "LAB-MQ FAIL" && fail "the guest's check failed"
con_line "$OUT/console.log" "LAB-MQ ok" >/dev/null || fail "the guest did not finish its check"

# what the guest's blkfront negotiated, as it shows it
line=$(con_line "$OUT/console.log" "LAB-MQ queues=")
echo "$line" | grep -q "queues=2 " || fail "the guest has not 2 queues: $line"
echo "$line" | grep -q "max_segments=64 " || fail "indirect requests of 64 segments not negotiated: $line"
dm=$(con_line "$OUT/console.log" "LAB-MQ dmesg:")
echo "$dm" | grep -q "persistent grants: enabled" || fail "persistent grants not negotiated: $dm"
echo "$dm" | grep -q "indirect descriptors: enabled" || fail "indirect descriptors not negotiated: $dm"

# and as the daemon saw it
grep -q "connected: 2 queue(s) of 4 ring page(s)" /var/log/lpar-blkback.log ||
    fail "lpar-blkback did not connect 2 queues of 4 pages (see lpar-blkback.log)"

# what the guest wrote from each vCPU is on the image
a=$(con_value "$OUT/console.log" "LAB-MQ a=" a)
b=$(con_value "$OUT/console.log" "LAB-MQ a=" b)
[ -n "$a" ] && [ "$(md5_of $img 1M 8 8)" = "$a" ] || fail "the image at 8 MiB is not what vCPU 0 wrote"
[ -n "$b" ] && [ "$(md5_of $img 1M 24 8)" = "$b" ] || fail "the image at 24 MiB is not what vCPU 1 wrote"
log "the image holds what both vCPUs wrote"

# steady state: grants are mapped once and kept; requests need none
done=$(blkback_done_line "$LAST_DOMID")
log "lpar-blkback: $done"
val() { field "$done" "$1"; }
reqs=$(( $(val reads) + $(val writes) + $(val flushes) ))
maps=$(val grant_maps)
copies=$(val grant_copies)
hits=$(val persistent_hits)
indirect=$(val indirect)
log "requests=$reqs indirect=$indirect grant_maps=$maps grant_copies=$copies persistent_hits=$hits"
[ "$indirect" -gt 0 ] || fail "no indirect request was served"
[ "$hits" -gt 0 ] || fail "no segment went through a persistent grant"
[ "$copies" -lt "$hits" ] || fail "$copies grant copies against $hits persistent-grant segments"
log "grant maps per request: $maps over $reqs requests, every one kept (no unmap while connected)"

# Barriers: a backend without feature-flush-cache but with feature-barrier
# gets blkfront's flushes and FUA writes as BLKIF_OP_WRITE_BARRIER.
blkback_stop
blkback_start --no-flush-cache
dd if=/dev/zero of=$img bs=1M count=64 2>/dev/null
cfg=$(guest_cfg blk-barrier pv workload=blkcheck memory=192 "disk=[ \"$disk\" ]")
xl_create_and_wait "$cfg" 240 "$OUT/console-barrier.log" || {
    tail -n 20 /var/log/lpar-blkback.log
    fail "the barrier guest did not finish (see console-barrier.log)"
}
con_lines "$OUT/console-barrier.log" LAB-BLK
con_line "$OUT/console-barrier.log" "LAB-BLK FAIL" && fail "the guest's check failed with barriers"
grep -a "blkfront: xvda" "$OUT/console-barrier.log" | grep -q "barrier: enabled" ||
    fail "blkfront did not take barriers (console-barrier.log)"
raw=$(con_value "$OUT/console-barrier.log" "LAB-BLK raw md5=" md5)
[ -n "$raw" ] && [ "$(md5_of $img 64K 768 64)" = "$raw" ] ||
    fail "the image does not hold what the guest wrote with barriers"
done=$(blkback_done_line "$LAST_DOMID")
log "lpar-blkback: $done"
[ "$(val barriers)" -ge 1 ] || fail "no barrier reached lpar-blkback"
[ "$(val flushes)" -eq 0 ] || fail "flushes reached lpar-blkback, which did not offer them"
log "barriers: $(val barriers), the guest's data on the image"
log "PASS"
