#!/bin/sh
# description: PV and PVH partitions through lpar: create, list, pause, unpause, reboot (on_reboot=restart), shutdown, destroy; define and start by name; reboot follows on_reboot from the definition; xl sees the same
# machine: plain
# timeout: 900
# shellcheck source=../dom0/lib.sh
. "$LAB/lib.sh"

require_cmd lpar
# The guest's PID 1: a shell that obeys Xen's poweroff/reboot requests
# (Linux runs /sbin/poweroff or /sbin/reboot for them, and busybox's
# signal PID 1: USR2 = poweroff, TERM = reboot; it also waits for /proc),
# then says on the console that it is ready for them. A request that
# arrives before that is acted on by the kernel alone (it forces the
# reboot while it boots) or lost, so every request below waits for the
# marker first.
waiter='mount -t proc proc /proc; p(){ poweroff -f;}; r(){ reboot -f;}; trap p USR2; trap r TERM; echo LPAR-GUEST-READY; while :; do sleep 1; done'
# (memory 128; the on_* keys left out: xl's defaults, on_reboot = restart)
mkcfg() { # NAME TYPE [KEY=VALUE...]
    local name="$1" type="$2"
    shift 2
    guest_cfg "$name" "$type" "pid1=$waiter" memory=128 on_poweroff= on_reboot= on_crash= "$@"
}
in_state() { # NAME PATTERN
    # shellcheck disable=SC2254  # PATTERN is a pattern
    case "$(domain_state "$1")" in $2) return 0 ;; esac
    return 1
}
# How many times NAME's PID 1 has said it is ready (xenconsoled appends
# every boot of the same name to one log; the kernel's echo of its command
# line does not count).
ready_count() { # NAME
    local f
    f=$(guest_log "$1")
    [ -f "$f" ] || { echo 0; return; }
    grep -a -v -i 'command line' "$f" | grep -a -c LPAR-GUEST-READY
}
# Ready COUNT times, or gone for good: a restart by lpar's monitor
# (on_reboot = restart, after the guest rebooted or Xen rebooted it)
# leaves a gap between the old domain and the new one, so gone means gone
# for 20 s (the monitor removes the old record before it makes the new
# domain, so only time tells).
ready_or_gone() { # NAME COUNT
    [ "$(ready_count "$1")" -ge "$2" ] && return 0
    if domain_exists "$1"; then gone_since=""; return 1; fi
    [ -n "$gone_since" ] || gone_since=$(now_cs)
    [ $(( $(now_cs) - gone_since )) -ge 2000 ]
}
wait_ready() { # NAME COUNT SECS
    gone_since=""
    wait_for "$3" "$1: guest ready (boot $2)" ready_or_gone "$1" "$2" || return 1
    [ "$(ready_count "$1")" -ge "$2" ] && return 0
    # say why, from lpar's monitor and from Xen
    grep "partition $1 .*shut down" /var/log/lpar/lpar.log | tail -n 1
    xl dmesg | grep -i "triple fault" | tail -n 3
    log "$1 is gone while booting"
    return 1
}
# NAME runs as a domain other than OLDID (its id in $new_id).
new_domid() { # NAME OLDID
    new_id=$(domid "$1") && [ "$new_id" != "$2" ]
}
record_domid() { # NAME: the domid lpar's record holds
    sed -n 's/.*"domid": *\([0-9]*\).*/\1/p' "/var/lib/lpar/run/$1.json" 2>/dev/null
}
record_is() { [ "$(record_domid "$1")" = "$2" ]; }
no_record() { [ ! -e "/var/lib/lpar/run/$1.json" ]; }
BOOT=240    # seconds a guest may take to boot under TCG

