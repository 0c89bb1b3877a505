# shellcheck shell=sh disable=SC3043  # busybox ash (and dash) have local
# lab/dom0/lib.sh: the preamble and helpers of every lab scenario, in the
# style of xfstests' common/preamble. A scenario starts with
#     . "$LAB/lib.sh"
# which registers one clean-up for EXIT, INT and TERM (cleanup_add adds to
# it) and times the scenario's waits for lab/run's table.
# Environment set by the dom0 runner: OUT (artifact dir, also the cwd),
# LAB (/lab), SCENARIO (name), SCENARIO_TIMEOUT (seconds).
# lab/scenarios/README.md lists the functions. Runs under busybox sh in the
# lab, and under dash when scripts/demo runs a scenario on a real dom0.

# shellcheck disable=SC2034  # for the scenarios
GUEST_KERNEL=$LAB/guest/kernel
# the same kernel as a bzImage, for HVM guests (QEMU loads it)
GUEST_BZIMAGE=$LAB/guest/bzImage
GUEST_RAMDISK=$LAB/guest/initrd
# for HVM guests: busybox, /init and the workloads only, gzipped (lab/build)
GUEST_RAMDISK_HVM=$LAB/guest/initrd-hvm
GUEST_DONE_MARKER=LAB-GUEST-DONE
# What a lab guest's kernel need not do at boot: the crypto self-tests,
# audit, the security modules but capabilities (about 1 s of a 5 s PV
# boot under TCG, 28 boots a run; nothing a scenario looks at), and the
# early scan of PCI config space for an AGP aperture (8 s of an HVM boot:
# each read a trip to the device model).
GUEST_BOOT_ARGS="cryptomgr.notests audit=0 lsm=capability iommu=noaperture pci=noearly"
XEN_CONSOLE_LOG_DIR=/var/log/xen/console
BLKBACK_LOG=/var/log/lpar-blkback.log
# shellcheck disable=SC2034  # for the scenarios
BLKBACK_STATS=/run/lpar/blkback-stats.json
CR=$(printf '\r')

