#!/bin/sh
# description: a PV domU boots, runs the default workload, powers off
# machine: plain
# timeout: 300
# shellcheck source=../dom0/lib.sh
. "$LAB/lib.sh"

cfg=$(guest_cfg pv-guest pv)
cat "$cfg"
xl_create_and_wait "$cfg" || fail "PV guest did not finish its workload (see console.log)"
