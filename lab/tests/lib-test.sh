#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The checks lab/tests/run makes of lab/dom0/lib.sh: "ok N WHAT" or
# "not ok N WHAT" a line. Runs in an empty directory (the scenario's $OUT).
OUT=$PWD LAB=/nonexistent
export OUT LAB
n=0
check() { # WHAT COMMAND...
    local what="$1"
    shift
    n=$((n + 1))
    if "$@"; then echo "ok $n $what"; else echo "not ok $n $what"; fi
}
eq() { [ "$1" = "$2" ] || { echo "  got '$1', want '$2'"; return 1; }; }
# shellcheck source=../dom0/lib.sh
. "$LIB"

# --- console readers and fields ---------------------------------------------
printf 'noise \001\r\nLAB-BLK raw md5=abc back=abc\r\n[ 1.0] Command line: LAB-BLK files x\r\nLAB-BLK files a=1 b=2\r\nLAB-DEVS blocks=x\r\nLAB-DEVS blocks=y\r\npartial LAB-BLK raw md5=zzz' >con.log
check "con_line: the first line with the prefix, CR gone" eq "$(con_line con.log 'LAB-BLK raw')" "LAB-BLK raw md5=abc back=abc"
check "con_line: only at the start of a line" eq "$(con_line con.log 'LAB-BLK files')" "LAB-BLK files a=1 b=2"
check "con_line: status 1 when there is none" eval '! con_line con.log LAB-NONE'
check "con_line: status 1 for a missing file" eval '! con_line no-such.log LAB-BLK'
check "con_last: the newest" eq "$(con_last con.log 'LAB-DEVS ')" "LAB-DEVS blocks=y"
check "con_lines: all of them" eq "$(con_lines con.log LAB-DEVS | wc -l | tr -d ' ')" 2
check "con_value: a key of the first line" eq "$(con_value con.log 'LAB-BLK raw md5=' back)" abc
check "field: KEY=VALUE among words" eq "$(field 'vbd 1/51712: done: reads=3 writes=40 flushes=0' writes)" 40
check "field: not a longer key's tail" eq "$(field 'xwrites=9 writes=4' writes)" 4
check "field: status 1 when missing" eval '! field "a=1 b=2" c'
check "field: no globbing of the line" eq "$(field '* x=1' x)" 1

# --- checksums ---------------------------------------------------------------
printf 'hello world' >f
check "md5_of: the whole file" eq "$(md5_of f)" "$(md5sum <f | cut -d' ' -f1)"
check "md5_of: blocks" eq "$(md5_of f 1 6 5)" "$(printf world | md5sum | cut -d' ' -f1)"

# --- guest configs -------------------------------------------------------------
GUEST_KERNEL=/k GUEST_RAMDISK=/r
cfg=$(guest_cfg g1 pvh memory=128 on_reboot= 'disk=[ "target=/x" ]' workload=w cmdline=a=b)
check "guest_cfg: the file is \$OUT/NAME.cfg" eq "$cfg" "$OUT/g1.cfg"
check "guest_cfg: a default replaced" eq "$(grep -c '^memory=' "$cfg")" 1
check "guest_cfg: 'key=' leaves the key out" eval '! grep -q "^on_reboot" "$cfg"'
check "guest_cfg: workload and command line" grep -q "^extra=\"console=hvc0 $GUEST_BOOT_ARGS lab.workload=w a=b\"$" "$cfg"
check "guest_cfg: other lines kept" grep -q '^disk=\[ "target=/x" \]$' "$cfg"
cfg=$(guest_cfg g2 pv "pid1=echo hi; sleep 1")
check "guest_cfg: pid1" grep -q "^extra='console=hvc0 $GUEST_BOOT_ARGS rdinit=/bin/sh -- -c \"echo hi; sleep 1\"'$" "$cfg"
check "guest_cfg: refuses a word that is no KEY=VALUE" eval '! (guest_cfg g3 pv nonsense) 2>/dev/null'

# --- waits and timing ------------------------------------------------------------
: >"$OUT/.lab-timing"
flag() { [ -e flag ]; }
( command sleep 0.3; : >flag ) &
check "wait_for: returns once the command succeeds" wait_for 5 "the flag" flag
check "wait_for: times out with status 1" eval '! wait_for 1 "nothing" false'
check "wait_for: notes its span of uptime" eq "$(grep -c '^wait [0-9]* [0-9]*$' "$OUT/.lab-timing")" 2
t0=$(now_cs)
sleep 0.2
check "sleep: still sleeps, and counts as a wait" eval '[ $(( $(now_cs) - t0 )) -ge 19 ] && [ "$(grep -c "^wait " "$OUT/.lab-timing")" = 3 ]'
printf 'boot\r\n' >live.log
( command sleep 0.3; printf 'LAB-DISK xvdb sectors=8 md5=cafe\r\n' >>live.log ) &
check "wait_con: a line appended later, matched by pattern" eval 'wait_con live.log "LAB-DISK xvdb *md5=cafe" 5 "xvdb" >/dev/null'
check "wait_con: fails the scenario on timeout" eval '! (wait_con live.log LAB-NEVER 1 never) >/dev/null 2>&1'

# --- solo_wait: the hold for the other lanes ---------------------------------------
: >"$OUT/.lab-timing"
check "solo_wait: at once when nothing holds it" eval 'solo_wait && [ ! -s "$OUT/.lab-timing" ]'
truncate -s 4096 ctl.img
( command sleep 0.5; [ -e held ] && echo "flag set while held" >seen
  printf '%-511s\n' GO | dd of=ctl.img bs=512 seek=1 conv=notrunc status=none ) &
t0=$(now_cs)
LAB_HOLD_CTL=ctl.img LAB_HELD_FLAG=held LAB_CONSOLE=console.txt solo_wait >/dev/null
check "solo_wait: waits for GO on the second sector, with the flag set" \
    eval '[ $(( $(now_cs) - t0 )) -ge 49 ] && [ -e seen ] && [ ! -e held ]'
check "solo_wait: says HOLD and GO on the console" \
    eq "$(sed 's/held=[0-9.]*/held=S/' console.txt | tr '\n' ' ')" "@@LAB HOLD @@ @@LAB GO held=S @@ "
check "solo_wait: notes the hold as held, not as a wait" \
    eval 'grep -q "^held [0-9]* [0-9]*$" "$OUT/.lab-timing" && ! grep -q "^wait " "$OUT/.lab-timing"'
check "solo_wait: once only" eval 'LAB_HOLD_CTL=/nonexistent solo_wait'

# --- the one clean-up --------------------------------------------------------------
cat >clean.sh <<'SCEN'
. "$LIB"
c1() { echo c1 >>order; }
c2() { echo c2 >>order; }
cleanup_add c1
cleanup_add c2
[ "$1" = term ] && { kill -TERM $$; command sleep 5; }
[ "$1" = fail ] && fail "on purpose"
exit 0
SCEN
for how in end fail term; do
    rm -f order
    # shellcheck disable=SC2086  # the shell and its argument
    ${SHELL_UNDER_TEST:-sh} clean.sh $how >/dev/null 2>&1
    rc=$?
    case $how in end) want=0 ;; fail) want=1 ;; term) want=143 ;; esac
    check "clean-up at $how: once, newest first, status $want" \
        eval '[ "$(cat order 2>/dev/null | tr "\n" " ")" = "c2 c1 " ] && [ $rc = $want ]'
done