# --- the preamble: one clean-up, timing -----------------------------------
# Clean-ups run once, newest first, when the scenario exits for any reason
# (a fail, the end, the runner's TERM at its timeout).
_lab_cleanups=""
cleanup_add() { # FUNCTION...
    _lab_cleanups="$* $_lab_cleanups"
}
_lab_exit() {
    local f
    trap '' INT TERM
    for f in $_lab_cleanups; do
        "$f" || log "clean-up $f: status $?"
    done
    _lab_cleanups=""
}
trap _lab_exit EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# Centiseconds since boot, without a fork.
now_cs() {
    local up
    read -r up _ </proc/uptime
    up=${up%.*}${up#*.}
    echo "${up#0}"
}
# Each wait (a sleep, or a wait for an event) is noted as its span of
# uptime; the runner takes their union for the table lab/run prints: how
# long the scenario waited, as against worked. (A background loop that
# paces itself with 'command sleep' is not waiting for anything.)
_lab_timing=${OUT:-/tmp}/.lab-timing
_lab_waited() { # SINCE-CS
    echo "wait $1 $(now_cs)" >>"$_lab_timing"
}
# A nap without a fork where the shell can (busybox ash's read -t on a FIFO
# that never has data); plain sleep elsewhere (dash on a real host).
if [ -n "${BB_ASH_VERSION:-}" ] && mkfifo "$OUT/.lab-nap" 2>/dev/null; then
    exec 9<>"$OUT/.lab-nap"
    rm -f "$OUT/.lab-nap"
    # shellcheck disable=SC3045  # busybox ash's read has -t
    _lab_nap() { read -r -t "$1" _ <&9; return 0; }
else
    _lab_nap() { command sleep "$1"; }
fi
# Every sleep of a scenario counts as waiting.
sleep() {
    local t0
    t0=$(now_cs)
    command sleep "$@"
    _lab_waited "$t0"
}

# --- solo scenarios: measure with nothing else on the host ---------------
# A '# solo:' scenario boots its guests while the lab's last lanes still
# run (boots are not what it measures), then calls solo_wait before it
# measures: it returns once nothing else runs on the host. At once outside
# the lab, or when the runner holds nothing (LAB_HOLD_CTL unset: lab/run
# ran no other lane). The runner's clock for the scenario stops meanwhile
# ($LAB_HELD_FLAG), and the hold is left out of its time. lab/run writes
# "GO" on the second sector of the control disk $LAB_HOLD_CTL.
solo_wait() {
    local t0 line held flag=${LAB_HELD_FLAG:-$OUT/.lab-held} direct=
    [ -n "${LAB_HOLD_CTL:-}" ] && [ -z "${_lab_solo_go:-}" ] || return 0
    # (past the page cache, which would keep the first read; a plain file,
    # in lab/tests, is read as it is: a tmpfs has no O_DIRECT)
    [ ! -b "$LAB_HOLD_CTL" ] || direct=iflag=direct
    t0=$(now_cs)
    : >"$flag"
    echo "@@LAB HOLD @@" >>"${LAB_CONSOLE:-/dev/console}"
    log "waiting until nothing else runs on the host"
    while :; do
        # shellcheck disable=SC2086  # no word, or iflag=direct
        line=$(dd if="$LAB_HOLD_CTL" bs=512 skip=1 count=1 $direct 2>/dev/null | tr -d '\000')
        case $line in GO*) break ;; esac
        _lab_nap 1
    done
    _lab_solo_go=1
    echo "held $t0 $(now_cs)" >>"$_lab_timing"
    rm -f "$flag"
    held=$(secs_since "$t0")
    echo "@@LAB GO held=$held @@" >>"${LAB_CONSOLE:-/dev/console}"
    log "nothing else runs on the host now (held $held s)"
}

# --- messages and checks ---------------------------------------------------
log() {
    local up
    read -r up _ </proc/uptime
    echo "[$up] $*"
}
# (to stderr, so that a fail inside $(...) is seen in the log too)
fail() { echo "FAIL: $*" >&2; exit 1; }
# Echo a command, then run it.
run() { log "+ $*"; "$@"; }
# Run a command; fail the scenario if it fails.
must() { run "$@" || fail "command failed (rc=$?): $*"; }
# Fail unless FILE contains a line matching the basic regex RE.
expect_grep() { # RE FILE [WHAT]
    grep -q -- "$1" "$2" || fail "${3:-$2} has no line matching '$1'"
}
# Run COMMAND, which must fail with a message (stderr) matching the basic
# regex RE; the message goes to the log.
expect_refused() { # RE COMMAND...
    local re="$1"
    shift
    if "$@" >"$OUT/refused.out" 2>"$OUT/refused.err"; then
        fail "accepted: $*"
    fi
    cat "$OUT/refused.err"
    grep -q -- "$re" "$OUT/refused.err" || fail "'$*' said '$(cat "$OUT/refused.err")', nothing matching '$re'"
}

# --- requirements: fail at once, saying what is missing --------------------
require_cmd() { # COMMAND...
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null ||
            fail "$c is not installed in dom0 (lab/run --install-root DIR, DIR from make install)"
    done
}
require_file() { # FILE WHY
    [ -s "$1" ] || fail "no $1: $2"
}
# A program of the project's that lab/build put into the guest initramfs.
require_guest_prog() { # NAME
    cpio -t <"$GUEST_RAMDISK" 2>/dev/null | grep -q "usr/bin/$1\$" ||
        fail "the guest image has no /usr/bin/$1 (lab/run --install-root DIR, DIR from make install)"
}

