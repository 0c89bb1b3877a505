#!/bin/sh
# description: Linux's xen-blkfront on lpar-blkback: a PV guest writes raw data, mkfs, files, sync, discards; dom0 sees the data, flushes and the discard on the image; a second PV boot and a PVH boot see the same files; a read-only disk refuses writes
# machine: plain
# timeout: 600
# shellcheck source=../dom0/lib.sh
. "$LAB/lib.sh"

require_cmd lpar-blkback
img=/tmp/blk.img
name=blk-pv

# The kernel's blkback would serve the same backends: lpar-blkback
# refuses to start beside it, then runs once it is gone.
# (loaded again first: a scenario killed before its clean-up may have left
# it out; the refusal must come at once, not after serving)
modprobe xen-blkback
if timeout 10 lpar-blkback >"$OUT/refusal.txt" 2>&1; then fail "lpar-blkback started beside xen-blkback"; fi
cat "$OUT/refusal.txt"
grep -q "xen-blkback is loaded" "$OUT/refusal.txt" || fail "no clear refusal beside xen-blkback"
blkback_start

# 64 MiB, all allocated (so that the discard shows in du)
dd if=/dev/zero of=$img bs=1M count=64 2>/dev/null
disk="format=raw, vdev=xvda, access=rw, script=lpar-blkback, target=$img"

boot() { # WORKLOAD CONSOLE [TYPE [DISKS]]
    local cfg
    cfg=$(guest_cfg $name "${3:-pv}" workload="$1" memory=192 "disk=[ ${4:-\"$disk\"} ]")
    xl_create_and_wait "$cfg" 240 "$2" || {
        tail -n 20 /var/log/lpar-blkback.log
        fail "the $1 boot did not finish (see $(basename "$2"))"
    }
    con_lines "$2" LAB-BLK
}

before=$(du -k $img | cut -f1)
boot blkcheck "$OUT/console-1.log"
con_line "$OUT/console-1.log" "LAB-BLK FAIL" && fail "the guest's check failed"
raw=$(con_value "$OUT/console-1.log" "LAB-BLK raw md5=" md5)
files1=$(con_line "$OUT/console-1.log" "LAB-BLK files")
[ -n "$raw" ] && [ -n "$files1" ] || fail "the guest reported no checksums"

# what the guest wrote is on the image, byte for byte
onimg=$(md5_of $img 64K 768 64)
[ "$onimg" = "$raw" ] || fail "the image holds $onimg at 48 MiB, the guest wrote $raw"
log "raw data on the image: $onimg, as the guest wrote it"
after=$(du -k $img | cut -f1)
log "image allocation: $before KiB before, $after KiB after the guest's discard of 8 MiB"
[ $((before - after)) -ge 8000 ] || fail "the discard did not free the image's blocks ($before -> $after KiB)"

# the device's counters, logged when it went with the guest
done1=$(blkback_done_line "$LAST_DOMID")
log "lpar-blkback: $done1"
flushes=$(field "$done1" flushes)
discards=$(field "$done1" discards)
[ "${flushes:-0}" -ge 1 ] || fail "no flush reached lpar-blkback (sync with feature-flush-cache)"
[ "${discards:-0}" -ge 1 ] || fail "no discard reached lpar-blkback"

boot blkverify "$OUT/console-2.log"
files2=$(con_line "$OUT/console-2.log" "LAB-BLK files")
[ "$files1" = "$files2" ] || fail "files changed across boots: '$files1' then '$files2'"
log "files after a second boot: $files2 (same)"

# PVH, with a second disk read-only: the same files; writes refused
dd if=/dev/urandom of=/tmp/ro.img bs=1M count=8 2>/dev/null
rosum=$(md5_of /tmp/ro.img 64K 0 16)
rodisk="format=raw, vdev=xvdb, access=ro, script=lpar-blkback, target=/tmp/ro.img"
boot blkverify "$OUT/console-3.log" pvh "\"$disk\", \"$rodisk\""
files3=$(con_line "$OUT/console-3.log" "LAB-BLK files")
[ "$files1" = "$files3" ] || fail "PVH guest sees other files: '$files3'"
con_line "$OUT/console-3.log" "LAB-BLK ro-disk ro=1 write=refused md5=$rosum" >/dev/null ||
    fail "the read-only disk was not read-only, or not its contents (console-3.log)"
[ "$(md5_of /tmp/ro.img 64K 0 16)" = "$rosum" ] || fail "the read-only image changed"
log "PVH guest: same files; the read-only disk refused writes and is unchanged"

log "PASS"
