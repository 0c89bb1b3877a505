#!/bin/sh
# description: dom0 is up under Xen; xl info shows hvm and hap in virt_caps
# machine: plain
# timeout: 60
# shellcheck source=../dom0/lib.sh
. "$LAB/lib.sh"

must xl info >"$OUT/xl-info.txt"
cat "$OUT/xl-info.txt"
must xl list
expect_info_words virt_caps hvm hap