# --- reading what guests and daemons said -----------------------------------
# The first line of FILE (a console log: CR LF line ends, maybe binary
# noise) that starts with the text PREFIX, without its CR; status 1 if
# there is none. con_last: the last such line.
con_line() { # FILE PREFIX
    local l
    [ -r "$1" ] || return 1
    while IFS= read -r l || [ -n "$l" ]; do
        l=${l%"$CR"}
        case $l in "$2"*) echo "$l"; return 0 ;; esac
    done <"$1"
    return 1
}
con_last() { # FILE PREFIX
    local l found=""
    [ -r "$1" ] || return 1
    while IFS= read -r l || [ -n "$l" ]; do
        l=${l%"$CR"}
        case $l in "$2"*) found=$l ;; esac
    done <"$1"
    [ -n "$found" ] && echo "$found"
}
# Every line of FILE starting with PREFIX, without CRs.
con_lines() { # FILE PREFIX
    local l
    [ -r "$1" ] || return 1
    while IFS= read -r l || [ -n "$l" ]; do
        l=${l%"$CR"}
        case $l in "$2"*) echo "$l" ;; esac
    done <"$1"
}
# The value of KEY=VALUE among the words of LINE; status 1 if it has none.
field() { # LINE KEY
    local w
    set -f
    for w in $1; do
        case $w in "$2="*) set +f; echo "${w#*=}"; return 0 ;; esac
    done
    set +f
    return 1
}
# KEY's value in the first line of FILE that starts with PREFIX.
con_value() { # FILE PREFIX KEY
    local l
    l=$(con_line "$1" "$2") || return 1
    field "$l" "$3"
}
# md5 of COUNT blocks of BS bytes of FILE from block SKIP (default: all of
# it, from the start).
md5_of() { # FILE [BS [SKIP [COUNT]]]
    # shellcheck disable=SC2046  # md5sum's two words
    set -- $(dd if="$1" bs="${2:-1M}" skip="${3:-0}" ${4:+count=$4} 2>/dev/null | md5sum)
    echo "$1"
}

# A raw image FILE of SIZE (truncate's units) whose first MiB is random;
# prints the md5 of that MiB (what the devwatch workload reports).
random_image() { # FILE SIZE
    dd if=/dev/urandom of="$1" bs=65536 count=16 2>/dev/null
    truncate -s "$2" "$1"
    md5_of "$1" 64K 0 16
}
# One sample of every domain's CPU time from one 'xl list', for measuring
# shares: "NAME CPU-SECONDS" lines and "time UPTIME" (the middle of it).
cpu_sample() { # FILE
    local u0 u1
    read -r u0 _ </proc/uptime
    xl list >"$1.xl"
    read -r u1 _ </proc/uptime
    awk -v u0="$u0" -v u1="$u1" 'NR > 1 { print $1, $6 } END { printf "time %.3f\n", (u0 + u1) / 2 }' \
        "$1.xl" >"$1"
    rm -f "$1.xl"
}

