#!/bin/sh
# description: AMD IOMMU on: virt_caps has pv_directio/hvm_directio, 00:04.0 becomes pci-assignable
# machine: iommu
# timeout: 60
# shellcheck source=../dom0/lib.sh
. "$LAB/lib.sh"

BDF=0000:00:04.0
expect_info_words virt_caps pv_directio hvm_directio
xl dmesg | grep -i -e 'AMD-Vi' -e 'I/O virtualisation' | tee "$OUT/iommu-dmesg.txt"
[ -e /sys/bus/pci/devices/$BDF ] || fail "no PCI device $BDF in dom0"
log "device $BDF: $(cat /sys/bus/pci/devices/$BDF/vendor):$(cat /sys/bus/pci/devices/$BDF/device)"
lsmod | grep -q '^xen_pciback' || fail "xen-pciback is not loaded"
must xl pci-assignable-add 00:04.0
xl pci-assignable-list | tee "$OUT/assignable.txt"
grep -q '00:04.0' "$OUT/assignable.txt" || fail "xl pci-assignable-list does not show 00:04.0"
must xl pci-assignable-remove 00:04.0
