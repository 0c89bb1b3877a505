#!/bin/sh
# description: an HVM partition built by lpar (QEMU device model, hvmloader, SeaBIOS) boots the lab kernel, runs its workload on the emulated serial port and powers off; lpar list shows it meanwhile; nothing is left after
# machine: plain
# timeout: 720
# Artifacts: serial.log (what /init and the workload said on the emulated
# 16550), console-hvm1.log (the kernel's log, on the PV console: every
# character on the 16550 is a trip to the device model, which took 40 s
# of the boot for the kernel's 25 KB), lpar.log, qemu-dm-hvm1.log.
# The initramfs is the small HVM one ($GUEST_RAMDISK_HVM): the firmware
# loads it a byte at a time.
# shellcheck source=../dom0/lib.sh
. "$LAB/lib.sh"

require_cmd lpar
WAIT=600    # seconds the HVM guest may take from create to power-off under TCG
            # (about 210 s on an idle 2-core host; CI ran the lab 1.5 times slower)
name=hvm1
serial=$OUT/serial.log

# The kernel is given directly (QEMU's option ROM boots it after SeaBIOS).
cfg=$(guest_cfg $name hvm "kernel=\"$GUEST_BZIMAGE\"" "ramdisk=\"$GUEST_RAMDISK_HVM\"" \
    "extra=\"console=hvc0 $GUEST_BOOT_ARGS lab.out=/dev/ttyS0 lab.workload=default\"" \
    vga='"none"' vnc=0 "serial=\"file:$serial\"" \
    cpu_mode='"shared"' cpu_share=100)
cat "$cfg"

must lpar create "$cfg"
id=$(domid $name) || fail "no domain $name after lpar create"
lpar list | tee "$OUT/list.txt"
grep -q "^$name .*shared *100%" "$OUT/list.txt" || fail "lpar list does not show $name as shared 100%"
xl list -l $name >"$OUT/xl-list-l.json" 2>&1
grep -q '"type": "hvm"' "$OUT/xl-list-l.json" || fail "xl list -l does not say $name is HVM"
# busybox has no pgrep
dm_running() { ps -o args | grep -v grep | grep -q "xen-qemu-system-i386 -xen-domid $id "; }
dm_gone() { ! dm_running; }
dm_running || fail "no QEMU device model runs for $name (domain $id)"

wait_domain_gone $name $WAIT || fail "$name did not power off within ${WAIT}s (serial.log, qemu-dm-$name.log)"
con_line "$serial" LAB-GUEST-START >/dev/null || fail "the guest never reached its /init (serial.log)"
guest_finished "$serial" || fail "the guest's workload did not finish (serial.log)"
con_line "$serial" "$GUEST_DONE_MARKER"
grep "partition $name .*shut down" /var/log/lpar/lpar.log | tail -n 1
wait_for 10 "lpar's record of $name removed" [ ! -e /var/lib/lpar/run/$name.json ] ||
    fail "lpar's record of $name is left after power-off"
wait_for 10 "the device model gone" dm_gone || fail "the device model still runs after $name is gone"
log "PASS"