# --- waiting for events -------------------------------------------------------
# Run COMMAND until it succeeds, at most SECS seconds: at once, then after
# 0.1, 0.2, 0.4 s and every 0.5 s. On success, log WHAT and how long it
# took; on timeout, log it and return 1.
wait_for() { # SECS WHAT COMMAND...
    local secs="$1" what="$2" t0 nap=0.1 left
    shift 2
    t0=$(now_cs)
    while ! "$@"; do
        left=$(( secs * 100 - ($(now_cs) - t0) ))
        if [ $left -le 0 ]; then
            _lab_waited "$t0"
            log "no $what within ${secs}s"
            return 1
        fi
        _lab_nap $nap
        case $nap in 0.1) nap=0.2 ;; 0.2) nap=0.4 ;; *) nap=0.5 ;; esac
    done
    _lab_waited "$t0"
    log "$what ($(secs_since "$t0") s)"
}
# The same, failing the scenario on timeout.
must_wait() { # SECS WHAT COMMAND...
    wait_for "$@" || fail "no $2 within $1 s"
}
secs_since() { # CS
    local d=$(( $(now_cs) - $1 ))
    printf '%d.%02d' $((d / 100)) $((d % 100))
}
# Run COMMAND until it succeeds, woken by every change under the xenstore
# PATH (a watch, so no polling; also every 2 s, in case a change came
# before the watch was set); at most SECS seconds. Logs as wait_for.
wait_xs() { # SECS WHAT PATH COMMAND...
    local secs="$1" what="$2" path="$3" t0 fifo pid rc=0
    shift 3
    t0=$(now_cs)
    "$@" && { log "$what (0.00 s)"; return 0; }
    fifo=$(mktemp -u /tmp/lab-watch.XXXXXX)
    mkfifo "$fifo" || { wait_for "$secs" "$what" "$@"; return; }
    xenstore-watch "$path" >"$fifo" 2>/dev/null &
    pid=$!
    exec 8<"$fifo"
    rm -f "$fifo"
    while ! "$@"; do
        if [ $(( $(now_cs) - t0 )) -ge $((secs * 100)) ]; then
            rc=1
            break
        fi
        # an event, or 2 s, whichever first (a watcher that died: naps)
        if [ -n "${BB_ASH_VERSION:-}" ] && kill -0 "$pid" 2>/dev/null; then
            # shellcheck disable=SC3045  # busybox ash's read has -t
            read -r -t 2 _ <&8 || _lab_nap 0.1
        else
            _lab_nap 0.5
        fi
    done
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    exec 8<&-
    _lab_waited "$t0"
    if [ $rc = 0 ]; then log "$what ($(secs_since "$t0") s)"; else log "no $what within ${secs}s"; fi
    return $rc
}
# Wait until the console log FILE has a line starting with PREFIX (the
# text, or a glob pattern), reading only what is new since the last look.
# At most SECS seconds; fails the scenario if domain NAME (when given)
# goes first, or on timeout. (con_line then reads the line.)
wait_con() { # FILE PREFIX SECS WHAT [NAME]
    local file="$1" pat="$2" secs="$3" what="$4" name="${5:-}" t0 l n=0 seen
    t0=$(now_cs)
    while :; do
        # lines already looked at are skipped by count (the file only grows)
        seen=0
        if [ -r "$file" ]; then
            while IFS= read -r l; do
                seen=$((seen + 1))
                [ $seen -gt $n ] || continue
                l=${l%"$CR"}
                # shellcheck disable=SC2254  # PREFIX may be a pattern
                case $l in $pat*)
                    _lab_waited "$t0"
                    log "guest: $what ($(secs_since "$t0") s)"
                    return 0 ;;
                esac
            done <"$file"
            n=$seen
        fi
        if [ -n "$name" ] && ! domain_exists "$name"; then
            _lab_waited "$t0"
            fail "$name is gone while waiting for $what"
        fi
        [ $(( $(now_cs) - t0 )) -lt $((secs * 100)) ] || {
            _lab_waited "$t0"
            fail "the guest did not report $what within ${secs}s ($file)"
        }
        _lab_nap 0.25
    done
}

# --- xl info ----------------------------------------------------------------
# Print the value of one 'xl info' field (e.g. virt_caps, cpu_mhz).
xl_info_field() { # FIELD
    xl info | awk -v f="$1" -F' *: ' '$1 == f { sub(/^[^:]*: /, ""); print; exit }'
}
# Fail unless 'xl info' FIELD contains every one of the given words.
expect_info_words() { # FIELD WORD...
    local field="$1" val w
    shift
    val=$(xl_info_field "$field")
    log "xl info $field: $val"
    for w in "$@"; do
        case " $val " in
            *" $w "*) ;;
            *) fail "xl info $field lacks '$w' (got: $val)" ;;
        esac
    done
}

# --- guests -------------------------------------------------------------------
# Default time to wait for a guest: the scenario's timeout less 30 s (so
# that lab/run --timeout scales it too), at least 30 s. Under TCG a PVH
# guest is several times slower than a PV one, and the host may be busy.
default_wait() {
    local t=$(( ${SCENARIO_TIMEOUT:-150} - 30 ))
    [ $t -ge 30 ] || t=30
    echo $t
}

