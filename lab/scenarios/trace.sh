#!/bin/sh
# description: xentrace -D -e all -S 64 over a PVH guest's run; trace.bin + trace.bin.meta come back
# machine: plain
# timeout: 600
# shellcheck source=../dom0/lib.sh
. "$LAB/lib.sh"

cfg=$(guest_cfg trace-pvh pvh)
trace_start "$OUT/trace.bin"
xl_create_and_wait "$cfg"
guest_rc=$?
# The domain id is only known while the guest runs; record it now.
trace_meta "$OUT/trace.bin" "${LAST_DOMID:-1}=trace-pvh"
trace_stop || fail "xentrace failed"
[ $guest_rc = 0 ] || fail "PVH guest did not finish its workload (see console.log)"

ls -l "$OUT/trace.bin"
cat "$OUT/trace.bin.meta"
size=$(wc -c <"$OUT/trace.bin")
[ "$size" -gt 1000000 ] || fail "trace.bin is only $size bytes"
first=$(trace_first_event "$OUT/trace.bin") || fail "cannot read trace.bin"
log "first record event: $first"
[ "$first" = 0x0001f003 ] || fail "first record is $first, not TRC_TRACE_CPU_CHANGE (0x0001f003)"
