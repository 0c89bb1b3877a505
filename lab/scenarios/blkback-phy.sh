#!/bin/sh
# description: lpar-blkback on block devices: a PV guest's disk is a loop device (opened O_DIRECT; blkcheck's discard frees the blocks behind it; the files again after a second boot), its second disk a file on ext4 on a loop device (opened O_DIRECT; raw data and a discard seen in the file); online resize: the loop device grown under the running guest (losetup -c), the guest sees the new size and writes at the new end; a 4Kn disk: a loop device with 4096-byte sectors, which the guest sees as such (sector-size, physical-sector-size) and writes to
# machine: plain
# timeout: 600
# shellcheck source=../dom0/lib.sh
. "$LAB/lib.sh"

require_cmd lpar-blkback
name=blk-phy
# dom0's /tmp is tmpfs: the loop devices' files are there (tmpfs takes
# no O_DIRECT on 6.1, but a loop device does, whatever is behind it)
back=/tmp/phy-back.img
fsimg=/tmp/phy-fs.img
mnt=/tmp/phy-fs
file=$mnt/disk.img
back4k=/tmp/phy-4k.img
loop='' fsloop='' loop4k=''
finish() {
    grep -q " $mnt " /proc/mounts && umount $mnt
    [ -n "$fsloop" ] && losetup -d "$fsloop"
    [ -n "$loop" ] && losetup -d "$loop"
    [ -n "$loop4k" ] && losetup -d "$loop4k"
    rm -rf $back $fsimg $mnt $back4k
}
cleanup_add finish

# Attaches FILE to the next free loop device, prints the device.
attach() { # FILE
    local dev
    dev=$(losetup -f) || return 1
    losetup "$dev" "$1" || return 1
    echo "$dev"
}

# The daemon's descriptor of PATH (its number in $open_fd).
has_open() { # PID PATH
    local fd
    for fd in /proc/$1/fd/*; do
        [ "$(readlink "$fd")" = "$2" ] && { open_fd=${fd##*/}; return 0; }
    done
    return 1
}
# O_DIRECT is 040000 (octal) on x86
expect_direct() { # PID PATH
    local flags
    wait_for 30 "lpar-blkback has $2 open" has_open "$1" "$2" || fail "lpar-blkback did not open $2"
    flags=$(sed -n 's/^flags:[[:space:]]*//p' "/proc/$1/fdinfo/$open_fd")
    log "lpar-blkback has $2 open with flags $flags"
    [ $((flags & 040000)) -ne 0 ] || fail "lpar-blkback opened $2 without O_DIRECT (flags $flags)"
}
kib() { du -k "$1" | cut -f1; }

blkback_start

# the guest's first disk: a loop device on 64 MiB, all allocated (so
# that a discard shows in du)
dd if=/dev/zero of=$back bs=1M count=64 2>/dev/null
loop=$(attach $back) || fail "no loop device for $back"
log "xvda: $loop on $back ($(blockdev --getsize64 "$loop") bytes, $(blockdev --getss "$loop")-byte sectors)"

# its second: a file on ext4 (busybox mke2fs makes ext2; the ext4
# driver mounts it) on a loop device
modprobe ext4 || fail "no ext4 module in dom0 (lab/build DOM0_MODULES)"
dd if=/dev/zero of=$fsimg bs=1M count=48 2>/dev/null
fsloop=$(attach $fsimg) || fail "no loop device for $fsimg"
mke2fs -q -b 4096 "$fsloop" >/dev/null 2>&1 || fail "mke2fs $fsloop"
mkdir -p $mnt
must mount -t ext4 "$fsloop" $mnt
dd if=/dev/zero of=$file bs=1M count=16 2>/dev/null
sync
log "xvdb: $file on ext4 on $fsloop ($(kib $file) KiB allocated)"

disks="\"format=raw, vdev=xvda, access=rw, script=lpar-blkback, target=$loop\", \"format=raw, vdev=xvdb, access=rw, script=lpar-blkback, target=$file\""