# Write an xl config for a lab guest to $OUT/NAME.cfg and print its path.
# Defaults: memory=256 vcpus=1, the lab kernel and guest initramfs,
# console=hvc0 and $GUEST_BOOT_ARGS, on_poweroff/on_reboot/on_crash=destroy,
# tsc_mode=native.
# tsc_mode: QEMU's qemu64 CPU has no invariant TSC, so Xen would trap every
# rdtsc of every guest (about 230,000 VM exits in a PVH workload run),
# which a real host with an invariant TSC does not do; under TCG those
# exits also made the PVH guest triple-fault now and then (emulation
# fault: Xen's own state in the guest's save area).
# Extra arguments are xl config lines (key=value, xl syntax, they replace a
# default of the same key; 'key=' alone leaves the key out) or the pseudo
# keys
#   workload=NAME   run /workloads/NAME in the guest (default: default)
#   cmdline=WORDS   appended to the guest kernel command line
#   pid1=COMMANDS   no /init: the guest's PID 1 is 'sh -c COMMANDS' (no
#                   double quotes in COMMANDS)
guest_cfg() { # NAME TYPE [KEY=VALUE...]
    local name="$1" type="$2" cfg workload=default cmdline="" pid1="" kv key extra
    shift 2
    cfg=$OUT/$name.cfg
    : >"$cfg.user"
    for kv in "$@"; do
        case $kv in
            workload=*) workload=${kv#workload=} ;;
            cmdline=*) cmdline="$cmdline ${kv#cmdline=}" ;;
            pid1=*) pid1=${kv#pid1=} ;;
            *=*) echo "$kv" >>"$cfg.user" ;;
            *) fail "guest_cfg: '$kv' is not KEY=VALUE" ;;
        esac
    done
    if [ -n "$pid1" ]; then
        extra="extra='console=hvc0 $GUEST_BOOT_ARGS$cmdline rdinit=/bin/sh -- -c \"$pid1\"'"
    else
        extra="extra=\"console=hvc0 $GUEST_BOOT_ARGS lab.workload=$workload$cmdline\""
    fi
    {
        for kv in "name=\"$name\"" "type=\"$type\"" memory=256 vcpus=1 \
                  "kernel=\"$GUEST_KERNEL\"" "ramdisk=\"$GUEST_RAMDISK\"" \
                  "$extra" \
                  'on_poweroff="destroy"' 'on_reboot="destroy"' 'on_crash="destroy"' \
                  'tsc_mode="native"'; do
            key=${kv%%=*}
            grep -q "^ *$key *=" "$cfg.user" || echo "$kv"
        done
        grep -v '^ *[a-z_]* *= *$' "$cfg.user"
    } >"$cfg"
    rm -f "$cfg.user"
    echo "$cfg"
}

# Print the domid of domain NAME (fails if there is none).
domid() { xl domid "$1" 2>/dev/null; }
domain_exists() { xl domid "$1" >/dev/null 2>&1; }
# The domain's state letters in 'xl list' (r, b, p, s, c, d or -).
domain_state() { xl list "$1" 2>/dev/null | awk 'NR == 2 { print $5 }'; }

# Wait until domain NAME is gone; after TIMEOUT seconds (default: the
# scenario's timeout less 30 s, see default_wait) destroy it and return 1.
# Woken by xenstore's @releaseDomain, not by the clock.
wait_domain_gone() { # NAME [TIMEOUT]
    local name="$1" tmo="${2:-$(default_wait)}" id
    id=$(domid "$name") || return 0
    _dom_gone() { ! xenstore-exists "/local/domain/$1" 2>/dev/null; }
    wait_xs "$tmo" "domain $name (d$id) gone" @releaseDomain _dom_gone "$id" >/dev/null && return 0
    log "domain $name still there after ${tmo}s, destroying it"
    domain_stuck_report "$name"
    xl destroy "$name"
    return 1
}

