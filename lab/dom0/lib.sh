# shellcheck shell=sh disable=SC3043  # busybox ash has local
# Helper library for lab scenarios (busybox sh). In a scenario:
#     . "$LAB/lib.sh"
# Environment set by the dom0 runner: OUT (artifact dir, also the cwd),
# LAB (/lab), SCENARIO (name), SCENARIO_TIMEOUT (seconds).
# See lab/scenarios/README.md for the list of functions.

GUEST_KERNEL=$LAB/guest/kernel
# the same kernel as a bzImage, for HVM guests (QEMU loads it)
GUEST_BZIMAGE=$LAB/guest/bzImage
GUEST_RAMDISK=$LAB/guest/initrd
GUEST_DONE_MARKER=LAB-GUEST-DONE
XEN_CONSOLE_LOG_DIR=/var/log/xen/console

# --- messages and checks ---------------------------------------------------
log() {
    local up
    read -r up _ </proc/uptime
    echo "[$up] $*"
}
fail() { echo "FAIL: $*"; exit 1; }
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
    local re=$1
    shift
    if "$@" >"$OUT/refused.out" 2>"$OUT/refused.err"; then
        fail "accepted: $*"
    fi
    cat "$OUT/refused.err"
    grep -q -- "$re" "$OUT/refused.err" || fail "'$*' said '$(cat "$OUT/refused.err")', nothing matching '$re'"
}

# --- xl info ----------------------------------------------------------------
# Print the value of one 'xl info' field (e.g. virt_caps, cpu_mhz).
xl_info_field() { # FIELD
    xl info | awk -v f="$1" -F' *: ' '$1 == f { sub(/^[^:]*: /, ""); print; exit }'
}
# Fail unless 'xl info' FIELD contains every one of the given words.
expect_info_words() { # FIELD WORD...
    local field=$1 val w
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
# console=hvc0, on_poweroff/on_reboot/on_crash=destroy, tsc_mode=native.
# tsc_mode: QEMU's qemu64 CPU has no invariant TSC, so Xen would trap every
# rdtsc of every guest (about 230,000 VM exits in a PVH workload run),
# which a real host with an invariant TSC does not do; under TCG those
# exits also made the PVH guest triple-fault now and then (emulation
# fault: Xen's own state in the guest's save area).
# Extra arguments are xl config lines (key=value, xl syntax, they replace a
# default of the same key) or the pseudo keys
#   workload=NAME   run /workloads/NAME in the guest (default: default)
#   cmdline=WORDS   appended to the guest kernel command line
guest_cfg() { # NAME TYPE [KEY=VALUE...]
    local name=$1 type=$2 cfg workload=default cmdline="" kv key
    shift 2
    cfg=$OUT/$name.cfg
    : >"$cfg.user"
    for kv in "$@"; do
        case $kv in
            workload=*) workload=${kv#workload=} ;;
            cmdline=*) cmdline="$cmdline ${kv#cmdline=}" ;;
            *=*) echo "$kv" >>"$cfg.user" ;;
            *) fail "guest_cfg: '$kv' is not KEY=VALUE" ;;
        esac
    done
    {
        for kv in "name=\"$name\"" "type=\"$type\"" memory=256 vcpus=1 \
                  "kernel=\"$GUEST_KERNEL\"" "ramdisk=\"$GUEST_RAMDISK\"" \
                  "extra=\"console=hvc0 lab.workload=$workload$cmdline\"" \
                  'on_poweroff="destroy"' 'on_reboot="destroy"' 'on_crash="destroy"' \
                  'tsc_mode="native"'; do
            key=${kv%%=*}
            grep -q "^ *$key *=" "$cfg.user" || echo "$kv"
        done
        cat "$cfg.user"
    } >"$cfg"
    rm -f "$cfg.user"
    echo "$cfg"
}

# Print the domid of domain NAME (fails if there is none).
domid() { xl domid "$1" 2>/dev/null; }
domain_exists() { xl domid "$1" >/dev/null 2>&1; }