# While a guest runs: both disks are open with O_DIRECT.
check_direct() { # DOMAIN
    expect_direct "$BLKBACK_PID" "$loop"
    expect_direct "$BLKBACK_PID" "$file"
    lpar-blkback --stats >"$OUT/stats-running.json" 2>&1
}

boot() { # WORKLOAD CONSOLE
    local cfg
    cfg=$(guest_cfg $name pv workload="$1" memory=192 "disk=[ $disks ]")
    xl_create_and_wait "$cfg" 240 "$2" || {
        tail -n 20 /var/log/lpar-blkback.log
        fail "the $1 boot did not finish (see $(basename "$2"))"
    }
    con_lines "$2" LAB-BLK
    con_line "$2" "LAB-BLK FAIL" && fail "the guest's check failed ($(basename "$2"))"
}

# ---- first boot: blkcheck on the loop device
before=$(kib $back)
CREATE_HOOK=check_direct
boot blkcheck "$OUT/console-1.log"
CREATE_HOOK=
raw=$(con_value "$OUT/console-1.log" "LAB-BLK raw md5=" md5)
files1=$(con_line "$OUT/console-1.log" "LAB-BLK files")
[ -n "$raw" ] && [ -n "$files1" ] || fail "the guest reported no checksums"
grep -q "serving $loop (read-write, .*O_DIRECT" /var/log/lpar-blkback.log ||
    fail "lpar-blkback did not say it serves $loop with O_DIRECT"

# what the guest wrote is on the device and in the file behind it
onloop=$(md5_of $loop 64K 768 64)
onfile=$(md5_of $back 64K 768 64)
[ "$onloop" = "$raw" ] && [ "$onfile" = "$raw" ] ||
    fail "at 48 MiB $loop holds $onloop, $back $onfile; the guest wrote $raw"
log "raw data on $loop and in $back: $raw, as the guest wrote it"

# the discard reached the device: the loop device punched the file
after=$(kib $back)
log "$back: $before KiB allocated before, $after KiB after the guest's discard of 8 MiB"
[ $((before - after)) -ge 8000 ] || fail "the discard did not free the blocks behind $loop ($before -> $after KiB)"
# the daemon logs it a moment after the domain went
done1=$(blkback_done_line "$LAST_DOMID/51712") || fail "lpar-blkback: $done1"
log "lpar-blkback: $done1"
discards=$(field "$done1" discards)
io_errors=$(field "$done1" io_errors)
[ "${discards:-0}" -ge 1 ] || fail "no discard reached lpar-blkback"
[ "${io_errors:-1}" = 0 ] || fail "I/O errors on $loop: $done1"