# Before a guest that ran out of time is destroyed: its state and CPU
# time (stuck, or only slow?), and the last lines of its console, in the
# scenario's log, whose tail lab/run prints when a scenario fails.
domain_stuck_report() { # NAME
    local src="$XEN_CONSOLE_LOG_DIR/guest-$1.log"
    log "stuck? $(xl list "$1" 2>/dev/null | tail -n 1 | tr -s ' ')"
    if [ -s "$src" ]; then
        tail -n 4 "$src" | tr -d '\r' | cut -c1-150 | while read -r l; do log "console: $l"; done
    else
        log "console: nothing yet"
    fi
    [ -z "${STUCK_HOOK:-}" ] || "$STUCK_HOOK" "$1"
}

# A guest's live console log (xenconsoled's, CR LF line ends).
guest_log() { echo "$XEN_CONSOLE_LOG_DIR/guest-$1.log"; }

# For a guest running the devwatch workload, domain $name with its live
# console log $console: wait until the console has a line starting with
# PREFIX (text or glob), or fail;
wait_console() { # PREFIX SECS WHAT
    wait_con "$console" "$1" "$2" "$3" "$name" >/dev/null
}
# the guest's newest device report (LAB-DEVS blocks=... nets=...);
devs_now() { con_last "$console" "LAB-DEVS "; }
# wait until it is EXPECTED-LINE, or fail.
wait_devs() { # EXPECTED-LINE SECS WHAT
    _devs_are() { [ "$(devs_now)" = "$1" ]; }
    wait_for "$2" "guest: $3" _devs_are "$1" ||
        fail "the guest did not report $3 within ${2}s: last '$(devs_now)', want '$1'"
}

# Copy domain NAME's console log (written by xenconsoled) to DEST
# (default $OUT/console.log).
guest_console() { # NAME [DEST]
    local src="$XEN_CONSOLE_LOG_DIR/guest-$1.log"
    [ -f "$src" ] || { log "no console log $src"; return 1; }
    cp "$src" "${2:-$OUT/console.log}"
}

# Succeed if console log FILE shows the guest workload finished with rc=0.
guest_finished() { # FILE
    grep -q "$GUEST_DONE_MARKER .* rc=0 " "$1"
}

# xl create CFG, wait for the domain to power off (at most TIMEOUT s,
# default: default_wait), save its console to CONSOLE (default
# $OUT/console.log) and check the workload's end marker. Sets LAST_DOMID.
# Returns non-zero on any failure.
xl_create_and_wait() { # CFG [TIMEOUT [CONSOLE]]
    create_and_wait xl "$@"
}
# The same with 'lpar create' (lpar's monitor then cleans up its pool and
# record when the guest powers off).
lpar_create_and_wait() { # CFG [TIMEOUT [CONSOLE]]
    create_and_wait lpar "$@"
}
# Runs CREATE_HOOK NAME (if set) once the domain exists, e.g. to show it.
create_and_wait() { # TOOL CFG [TIMEOUT [CONSOLE]]
    local tool="$1" cfg="$2" tmo="${3:-$(default_wait)}" console="${4:-$OUT/console.log}" name rc=0
    name=$(sed -n 's/^ *name *= *"\(.*\)".*/\1/p' "$cfg" | head -n1)
    [ -n "$name" ] || { log "no name= in $cfg"; return 1; }
    LAST_DOMID=
    _keep_old_console "$name"
    run "$tool" create "$cfg" || { log "$tool create $cfg failed"; return 1; }
    LAST_DOMID=$(domid "$name")
    log "domain $name is domid ${LAST_DOMID:-?}"
    [ -z "${CREATE_HOOK:-}" ] || "$CREATE_HOOK" "$name"
    wait_domain_gone "$name" "$tmo" || rc=1
    guest_console "$name" "$console" || rc=1
    if [ $rc = 0 ] && ! guest_finished "$console"; then
        log "console of $name has no '$GUEST_DONE_MARKER ... rc=0' line"
        rc=1
    fi
    if [ $rc != 0 ] && [ -n "$LAST_DOMID" ] && emulator_triple_fault "$LAST_DOMID"; then
        log "d$LAST_DOMID triple-faulted (Xen's log): see lab/README.md, 'A known emulator fault'"
    fi
    return $rc
}

