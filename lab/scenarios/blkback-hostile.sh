#!/bin/sh
# description: a malicious frontend (hostile-blkfront: bad handshakes, unknown ops, bad segments and ranges, foreign grants, garbage, racing slot rewrites, an event storm, req_prod overruns), then honest x86_32-abi and x86_64-abi rings (write, read back, flush), on lpar-blkback while a well-behaved PV guest writes files; every case is refused or the ring declared broken, the daemon keeps running with bounded memory and logs its refusals, the good guest's files verify after a second boot, no image changes outside what was legitimately written
# machine: plain
# timeout: 600
# shellcheck source=../dom0/lib.sh
. "$LAB/lib.sh"

require_cmd lpar-blkback
require_guest_prog hostile-blkfront

good=/tmp/good.img bad=/tmp/hostile.img canary=/tmp/canary.img
hname=blk-hostile gname=blk-good
legit=2048            # hostile-blkfront's one honest 4 KiB write (sectors)
sampler="" hpid="" gpid="" hid="" gid=""
problems=
problem() { log "PROBLEM: $*"; problems="$problems
  $*"; }

# (clean-ups run newest first: this before lpar-blkback's own, so that
# the guests go while it still serves their backends)
finish() {
    # what tells the story first: a timeout's KILL may follow soon
    cp "$BLKBACK_LOG" "$OUT/lpar-blkback.log" 2>/dev/null
    lpar-blkback --stats >"$OUT/stats-end.json" 2>&1
    [ -f "$OUT/console-hostile.log" ] || guest_console $hname "$OUT/console-hostile.log" 2>/dev/null
    [ -f "$OUT/console-good-1.log" ] || guest_console $gname "$OUT/console-good-1.log" 2>/dev/null
    [ -n "$sampler" ] && kill "$sampler" 2>/dev/null
    xl destroy $hname 2>/dev/null
    xl destroy $gname 2>/dev/null
    xl dmesg >"$OUT/xl-dmesg.txt" 2>&1
}

# md5 of LEN 4 KiB blocks of FILE from block SKIP (LEN empty: to the end)
blocks_md5() { # FILE SKIP [LEN]
    md5_of "$1" 4096 "$2" "${3:-}"
}
hostile_ready() { [ "$(xenstore-read /local/domain/$hid/data/lab-hostile 2>/dev/null)" = ready ]; }
hostile_plugged_or_gone() {
    [ "$(xenstore-read /local/domain/0/backend/vbd/$hid/51712/hotplug-status 2>/dev/null)" = connected ] ||
        ! domain_exists $hname
}
hostile_ready_or_gone() { hostile_ready || ! domain_exists $hname; }
good_connected() { [ "$(xenstore-read /local/domain/0/backend/vbd/$gid/51712/state 2>/dev/null)" = 4 ]; }
good_connected_or_gone() { good_connected || ! domain_exists $gname; }
have_domid() { eval "$1=\$(domid $2)"; eval "[ -n \"\$$1\" ]"; }
# VmRSS (KiB) and open fds of the daemon
# (no forks but the substitution: the sampler runs once a second under TCG)
rss() {
    local k v
    while read -r k v _; do
        [ "$k" = VmRSS: ] && { echo "$v"; return; }
    done <"/proc/$BLKBACK_PID/status"
}
fds() { set -- /proc/"$BLKBACK_PID"/fd/*; echo $#; }

blkback_start
cleanup_add finish
bb=$BLKBACK_PID

# the good guest's disk as in blkback-pv, but sparse (nothing here looks
# at its allocation); the hostile one and a canary that nobody attaches
# are random, so that any stray write shows
dd if=/dev/zero of=$good bs=1M seek=64 count=0 2>/dev/null
dd if=/dev/urandom of=$bad bs=1M count=8 2>/dev/null
cp $bad $bad.orig     # to say where, should anything change
dd if=/dev/urandom of=$canary bs=1M count=1 2>/dev/null
lb=$((legit / 8))     # the legit page, in 4 KiB blocks
bad_before=$(blocks_md5 $bad 0 $lb) bad_after=$(blocks_md5 $bad $((lb + 1)))
bad_legit=$(blocks_md5 $bad $lb 1)
canary_md5=$(blocks_md5 $canary 0)

# memory and fds of the daemon, once a second, and its statistics while
# a device shows refusals (the hostile one: they go when it goes)
rss0=$(rss) fds0=$(fds)
ls -l /proc/$bb/fd >"$OUT/fds-before.txt" 2>&1
log "lpar-blkback pid $bb: VmRSS $rss0 KiB, $fds0 fds before the guests"
(
    while kill -0 $bb 2>/dev/null; do
        read -r up _ </proc/uptime
        echo "$up $(rss) $(fds)"
        if grep -q '"refused": *[1-9]' /run/lpar/blkback-stats.json 2>/dev/null; then
            cp /run/lpar/blkback-stats.json "$OUT/stats-hostile.json.tmp" &&
                mv "$OUT/stats-hostile.json.tmp" "$OUT/stats-hostile.json"
        fi
        command sleep 1     # pacing a sampler: not a wait
    done >"$OUT/rss.log"
) &
sampler=$!

# 1. both guests at once (their boots are the slow part under TCG). The
# hostile one has no blkfront: hostile-blkfront takes its vbd, connects,
# does its handshake cases and one honest write, says ready and waits.
# One vCPU is enough for its racing writer: the backend reads the slots
# from dom0's vCPUs meanwhile (and a second vCPU doubles the boot's cost
# under TCG). The good one writes raw data, a file system and files
# (blkcheck), as in blkback-pv.
hcfg=$(guest_cfg $hname pv workload=hostile memory=128 \
    cmdline=lab.noload=xen-blkfront \
    "disk=[ \"format=raw, vdev=xvda, access=rw, script=lpar-blkback, target=$bad\" ]")
gdisk="format=raw, vdev=xvda, access=rw, script=lpar-blkback, target=$good"
gcfg=$(guest_cfg $gname pv workload=blkcheck memory=192 "disk=[ \"$gdisk\" ]")
( xl_create_and_wait "$hcfg" 300 "$OUT/console-hostile.log"; echo $? >"$OUT/hostile.rc" ) \
    >"$OUT/hostile-create.log" 2>&1 &
hpid=$!
wait_for 60 "the hostile guest's domid" have_domid hid $hname || { cat "$OUT/hostile-create.log"; fail "the hostile guest was not created"; }
# one hotplug script at a time: two at once on a loaded host ran into
# libxl's hotplug timeout
wait_xs 120 "the hostile guest's disk plugged" /local/domain/0/backend/vbd/$hid hostile_plugged_or_gone
( xl_create_and_wait "$gcfg" 300 "$OUT/console-good-1.log"; echo $? >"$OUT/good.rc" ) \
    >"$OUT/good-create.log" 2>&1 &
gpid=$!
wait_for 60 "the good guest's domid" have_domid gid $gname || { cat "$OUT/good-create.log"; fail "the good guest was not created"; }
log "hostile guest is domid $hid, good guest domid $gid"

# 2. once the hostile guest is ready and the good guest's disk connected,
# the hostile guest is let loose, while the good one writes
wait_xs 240 "the hostile guest ready" /local/domain/$hid/data hostile_ready_or_gone
if ! hostile_ready; then
    guest_console $hname "$OUT/console-hostile.log"
    tail -n 30 "$OUT/console-hostile.log"; tail -n 20 "$BLKBACK_LOG"
    fail "the hostile guest never said ready (console-hostile.log)"
fi
log "hostile guest connected and ready; VmRSS $(rss) KiB"
wait_xs 240 "the good guest's disk connected" /local/domain/0/backend/vbd/$gid good_connected_or_gone
good_connected || log "NOTE: the good guest's disk is not connected (gone already?): the attacks may not overlap its I/O"
go=/local/domain/$hid/data/lab-hostile-go
if xenstore-write $go 1 && xenstore-chmod $go "b$hid"; then
    log "good guest's disk connected: hostile guest let loose"
else
    problem "cannot write $go"
fi

wait $gpid
log "good guest done (first boot); VmRSS $(rss) KiB"
wait $hpid
log "hostile guest done; VmRSS $(rss) KiB"
cat "$OUT/good-create.log" "$OUT/hostile-create.log"
[ "$(cat "$OUT/good.rc" 2>/dev/null)" = 0 ] || problem "the good guest's first boot failed (console-good-1.log)"
[ "$(cat "$OUT/hostile.rc" 2>/dev/null)" = 0 ] || problem "hostile-blkfront did not end with rc=0 (console-hostile.log)"

# 3. the daemon lives, and what the hostile guest saw
kill -0 $bb 2>/dev/null || { tail -n 40 "$BLKBACK_LOG"; fail "lpar-blkback died (see lpar-blkback.log)"; }
con_lines "$OUT/console-hostile.log" LAB-HOSTILE >"$OUT/hostile.txt"
grep "case=\|summary\|done rc\|pattern md5\|disk sectors" "$OUT/hostile.txt"
grep -q "LAB-HOSTILE done rc=0" "$OUT/hostile.txt" || problem "hostile-blkfront did not finish cleanly"
grep "verdict=BAD" "$OUT/hostile.txt" | sed 's/^/BAD: /'
grep -q "verdict=BAD" "$OUT/hostile.txt" && problem "$(grep -c 'verdict=BAD' "$OUT/hostile.txt") hostile case(s) not refused as they should be"
# the other ring ABIs, spoken honestly: the daemon connected with each
# and the page came back (x86_32-abi is what a 32-bit guest's blkfront
# names; no lab guest is 32-bit)
for abi in x86_32-abi x86_64-abi; do
    grep -q "case=abi-$abi .*verdict=ok" "$OUT/hostile.txt" ||
        problem "the honest $abi case (write, read back, flush) did not succeed"
done
# (x86_64-abi is this daemon's native layout, and logged as native)
grep -q "vbd $hid/51712: connected: .*, x86_32-abi ABI" "$BLKBACK_LOG" ||
    problem "lpar-blkback never logged a connection with the x86_32-abi ABI"

# refusals in the log and in the statistics
blkback_done_line "$hid" >/dev/null
hlog=$(grep "vbd $hid/51712: " "$BLKBACK_LOG")
nref=$(echo "$hlog" | grep -c "refused request")
log "log: $nref refusal line(s) for vbd $hid/51712 (the daemon logs the first 10)"
echo "$hlog" | grep "refused request\|impossible\|cannot\|unknown protocol\|connected\|done" | head -n 40
hdone=$(echo "$hlog" | grep "done: " | tail -n 1)
href=$(field "$hdone" refused)
hioerr=$(field "$hdone" io_errors)
# error answers the hostile guest counted: one per case, the garbage ring's
# errors= each
herr=$(awk '/case=/ && /status=-[0-9]/ && !/case=garbage-slots/ { n++ }
            /case=garbage-slots/ { for (i = 1; i <= NF; i++) if ($i ~ /^errors=/) { sub(/errors=/, "", $i); n += $i } }
            END { print n + 0 }' "$OUT/hostile.txt")
log "hostile vbd: refused=${href:-?} io_errors=${hioerr:-?}; the guest counted $herr error answers"
# (refused counts what validation refused; a bad grant shows as a grant
# copy error instead, so the numbers are shown, not matched)
[ "$nref" -ge 1 ] || problem "no refusal logged for the hostile vbd"
[ "${href:-0}" -ge 1 ] || problem "the hostile vbd's last line counts no refusal: $hdone"
# hostile-blkfront offers no persistent grants: what it moved, the honest
# ABI cases' pages among it, went by grant copy
hcopies=$(field "$hdone" grant_copies)
log "hostile vbd (no feature-persistent): grant_copies=${hcopies:-?}"
[ "${hcopies:-0}" -ge 1 ] || problem "no grant copy for the frontend without persistent grants: $hdone"
if [ -s "$OUT/stats-hostile.json" ]; then
    log "lpar-blkback --stats for the hostile vbd (last seen while it was there):"
    sed -n '/"frontend_domid": *'"$hid"',/,/^}/p' "$OUT/stats-hostile.json" | tr -s ' \n' ' '
    echo
    sed -n '/"frontend_domid": *'"$hid"',/,/^}/p' "$OUT/stats-hostile.json" |
        grep -q '"refused": *[1-9]' || problem "lpar-blkback --stats shows no refusal for the hostile vbd"
else
    problem "lpar-blkback --stats never showed the hostile vbd's refusals"
fi
# (the "done:" line comes a moment after the domain is gone)
gdone=$(blkback_done_line "$gid")
log "good vbd: ${gdone#*done: }"
echo "$gdone" | grep -q " refused=0 io_errors=0 " || problem "the good guest's vbd saw refusals or I/O errors: $gdone"

# 4. memory and fds (once libxl has taken both devices away; the fewest
# fds of three looks, as the daemon opens its statistics file each second)
sleep 2
rss1=$(rss) fds1=$(fds)
for _ in 1 2; do
    sleep 1
    n=$(fds)
    [ "$n" -lt "$fds1" ] && fds1=$n
done
ls -l /proc/$bb/fd >"$OUT/fds-after.txt" 2>&1
rssmax=$(awk '$2 ~ /^[0-9]+$/ && $2 > m { m = $2 } END { print m + 0 }' "$OUT/rss.log")
log "VmRSS: $rss0 KiB before, at most $rssmax KiB during, $rss1 KiB after; fds $fds0 before, $fds1 after"
[ "$rssmax" -le $((rss0 + 16384)) ] || problem "lpar-blkback grew by more than 16 MiB ($rss0 -> $rssmax KiB)"
[ "$fds1" -le "$fds0" ] || problem "lpar-blkback holds more fds after both guests went ($fds0 -> $fds1)"

# 5. the images
pat=$(sed -n 's/.*pattern md5=\([0-9a-f]*\).*/\1/p' "$OUT/hostile.txt")
[ "$(blocks_md5 $bad 0 $lb)" = "$bad_before" ] || problem "the hostile image changed before sector $legit"
[ "$(blocks_md5 $bad $((lb + 1)))" = "$bad_after" ] || problem "the hostile image changed after sector $((legit + 8))"
# which sectors differ from the original (the legit page is expected),
# and the first few changed ones, for the record
cmp -l $bad.orig $bad 2>/dev/null | awk -v l=$legit '
    { s = int(($1 - 1) / 512); if (!(s in seen)) { seen[s] = 1; n++; if (s < l || s >= l + 8) { o++; if (o <= 16) list = list " " s } } }
    END { printf "%d sector(s) differ from the original, %d outside the legit page%s\n", n, o, o ? ":" list : "" }'
for sec in $(cmp -l $bad.orig $bad 2>/dev/null | awk -v l=$legit '
        { s = int(($1 - 1) / 512); if ((s < l || s >= l + 8) && !(s in seen)) { seen[s] = 1; print s } }' | head -n 4); do
    dd if=$bad bs=512 skip="$sec" count=1 of="$OUT/changed-sector-$sec.bin" 2>/dev/null
done
now_legit=$(blocks_md5 $bad $lb 1)
if [ -n "$pat" ] && [ "$now_legit" = "$pat" ]; then
    log "hostile image: its one legit page is there ($pat), nothing else changed"
else
    problem "the hostile image's legit page is $now_legit (was $bad_legit), the guest wrote ${pat:-nothing}"
fi
[ "$(blocks_md5 $canary 0)" = "$canary_md5" ] || problem "the canary image nobody attached changed"
raw=$(con_value "$OUT/console-good-1.log" "LAB-BLK raw md5=" md5)
files1=$(con_line "$OUT/console-good-1.log" "LAB-BLK files")
onimg=$(blocks_md5 $good 12288 1024)
[ -n "$raw" ] && [ "$onimg" = "$raw" ] || problem "the good image holds $onimg at 48 MiB, the guest wrote ${raw:-nothing}"
log "good guest: raw data on the image as written ($onimg); $files1"

# 6. the good guest's files after a second boot
cfg=$(guest_cfg $gname pv workload=blkverify memory=192 "disk=[ \"$gdisk\" ]")
if xl_create_and_wait "$cfg" 240 "$OUT/console-good-2.log"; then
    files2=$(con_line "$OUT/console-good-2.log" "LAB-BLK files")
    [ -n "$files1" ] && [ "$files1" = "$files2" ] || problem "files changed across boots: '$files1' then '$files2'"
    log "good guest, second boot: $files2 (same)"
else
    problem "the good guest's second boot failed (console-good-2.log)"
fi
kill -0 $bb 2>/dev/null || problem "lpar-blkback died after the hostile guest"

# when each vbd was connected, for the overlap
grep "connected\|disconnected\|done: " "$BLKBACK_LOG" | sed 's/^/  /' | tail -n 30
# seconds of the day of the first (or last) log line matching RE
logtime() { # RE first|last
    grep "$1" "$BLKBACK_LOG" | { if [ "$2" = first ]; then head -n 1; else tail -n 1; fi; } |
        awk '{ split($2, t, ":"); print t[1] * 3600 + t[2] * 60 + t[3] }'
}
a0=$(logtime "vbd $hid/51712: refused request" first) a1=$(logtime "vbd $hid/51712: done: " last)
g0=$(logtime "vbd $gid/51712: connected" first) g1=$(logtime "vbd $gid/51712: disconnected" last)
if [ -n "$a0" ] && [ -n "$g1" ] && [ "$a0" -le "$g1" ]; then
    log "overlap: the hostile requests began $((a0 - g0)) s after the good guest's disk connected and $((g1 - a0)) s before it went (hostile vbd gone $((a1 - g1)) s after it)"
else
    log "NOTE: no overlap this time: the good guest's disk went before the hostile requests began (${a0:-?} > ${g1:-?})"
fi

[ -z "$problems" ] || fail "$problems"
log "PASS"