# ---- second boot: the same files; raw data and a discard on the ext4
# file; online resize of the loop device while the guest runs.
# (The daemon's side of resize: blk_dev_tick, once a second.)
waiting_for_resize() { # DOMAIN
    con_line "$(guest_log "$1")" "LAB-BLK waiting for resize" >/dev/null || ! domain_exists "$1"
}
grow() { # DOMAIN
    check_direct "$1"
    wait_for 200 "the guest waiting for the resize" waiting_for_resize "$1" ||
        { log "the guest never waited for the resize"; return 0; }
    domain_exists "$1" || return 0
    must truncate -s 96M $back
    must losetup -c "$loop"
    log "grown: $loop is $(blockdev --getsize64 "$loop") bytes"
}
# and a third disk: a 4Kn device (4096-byte logical and physical sectors),
# 16 MiB, which lpar-blkback serves with sector-size 4096 (in 512-byte
# sectors, as blkif.h counts them whatever the sector size)
dd if=/dev/zero of=$back4k bs=1M count=16 2>/dev/null
# (busybox's losetup cannot set a sector size; lab/build adds util-linux's)
dev=$(losetup -f) || fail "no free loop device"
/usr/lib/lab/losetup -b 4096 "$dev" $back4k || fail "util-linux losetup -b 4096 $dev $back4k failed"
loop4k=$dev
[ "$(blockdev --getss "$loop4k")" = 4096 ] || fail "$loop4k has $(blockdev --getss "$loop4k")-byte sectors, not 4096"
log "xvdc: $loop4k on $back4k, $(blockdev --getss "$loop4k")-byte logical and $(cat "/sys/block/${loop4k#/dev/}/queue/physical_block_size")-byte physical sectors"
disks="$disks, \"format=raw, vdev=xvdc, access=rw, script=lpar-blkback, target=$loop4k\""
fbefore=$(kib $file)
CREATE_HOOK=grow
boot blkphy "$OUT/console-2.log"
CREATE_HOOK=
files2=$(con_line "$OUT/console-2.log" "LAB-BLK files")
[ "$files1" = "$files2" ] || fail "files changed across boots: '$files1' then '$files2'"
log "files after a second boot: $files2 (same)"

sum=$(con_value "$OUT/console-2.log" "LAB-BLK xvdb md5=" md5)
infile=$(md5_of $file 64K 16 16)
[ -n "$sum" ] && [ "$infile" = "$sum" ] || fail "$file holds $infile at 1 MiB, the guest wrote '$sum'"
fafter=$(kib $file)
log "$file: $infile at 1 MiB as the guest wrote it; $fbefore KiB allocated before, $fafter KiB after a discard of 4 MiB"
[ $((fbefore - fafter)) -ge 4000 ] || fail "the discard on xvdb did not punch $file ($fbefore -> $fafter KiB)"

con_line "$OUT/console-2.log" "LAB-BLK resized sectors=131072->196608" >/dev/null ||
    fail "the running guest did not see xvda grow from 131072 to 196608 sectors"
end=$(con_value "$OUT/console-2.log" "LAB-BLK grown-end md5=" md5)
[ -n "$end" ] && [ "$(con_value "$OUT/console-2.log" "LAB-BLK grown-end md5=" back)" = "$end" ] ||
    fail "the guest could not write and read at the new end"
# the 4Kn disk: what lpar-blkback said, what the guest saw, what it wrote
grep "serving $loop4k " /var/log/lpar-blkback.log | sed 's/^[^:]*: info: //'
grep -q "serving $loop4k (read-write, 32768 sectors, sector-size 4096, physical-sector-size 4096, O_DIRECT)" /var/log/lpar-blkback.log ||
    fail "lpar-blkback did not serve $loop4k as 32768 sectors with sector-size 4096 and O_DIRECT"
line=$(con_line "$OUT/console-2.log" "LAB-BLK xvdc ")
log "guest: $line"
echo "$line" | grep -q "^LAB-BLK xvdc logical=4096 physical=4096 sectors=32768 " ||
    fail "the guest did not see xvdc as a 16 MiB disk of 4096-byte sectors"
sum=$(field "$line" md5)
[ -n "$sum" ] && [ "$(field "$line" back)" = "$sum" ] || fail "the guest's write on xvdc did not read back the same"
[ "$(md5_of $back4k 64K 32 16)" = "$sum" ] ||
    fail "$back4k does not hold at 2 MiB what the guest wrote on xvdc"
log "4Kn: the guest's 1 MiB at 2 MiB on xvdc is in $back4k (md5 $sum)"

grep "disk resized" /var/log/lpar-blkback.log
grep -q "vbd $LAST_DOMID/51712: disk resized: 131072 -> 196608 sectors" /var/log/lpar-blkback.log ||
    fail "lpar-blkback did not tell the frontend of the new size"
[ "$(md5_of $back 512 $((196608 - 128)) 128)" = "$end" ] ||
    fail "the grown end of $back is not what the guest wrote there"
log "online resize: the guest saw 131072 -> 196608 sectors and its write at the new end is in $back"

log "PASS"