# Wait until domain NAME is gone; after TIMEOUT seconds (default: the
# scenario's timeout less 30 s, see default_wait) destroy it and return 1. Polls xenstore once a second (cheap: under TCG
# every 'xl' run costs the guests CPU time).
wait_domain_gone() { # NAME [TIMEOUT]
    local name=$1 tmo=${2:-$(default_wait)} id start now
    id=$(domid "$name") || return 0
    read -r start _ </proc/uptime
    start=${start%.*}
    while xenstore-exists "/local/domain/$id" 2>/dev/null; do
        read -r now _ </proc/uptime
        if [ $(( ${now%.*} - start )) -ge "$tmo" ]; then
            log "domain $name still there after ${tmo}s, destroying it"
            domain_stuck_report "$name"
            xl destroy "$name"
            return 1
        fi
        sleep 1
    done
    return 0
}

# Before a guest that ran out of time is destroyed: its state and CPU
# time (stuck, or only slow?), and the last lines of its console, in the
# scenario's log, whose tail lab/run prints when a scenario fails.
domain_stuck_report() { # NAME
    local src=$XEN_CONSOLE_LOG_DIR/guest-$1.log
    log "stuck? $(xl list "$1" 2>/dev/null | tail -n 1 | tr -s ' ')"
    if [ -s "$src" ]; then
        tail -n 4 "$src" | tr -d '\r' | cut -c1-150 | while read -r l; do log "console: $l"; done
    else
        log "console: nothing yet"
    fi
    [ -z "${STUCK_HOOK:-}" ] || "$STUCK_HOOK" "$1"
}

# For a guest running the devwatch workload, domain $name with its live
# console log $console (xenconsoled's, with the guest's CR LF line ends):
# wait until the console has a line matching RE, or fail;
wait_console() { # RE SECS WHAT
    local i=0
    until grep -a -q -- "$1" "$console" 2>/dev/null; do
        domain_exists "$name" || fail "$name is gone while waiting for $3"
        [ $i -lt "$2" ] || fail "the guest did not report $3 within ${2}s (console-$name.log)"
        sleep 1; i=$((i + 1))
    done
    log "guest: $3 (${i}s)"
}
# the guest's newest device report (LAB-DEVS blocks=... nets=...);
devs_now() { grep -a '^LAB-DEVS ' "$console" | tail -n 1 | tr -d '\r'; }
# wait until it is EXPECTED-LINE, or fail.
wait_devs() { # EXPECTED-LINE SECS WHAT
    local i=0
    until [ "$(devs_now)" = "$1" ]; do
        [ $i -lt "$2" ] || fail "the guest did not report $3 within ${2}s: last '$(devs_now)', want '$1'"
        sleep 1; i=$((i + 1))
    done
    log "guest: $3 (${i}s)"
}

# Copy domain NAME's console log (written by xenconsoled) to DEST
# (default $OUT/console.log).
guest_console() { # NAME [DEST]
    local src=$XEN_CONSOLE_LOG_DIR/guest-$1.log
    [ -f "$src" ] || { log "no console log $src"; return 1; }
    cp "$src" "${2:-$OUT/console.log}"
}

# Succeed if console log FILE shows the guest workload finished with rc=0.
guest_finished() { # FILE
    grep -q "$GUEST_DONE_MARKER .* rc=0 " "$1"
}

# xl create CFG, wait for the domain to power off (at most TIMEOUT s,
# default: default_wait), save its console to CONSOLE (default $OUT/console.log) and check the
# workload's end marker. Sets LAST_DOMID. Returns non-zero on any failure.
xl_create_and_wait() { # CFG [TIMEOUT [CONSOLE]]
    create_and_wait xl "$@"
}
# The same with 'lpar create' (lpar's monitor then cleans up its pool and
# record when the guest powers off).
lpar_create_and_wait() { # CFG [TIMEOUT [CONSOLE]]
    create_and_wait lpar "$@"
}
create_and_wait() { # TOOL CFG [TIMEOUT [CONSOLE]]
    local tool=$1 cfg=$2 tmo=${3:-$(default_wait)} console=${4:-$OUT/console.log}
    # Up to two retries, only for the emulator fault below; each said in
    # the log. (One was not always enough: a fresh-clone run saw the same
    # PVH boot fault twice in a row.)
    local faults try=0
    while :; do
        faults=$(triple_faults)
        create_and_wait_once "$tool" "$cfg" "$tmo" "$console" && return 0
        # by domid, or by count when the domain went before its id was read
        emulator_triple_fault "$LAST_DOMID" ||
            { [ -z "$LAST_DOMID" ] && [ "$(triple_faults)" -gt "$faults" ]; } ||
            return 1
        try=$((try + 1))
        [ $try -le 2 ] || { log "RETRY: d${LAST_DOMID:-?} triple-faulted too; no more retries"; return 1; }
        log "RETRY: d${LAST_DOMID:-?} triple-faulted with Xen's own state in its save area:"
        log "RETRY: the QEMU TCG nested-SVM fault this lab meets now and then (lab/README.md); retry $try of 2"
    done
}

