#!/bin/sh
# description: lpar block-attach/-detach/-list and network-attach/-detach/-list on a running PV partition, seen by the guest's own xen-blkfront and xen-netfront, agreeing with xl; bad device arguments refused; nothing left after destroy
# machine: plain
# timeout: 600
# shellcheck source=../dom0/lib.sh
. "$LAB/lib.sh"

require_cmd lpar
BOOT=240        # seconds the guest may take to show its first device
WAIT=60         # seconds a hot (de)attach may take to reach the guest
name=devs
console=$XEN_CONSOLE_LOG_DIR/guest-$name.log
backend_nodes() { xenstore-ls -f /local/domain/0/backend >"$OUT/backend-nodes.txt" 2>&1; }
cleanup_add backend_nodes
# A device command that hangs: say what runs and where the backends are,
# then fail (the scenario's own timeout would say nothing).
within() { # SECS COMMAND...
    local secs=$1
    shift
    log "+ $*"
    timeout "$secs" "$@" && return 0
    log "'$*' failed or took more than ${secs}s; processes and backends:"
    ps -o pid,ppid,args | grep -v " \[" | tail -n 30
    xenstore-ls -f /local/domain/0/backend 2>&1 | grep -E "/state|hotplug|physical|node" | head -n 40
    tail -n 30 /var/log/xen/xen-hotplug.log 2>/dev/null
    return 1
}

# The bridge xl.cfg's vif names (the stock vif-bridge script adds to it).
must brctl addbr xenbr0
must ip link set xenbr0 up

# Two raw images with known contents: the first MiB of each is random.
sum1=$(random_image /tmp/disk1.img 8M)
sum2=$(random_image /tmp/disk2.img 8M)

# The guest's workload reports its disks and interfaces on the console
# (lab/guest/workloads/devwatch).
cfg=$(guest_cfg $name pv workload=devwatch memory=128 on_poweroff= on_reboot= on_crash= \
    'disk=[ "format=raw, vdev=xvda, access=rw, target=/tmp/disk1.img" ]' \
    'vif=[ "mac=00:16:3e:4c:50:01, bridge=xenbr0" ]')

# wait_console, devs_now, wait_devs: lib.sh (on $name and $console)
# Rows of a block-list/network-list (without the heading) from lpar and
# from xl, side by side in the log; both must have N rows.
rows() { tail -n +2 | grep -c . ; }
agree() { # KIND N
    lpar "$1-list" $name | tee "$OUT/lpar-$1-list.txt"
    xl "$1-list" $name | tee "$OUT/xl-$1-list.txt"
    [ "$(rows <"$OUT/lpar-$1-list.txt")" = "$2" ] || fail "lpar $1-list shows $(rows <"$OUT/lpar-$1-list.txt") rows, not $2"
    [ "$(rows <"$OUT/xl-$1-list.txt")" = "$2" ] || fail "xl $1-list shows $(rows <"$OUT/xl-$1-list.txt") rows, not $2"
}

within 120 lpar create "$cfg" || fail "lpar create failed"
id=$(domid $name)
wait_console "LAB-DISK xvda *md5=$sum1" $BOOT "xvda with disk1's contents, through xen-blkfront"
wait_devs "LAB-DEVS blocks=xvda nets=eth0" $WAIT "xvda and eth0"
agree block 1
agree network 1

# --- disks ------------------------------------------------------------------
within 120 lpar block-attach $name "format=raw, vdev=xvdb, access=ro, target=/tmp/disk2.img" || fail "lpar block-attach failed"
wait_console "LAB-DISK xvdb *ro=1 md5=$sum2" $WAIT "xvdb, read-only, with disk2's contents"
wait_devs "LAB-DEVS blocks=xvda,xvdb nets=eth0" $WAIT "xvdb attached"
agree block 2
grep -q "^xvdb .* ro .*disk2.img" "$OUT/lpar-block-list.txt" || fail "lpar block-list does not show xvdb ro on disk2.img"
within 120 lpar block-detach $name xvdb || fail "lpar block-detach failed"
wait_devs "LAB-DEVS blocks=xvda nets=eth0" $WAIT "xvdb detached"
agree block 1

# --- network interfaces ------------------------------------------------------
within 120 lpar network-attach $name bridge=xenbr0 mac=00:16:3e:4c:50:02 || fail "lpar network-attach failed"
wait_devs "LAB-DEVS blocks=xvda nets=eth0,eth1" $WAIT "eth1 attached"
agree network 2
grep -q "00:16:3e:4c:50:02 .*xenbr0" "$OUT/lpar-network-list.txt" || fail "lpar network-list does not show the new MAC on xenbr0"
# the bridge's ports (busybox brctl has no "show")
bridge_ports() { ls /sys/class/net/xenbr0/brif 2>/dev/null | tr '\n' ' '; }
log "xenbr0 ports: $(bridge_ports)"
bridge_ports | grep -q "vif$id\.1 " || fail "vif$id.1 is not on xenbr0"
within 120 lpar network-detach $name 00:16:3e:4c:50:02 || fail "lpar network-detach failed"
wait_devs "LAB-DEVS blocks=xvda nets=eth0" $WAIT "eth1 detached (by MAC)"
agree network 1
within 120 lpar network-attach $name bridge=xenbr0 || fail "lpar network-attach failed"
wait_devs "LAB-DEVS blocks=xvda nets=eth0,eth1" $WAIT "eth1 attached again"
devid=$(lpar network-list $name | awk 'NR > 2 { print $1 }' | tail -n 1)
within 120 lpar network-detach $name "$devid" || fail "lpar network-detach failed"
wait_devs "LAB-DEVS blocks=xvda nets=eth0" $WAIT "eth1 detached (by devid $devid)"

# --- bad arguments: a clear error, a non-zero exit, nothing changed ---------
expect_refused "no disk xvdz" lpar block-detach $name xvdz
expect_refused "not a valid disk spec" lpar block-attach $name "format=qcow9, vdev=xvdc, target=/tmp/disk2.img"
expect_refused "no-such.img.*No such file" lpar block-attach $name "format=raw, vdev=xvdc, target=/tmp/no-such.img"
expect_refused "no network interface 7" lpar network-detach $name 7
expect_refused "DEVID" lpar network-detach $name seven
expect_refused "no-such-partition" lpar block-list no-such-partition
expect_refused "Usage" lpar block-attach $name
agree block 1
agree network 1
[ "$(devs_now)" = "LAB-DEVS blocks=xvda nets=eth0" ] || fail "a refused command changed the guest's devices: $(devs_now)"

# --- destroy: no backend, loop device or vif left behind ---------------------
must lpar destroy $name
wait_domain_gone $name 60 || fail "$name still there after destroy"
backends_of() { xenstore-ls -f /local/domain/0/backend 2>/dev/null | grep "/$id/" | head -n 5; }
no_backends() { [ -z "$(backends_of)" ]; }
wait_for 10 "domain $id's backend nodes removed" no_backends ||
    fail "backend nodes left for domain $id: $(backends_of)"
losetup -a | tee "$OUT/losetup.txt"
grep -q "disk[12].img" "$OUT/losetup.txt" && fail "a loop device still holds an image"
bridge_ports | grep -q "vif$id\." && fail "a vif of domain $id is still on xenbr0: $(bridge_ports)"
log "PASS"
