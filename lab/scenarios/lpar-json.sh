#!/bin/sh
# description: lpar create -n and xl -N create print the same libxl JSON for the same config (PV, PVH, HVM, devices)
# machine: plain
# timeout: 60
# shellcheck source=../dom0/lib.sh
. "$LAB/lib.sh"

require_cmd lpar
n=0
for type in pv pvh hvm; do
    n=$((n + 1))
    cfg=$OUT/json-$type.cfg
    # HVM: firmware boot (no kernel), a passed-through PCI device (a dry
    # run does not need it assigned)
    case $type in
    hvm) boot='pci = [ "00:04.0" ]' ;;
    *) boot="kernel = \"$GUEST_KERNEL\"
ramdisk = \"$GUEST_RAMDISK\"
extra = \"console=hvc0\"" ;;
    esac
    cat >"$cfg" <<CFG
name = "json-$type"
type = "$type"
uuid = "6a1a4c1e-2f6e-4b8e-9d4a-00000000000$n"
$boot
memory = 256
tsc_mode = "native"
maxmem = 320
vcpus = 1
maxvcpus = 2
cpus = "0-1"
on_poweroff = "destroy"
on_reboot = "restart"
on_crash = "preserve"
disk = [ "format=raw, vdev=xvda, access=ro, target=/dev/null" ]
vif = [ "mac=00:16:3e:00:00:0$n,bridge=xenbr0" ]
CFG
    must sh -c "xl -N create '$cfg' >'$OUT/xl-$type.json'"
    must sh -c "lpar create -n '$cfg' >'$OUT/lpar-$type.json'"
    if ! diff -u "$OUT/xl-$type.json" "$OUT/lpar-$type.json" >"$OUT/diff-$type.txt"; then
        cat "$OUT/diff-$type.txt"
        fail "$type: lpar's JSON differs from xl's (diff-$type.txt)"
    fi
    log "$type: identical JSON ($(wc -l <"$OUT/xl-$type.json") lines)"
done
# dry run changes nothing
xl list | grep -q json- && fail "a dry run created a domain"
[ -z "$(ls /var/lib/lpar/run 2>/dev/null)" ] || fail "a dry run left a record"
log "PASS"
