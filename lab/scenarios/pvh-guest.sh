#!/bin/sh
# description: a PVH domU boots, runs the default workload, powers off
# machine: plain
# timeout: 480
# shellcheck source=../dom0/lib.sh
. "$LAB/lib.sh"

cfg=$(guest_cfg pvh-guest pvh)
cat "$cfg"
xl_create_and_wait "$cfg" || fail "PVH guest did not finish its workload (see console.log)"
