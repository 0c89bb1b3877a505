#!/bin/sh
# description: failed creates roll back: no domain, cpupool, CPU loss, xenstore node or record left (injected faults, a kernel that is not one, an owned CPU)
# machine: plain
# timeout: 180
# shellcheck source=../dom0/lib.sh
. "$LAB/lib.sh"

require_cmd lpar
UUID=0b5c3f0e-1111-4222-8333-444455556666
mkcfg() { # NAME KERNEL [LINE...]
    local name=$1 kernel=$2 cfg=$OUT/$1.cfg
    shift 2
    {
        echo "name = \"$name\""
        echo "type = \"pvh\""
        echo "uuid = \"$UUID\""
        echo "kernel = \"$kernel\""
        echo "ramdisk = \"$GUEST_RAMDISK\""
        echo "extra = 'console=hvc0 rdinit=/bin/sh -- -c \"while :; do sleep 1; done\"'"
        echo "memory = 128"
        echo 'tsc_mode = "native"'   # as the lab's guests (lab/dom0/lib.sh)
        echo "cpu_mode = \"dedicated\""
        echo "cpus = \"1\""
        for l in "$@"; do echo "$l"; done
    } >"$cfg"
    echo "$cfg"
}
snapshot() { # FILE: everything a half-made create could leave
    {
        xl list | awk 'NR > 1 { print "domain", $1 }'
        xl cpupool-list -c | awk 'NR > 1 { print "pool", $1, $2 }'
        xenstore-ls /local/domain 2>/dev/null | awk '/^[0-9]+ =/ { print "xs-domain", $1 }'
        xenstore-list /vm 2>/dev/null | sed 's/^/xs-vm /'
        xenstore-list /libxl 2>/dev/null | sed 's/^/xs-libxl /'
        ls /var/lib/lpar/run 2>/dev/null | sed 's/^/record /'
    } >"$1"
}
check_clean() { # WHAT
    snapshot "$OUT/after-$1.txt"
    if ! diff -u "$OUT/before.txt" "$OUT/after-$1.txt"; then
        fail "$1: the failed create left something behind (see above)"
    fi
    log "$1: rolled back cleanly"
}

snapshot "$OUT/before.txt"
cat "$OUT/before.txt"

# 1. fault injected after the cpupool was made
cfg=$(mkcfg rb1 "$GUEST_KERNEL")
if LPAR_FAULT=after-pool lpar create "$cfg" 2>"$OUT/rb1.err"; then fail "after-pool: create succeeded"; fi
cat "$OUT/rb1.err"
check_clean after-pool

# 2. fault injected after the domain was built (pool, pinning, xenstore nodes all there)
if LPAR_FAULT=after-domain lpar create "$cfg" 2>"$OUT/rb2.err"; then fail "after-domain: create succeeded"; fi
cat "$OUT/rb2.err"
check_clean after-domain

# 3. a kernel that exists but is not a kernel: libxl fails half-way
echo "not a kernel" >"$OUT/bogus-kernel"
cfg=$(mkcfg rb3 "$OUT/bogus-kernel")
if lpar create "$cfg" 2>"$OUT/rb3.err"; then fail "bogus kernel: create succeeded"; fi
cat "$OUT/rb3.err"
logf=$(sed -n 's/.*full log in \(\/[^ ]*\).*/\1/p' "$OUT/rb3.err" | head -n1)
[ -n "$logf" ] && [ -s "$logf" ] || fail "the error does not name a log file that exists"
log "libxl's log: $logf"
cp "$logf" "$OUT/lpar.log"
check_clean bogus-kernel

# 4. a missing kernel: refused before anything is made, naming file and key
cfg=$(mkcfg rb4 /nonexistent/vmlinuz)
if lpar create "$cfg" 2>"$OUT/rb4.err"; then fail "missing kernel: create succeeded"; fi
cat "$OUT/rb4.err"
grep -q "rb4.cfg: kernel: \"/nonexistent/vmlinuz\": No such file" "$OUT/rb4.err" || fail "error does not name file and key"
check_clean missing-kernel

# 5. a CPU already dedicated (by a partition that exists)
must lpar create "$(mkcfg owner "$GUEST_KERNEL")"
snapshot "$OUT/before.txt"
UUID=0b5c3f0e-1111-4222-8333-444455556667
if lpar create "$(mkcfg rb5 "$GUEST_KERNEL")" 2>"$OUT/rb5.err"; then fail "owned CPU: create succeeded"; fi
cat "$OUT/rb5.err"
check_clean cpu-owned
must lpar destroy owner
log "PASS"