# A guest's earlier boot under the same name: its console log moves aside
# (guest-NAME.N.log: the runner brings it back, and counts its boot) and
# the next boot's starts empty.
_keep_old_console() { # NAME
    local f="$XEN_CONSOLE_LOG_DIR/guest-$1.log" n=1
    [ -s "$f" ] || return 0
    while [ -e "$XEN_CONSOLE_LOG_DIR/guest-$1.$n.log" ]; do n=$((n + 1)); done
    mv "$f" "$XEN_CONSOLE_LOG_DIR/guest-$1.$n.log"
}

# Succeed if Xen logged a triple fault of domain DOMID.
emulator_triple_fault() { # DOMID
    [ -n "$1" ] && xl dmesg 2>/dev/null | grep -q "d$1v[0-9]* Triple fault"
}
# How many triple faults Xen has logged.
triple_faults() { xl dmesg 2>/dev/null | grep -c "Triple fault"; }

# --- lpar-blkback ---------------------------------------------------------------
# Start lpar-blkback [ARGS...] in the background, logging to $BLKBACK_LOG,
# in place of the kernel's xen-blkback (which it refuses to run beside);
# returns once it serves (its 'serving vbd backends' line), or fails.
# Sets BLKBACK_PID. At the scenario's end it is stopped, its statistics
# saved ($OUT/stats.json) and the kernel's blkback loaded again if this
# unloaded it (for the scenarios after this one).
blkback_start() { # [ARGS...]
    local before
    if [ -d /sys/module/xen_blkback ]; then
        rmmod xen-blkback || fail "cannot unload the kernel's xen-blkback"
        _bb_unloaded=yes
    fi
    case " $_lab_cleanups " in *" _blkback_cleanup "*) ;; *) cleanup_add _blkback_cleanup ;; esac
    before=$(grep -c "serving vbd backends" "$BLKBACK_LOG" 2>/dev/null)
    lpar-blkback "$@" >>"$BLKBACK_LOG" 2>&1 &
    BLKBACK_PID=$!
    _bb_serving() {
        kill -0 "$BLKBACK_PID" 2>/dev/null || {
            tail -n 20 "$BLKBACK_LOG"
            fail "lpar-blkback $* exited at once (lpar-blkback.log)"
        }
        [ "$(grep -c "serving vbd backends" "$BLKBACK_LOG")" -gt "${before:-0}" ]
    }
    wait_for 30 "lpar-blkback $* serving (pid $BLKBACK_PID)" _bb_serving ||
        fail "lpar-blkback did not say it serves within 30 s (lpar-blkback.log)"
}
# Stop the lpar-blkback blkback_start started (SIGTERM), saving its
# statistics first.
blkback_stop() {
    [ -n "${BLKBACK_PID:-}" ] || return 0
    lpar-blkback --stats >"$OUT/stats.json" 2>&1
    kill "$BLKBACK_PID" 2>/dev/null
    wait "$BLKBACK_PID" 2>/dev/null
    BLKBACK_PID=
}
_blkback_cleanup() {
    blkback_stop
    cp "$BLKBACK_LOG" "$OUT/lpar-blkback.log" 2>/dev/null
    [ "${_bb_unloaded:-}" != yes ] || modprobe xen-blkback
}
# The "done:" lines lpar-blkback logs once it let a device go, a moment
# after the domain or the detach: of any device of domain DOMID, or of
# device DOMID/DEVID. How many there are so far:
blkback_done_count() { # DOMID[/DEVID] [LOG]
    case $1 in
        */*) grep -c "vbd $1: done: " "${2:-$BLKBACK_LOG}" ;;
        *) grep -c "vbd $1/[0-9]*: done: " "${2:-$BLKBACK_LOG}" ;;
    esac
}
# The newest, once there are more than AFTER (default 0; waits up to
# 30 s, else fails: in $(...), check its status).
blkback_done_line() { # DOMID[/DEVID] [LOG [AFTER]]
    local log="${2:-$BLKBACK_LOG}" after="${3:-0}" re
    _bb_done() { [ "$(blkback_done_count "$1" "$2")" -gt "$3" ]; }
    wait_for 30 "lpar-blkback's done: line for vbd $1" _bb_done "$1" "$log" "$after" >/dev/null ||
        fail "no new 'done:' line for vbd $1 in $log"
    case $1 in */*) re="vbd $1: done: " ;; *) re="vbd $1/[0-9]*: done: " ;; esac
    grep "$re" "$log" | tail -n 1
}

