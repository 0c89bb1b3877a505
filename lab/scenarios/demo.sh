#!/bin/sh
# description: scripts/demo's job: lpar partitions, a PV one on a dedicated CPU then a PVH one with a 50% share, each with a disk on lpar-blkback, one xentrace over both
# machine: plain
# timeout: 900
# Artifacts: demo-pv.console.log, demo-pvh.console.log, trace.bin (+ .meta),
# partitions.txt (lpar list, lpar info and the pools while each ran),
# lpar-blkback.log (the disks' service).
#
# The partitions run one after the other: with a PV and a PVH guest at once
# under QEMU TCG, the PVH guest triple-faults now and then with Xen's own
# state in its save area (an emulation fault, not the guest's); one at a
# time also keeps each partition's overhead free of the other's.
# shellcheck source=../dom0/lib.sh
. "$LAB/lib.sh"

require_cmd lpar
# The dedicated CPU: the host's last one (Pool-0 keeps the others).
cpu=$(( $(xl_info_field nr_cpus) - 1 ))
[ "$cpu" -ge 1 ] || fail "a dedicated partition needs a host with 2 CPUs or more"

# Disks: each partition gets a 32 MiB raw image served by lpar-blkback.
# In the lab the kernel's xen-blkback gives way to it and comes back
# afterwards; on a host (scripts/demo --host) a running lpar-blkback is
# used, and if the kernel's backend is busy the partitions go without.
demo_images() { rm -f /tmp/demo-pv.img /tmp/demo-pvh.img; }
cleanup_add demo_images
disks=no
if [ ! -x /etc/xen/scripts/lpar-blkback ]; then
    log "no /etc/xen/scripts/lpar-blkback (make install): partitions without disks"
elif pidof lpar-blkback >/dev/null; then
    log "using the lpar-blkback running here"
    disks=yes
elif [ "$LAB" = /lab ] || rmmod xen-blkback 2>/dev/null || [ ! -d /sys/module/xen_blkback ]; then
    blkback_start
    disks=yes
else
    log "the kernel's xen-blkback is in use here: partitions without disks"
fi
[ $disks = yes ] || [ "$LAB" != /lab ] || fail "lpar-blkback could not serve the demo's disks in the lab"

show_partition() { # NAME: how lpar and xl see it while it runs
    {
        echo "== $1 running: lpar list"
        lpar list
        echo "== lpar info"
        lpar info
        echo "== xl cpupool-list; xl vcpu-list $1"
        xl cpupool-list
        xl vcpu-list "$1"
    } | tee -a "$OUT/partitions.txt"
}
: >"$OUT/partitions.txt"
CREATE_HOOK=show_partition
# A partition that ran out of time: where its disk stood (xenbus states
# and the daemon's counters), in the lines lab/run shows of a failure.
disk_report() { # NAME
    local id be fe
    [ $disks = yes ] || return 0
    id=$(domid "$1") || return 0
    be=$(xenstore-read "/local/domain/0/backend/vbd/$id/51712/state" 2>/dev/null)
    fe=$(xenstore-read "/local/domain/$id/device/vbd/51712/state" 2>/dev/null)
    log "disk: xenbus backend state ${be:-none}, frontend ${fe:-none}"
    log "disk: $(lpar-blkback --stats 2>&1 | grep -E '"(frontend_domid|connected|requests|reads|writes|flushes|in_flight|io_errors|ring_full)"' | tr -d ' \n' | sed 's/,$//')"
}
STUCK_HOOK=disk_report

trace_start "$OUT/trace.bin"

rc=0
names=""
for type in pv pvh; do
	name=demo-$type
	disk=
	if [ $disks = yes ]; then
		dd if=/dev/zero of=/tmp/$name.img bs=1M count=32 2>/dev/null
		# (the quotes are xl's: one guest_cfg argument, one xl line)
		# shellcheck disable=SC2089
		disk="disk=[ \"format=raw, vdev=xvda, access=rw, script=lpar-blkback, target=/tmp/$name.img\" ]"
	fi
	# Waits: on an idle 2-core host the PV partition takes about 45 s,
	# the PVH one (TCG's slowest guest type, at half a CPU, traced)
	# about 110 s; CI's machines ran the lab 1.5 times slower, and one
	# ran out of 210 s for the PVH partition.
	# shellcheck disable=SC2090
	case $type in
	pv)  tmo=240; cfg=$(guest_cfg "$name" pv workload=demo cpu_mode='"dedicated"' cpus="\"$cpu\"" ${disk:+"$disk"}) ;;
	pvh) tmo=420; cfg=$(guest_cfg "$name" pvh workload=demo cpu_mode='"shared"' cpu_share=50 ${disk:+"$disk"}) ;;
	esac
	if lpar_create_and_wait "$cfg" $tmo "$OUT/$name.console.log"; then
		log "$name (d$LAST_DOMID) finished its workload"
		if [ $disks = yes ]; then
			sum=$(con_value "$OUT/$name.console.log" "LAB-DEMO disk md5=" md5)
			img=$(md5_of /tmp/$name.img 1M 0 8)
			if [ -n "$sum" ] && [ "$sum" = "$img" ]; then
				log "$name's disk on lpar-blkback: 8 MiB written, flushed, read back; the image holds it (md5 $img)"
			else
				log "$name's disk: the guest wrote ${sum:-nothing}, the image holds $img"
				rc=1
			fi
		fi
	else
		log "$name did not finish its workload (see $name.console.log)"
		rc=1
	fi
	names="$names ${LAST_DOMID:-0}=$name"
done
# shellcheck disable=SC2086
trace_meta "$OUT/trace.bin" $names
trace_stop || fail "xentrace failed"
[ $rc = 0 ] || fail "a partition did not finish, or its disk did not hold what it wrote"
grep -q "^demo-pv .*dedicated" "$OUT/partitions.txt" || fail "lpar list did not show demo-pv as dedicated"
grep -q "^demo-pvh .*shared *50%" "$OUT/partitions.txt" || fail "lpar list did not show demo-pvh with a 50% share"
# lpar's monitor gives the dedicated CPU back when the partition is gone
pool_gone() { ! xl cpupool-list | grep -q "lpar-demo-pv"; }
must_wait 30 "demo-pv's pool given back" pool_gone
log "trace: $(wc -c <"$OUT/trace.bin") bytes"
if [ $disks = yes ] && [ -n "${BLKBACK_PID:-}" ]; then
	grep "done: " "$BLKBACK_LOG" | sed 's/.*info: /lpar-blkback: /' | while read -r l; do log "$l"; done
fi