# Succeed if Xen logged a triple fault of domain DOMID. Under QEMU TCG a
# PVH guest sometimes triple-faults with Xen's code segment (e008) in its
# saved state: the emulated SVM handed it host state. Not a guest bug.
# How many triple faults Xen has logged.
triple_faults() { xl dmesg 2>/dev/null | grep -c "Triple fault"; }
emulator_triple_fault() { # DOMID
    [ -n "$1" ] && xl dmesg 2>/dev/null | grep -q "d$1v[0-9]* Triple fault"
}

# Runs CREATE_HOOK NAME (if set) once the domain exists, e.g. to show it.
create_and_wait_once() { # TOOL CFG TIMEOUT CONSOLE
    local tool=$1 cfg=$2 tmo=$3 console=$4 name rc=0
    name=$(sed -n 's/^ *name *= *"\(.*\)".*/\1/p' "$cfg" | head -n1)
    [ -n "$name" ] || { log "no name= in $cfg"; return 1; }
    LAST_DOMID=
    rm -f "$XEN_CONSOLE_LOG_DIR/guest-$name.log"
    run "$tool" create "$cfg" || { log "$tool create $cfg failed"; return 1; }
    LAST_DOMID=$(domid "$name")
    log "domain $name is domid ${LAST_DOMID:-?}"
    [ -z "${CREATE_HOOK:-}" ] || "$CREATE_HOOK" "$name"
    wait_domain_gone "$name" "$tmo" || rc=1
    log "domain $name gone"
    guest_console "$name" "$console" || rc=1
    if [ $rc = 0 ] && ! guest_finished "$console"; then
        log "console of $name has no '$GUEST_DONE_MARKER ... rc=0' line"
        rc=1
    fi
    return $rc
}

# --- lpar-blkback ---------------------------------------------------------------
# The "done:" lines lpar-blkback logs once it let a device go, a moment
# after the domain or the detach: of any device of domain DOMID, or of
# device DOMID/DEVID. How many there are so far:
blkback_done_count() { # DOMID[/DEVID] [LOG]
    case $1 in
        */*) grep -c "vbd $1: done: " "${2:-/var/log/lpar-blkback.log}" ;;
        *) grep -c "vbd $1/[0-9]*: done: " "${2:-/var/log/lpar-blkback.log}" ;;
    esac
}
# The newest, once there are more than AFTER (default 0; waits up to
# 30 s, else fails: in $(...), check its status).
blkback_done_line() { # DOMID[/DEVID] [LOG [AFTER]]
    local log=${2:-/var/log/lpar-blkback.log} after=${3:-0} n=0 re
    while [ "$(blkback_done_count "$1" "$log")" -le "$after" ]; do
        [ $n -lt 60 ] || fail "no new 'done:' line for vbd $1 in $log"
        sleep 0.5
        n=$((n + 1))
    done
    case $1 in */*) re="vbd $1: done: " ;; *) re="vbd $1/[0-9]*: done: " ;; esac
    grep "$re" "$log" | tail -n 1
}

# --- xentrace -----------------------------------------------------------------
# Start 'xentrace -D -e all -S 64 FILE' (or with the given options) in the
# background; sets TRACE_PID.
trace_start() { # FILE [XENTRACE-OPTIONS...]
    local file=$1
    shift
    [ $# -gt 0 ] || set -- -D -e all -S 64
    log "+ xentrace $* $file &"
    xentrace "$@" "$file" &
    TRACE_PID=$!
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
    local file=$1 mhz hz ver doms kv
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