# --- xentrace -----------------------------------------------------------------
# Start 'xentrace -D -e all -S 64 FILE' (or with the given options) in the
# background, once it has its buffers (its file has the first records);
# sets TRACE_PID. Stopped at the scenario's end if trace_stop was not called.
trace_start() { # FILE [XENTRACE-OPTIONS...]
    local file="$1"
    shift
    [ $# -gt 0 ] || set -- -D -e all -S 64
    log "+ xentrace $* $file &"
    rm -f "$file"
    xentrace "$@" "$file" &
    TRACE_PID=$!
    case " $_lab_cleanups " in *" _trace_cleanup "*) ;; *) cleanup_add _trace_cleanup ;; esac
    _trace_running() {
        kill -0 "$TRACE_PID" 2>/dev/null || fail "xentrace exited at once"
        [ -s "$1" ]
    }
    wait_for 30 "xentrace writing $file" _trace_running "$file" >/dev/null ||
        fail "xentrace wrote nothing to $file within 30 s"
}
_trace_cleanup() {
    [ -n "${TRACE_PID:-}" ] || return 0
    kill -INT "$TRACE_PID" 2>/dev/null
    wait "$TRACE_PID" 2>/dev/null
    TRACE_PID=
}
# Stop the xentrace started by trace_start (SIGINT) and wait for it.
trace_stop() {
    [ -n "${TRACE_PID:-}" ] || return 1
    kill -INT "$TRACE_PID"
    wait "$TRACE_PID"
    local rc=$?
    TRACE_PID=
    log "xentrace stopped (rc=$rc)"
    return $rc
}
# Print the event id (bits 0-27 of the first u32 header) of FILE's first
# record, as 0x%08x.
trace_first_event() { # FILE
    local hdr
    hdr=$(od -A n -t x4 -N 4 "$1" | tr -d ' ')
    [ -n "$hdr" ] || return 1
    printf '0x%08x\n' $(( 0x$hdr & 0x0fffffff ))
}
# Write FILE.meta (JSON) for the trace analyzer: TSC frequency, domain
# names, Xen version, capture time. Arguments: DOMID=NAME for each domU.
trace_meta() { # FILE [DOMID=NAME...]
    local file="$1" mhz hz ver doms kv
    shift
    mhz=$(xl_info_field cpu_mhz)
    hz=$(awk -v m="$mhz" 'BEGIN { printf "%.0f", m * 1000000 }')
    ver="$(xl_info_field xen_major).$(xl_info_field xen_minor)$(xl_info_field xen_extra)"
    doms='"0": "Domain-0"'
    for kv in "$@"; do
        doms="$doms, \"${kv%%=*}\": \"${kv#*=}\""
    done
    printf '{"cpu_hz": %s, "domains": {%s}, "xen_version": "%s", "captured": "%s"}\n' \
        "$hz" "$doms" "$ver" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$file.meta"
}