for type in pv pvh; do
    name=life-$type
    # (uncapped: the share is what lpar must keep; capped at 80% the
    # guest only booted more slowly, and lpar-shares proves the caps)
    cfg=$(mkcfg $name $type cpu_share=80 cpu_capped=0)
    must lpar create "$cfg"
    xl list "$name" || fail "$type: xl does not see $name"
    # Up first, then looked at: under QEMU TCG a PVH guest now and then
    # triple-faults as it boots, Xen reboots it and lpar's monitor
    # restarts it as a new domain (seen: the list caught the one being
    # built, with no name yet).
    wait_ready "$name" 1 $BOOT || fail "$type: the guest did not come up"
    id1=$(domid "$name")
    lpar list | tee "$OUT/list-$type.txt"
    grep -q "^$name .* shared .*80%" "$OUT/list-$type.txt" || fail "$type: lpar list lacks mode/share"
    lpar list --json >"$OUT/list-$type.json"
    grep -q '"cpu_share": 80' "$OUT/list-$type.json" || fail "$type: list --json lacks the share"
    must lpar pause "$name"
    wait_for 10 "$name paused" in_state "$name" '*p*' || fail "$type: not paused per xl list"
    must lpar unpause "$name"
    wait_for 10 "$name running" in_state "$name" '[r-][b-]-*' || fail "$type: still paused per xl list"

    # reboot: on_reboot is not set, so "restart" (as in xl)
    must lpar reboot "$name"
    wait_for 60 "$name rebooted" new_domid "$name" "$id1" || {
        domain_exists "$name" && fail "$type: not rebooted within 60s"
        fail "$type: gone after reboot (on_reboot=restart expected)"
    }
    id2=$new_id
    log "$type: rebooted as domain $id2"
    # the monitor records the new domain once libxl has built it
    wait_for 30 "lpar's record of $name at domain $id2" record_is "$name" "$id2" ||
        fail "$type: lpar's record does not follow the new domain"
    lpar list | grep -q "^$name .* shared .*80%" || fail "$type: the restarted partition lost its share"
    wait_ready "$name" 2 $BOOT || fail "$type: the guest did not come up again after reboot"

    # shutdown: on_poweroff = destroy (default)
    run timeout 90 lpar shutdown -w "$name" || fail "$type: shutdown -w failed"
    domain_exists "$name" && fail "$type: still there after shutdown -w"
    [ -e "/var/lib/lpar/run/$name.json" ] && fail "$type: record left after shutdown -w"

    # destroy
    must lpar create "$cfg"
    must lpar destroy "$name"
    domain_exists "$name" && fail "$type: still there after destroy"
    [ -e "/var/lib/lpar/run/$name.json" ] && fail "$type: record left after destroy"
    log "$type: lifecycle ok"
done

# Definitions: start by name; a reboot follows on_reboot as the definition
# says at the time of the reboot, not as it said at start. PV: the PVH
# lifecycle is above, and under QEMU TCG a PVH guest now and then
# triple-faults while it boots with Xen's own state in its save area (an
# emulation fault; Xen then reboots it, which on_reboot = "destroy" here
# would take for the test's reboot).
name=life-def
must lpar define "$(mkcfg $name pv on_reboot='"destroy"')"
lpar list --all | tee "$OUT/list-all.txt"
grep -q "^$name .*defined" "$OUT/list-all.txt" || fail "list --all does not show the defined partition"
must lpar start $name
xl list $name || fail "xl does not see $name after start"
id1=$(domid $name)
lpar list --all | grep -q "^$name .*defined" && fail "running partition still listed as only defined"
wait_ready $name 1 $BOOT || fail "def: the guest did not come up"

must lpar define "$(mkcfg $name pv on_reboot='"restart"')"
must lpar reboot $name
wait_for 60 "$name restarted" new_domid $name "$id1" ||
    fail "def: not restarted although the definition now says on_reboot = restart"
id2=$new_id
log "def: restarted as domain $id2, as the definition says"
wait_ready $name 2 $BOOT || fail "def: the guest did not come up again"

must lpar define "$(mkcfg $name pv on_reboot='"destroy"')"
must lpar reboot $name
wait_domain_gone $name 60 || fail "def: still there although the definition now says on_reboot = destroy"
wait_for 10 "lpar's record of $name removed" no_record $name ||
    fail "def: record left after the reboot destroyed it"
log "def: destroyed on reboot, as the definition says"
lpar list --all | grep -q "^$name .*defined" || fail "def: no longer listed as defined"

must lpar start $name
must lpar destroy $name
must lpar undefine $name
lpar list --all | grep -q "^$name" && fail "undefined partition still listed"
log "PASS"
