# shellcheck shell=bash disable=SC2034
# Shared host-side helpers for lab/fetch, lab/build and lab/run (bash).
# Sourced, not executed.

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Downloaded and unpacked Debian packages (outside the work tree).
LAB_CACHE=${XENLPAR_LAB_CACHE:-$HOME/.cache/xenlpar/lab}
# Build outputs (inside the work tree, gitignored).
LAB_BUILD=${XENLPAR_LAB_BUILD:-$LAB_DIR/cache}
LAB_OUT=${XENLPAR_LAB_OUT:-$LAB_DIR/out}
# Everything fetched is unpacked into this one tree.
LAB_ROOT=$LAB_CACHE/root
LAB_MANIFEST=$LAB_CACHE/manifest

PROG=${PROG:-$(basename "$0")}
PATH=$PATH:/usr/sbin:/sbin

die()  { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }
say()  { printf '%s: %s\n' "$PROG" "$*"; }

need_cmd() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 ||
            die "command '$c' not found; install the host packages listed in lab/README.md"
    done
}

# Load the manifest written by lab/fetch (KVER, XEN_VERSION, ...).
load_manifest() {
    [[ -r $LAB_MANIFEST ]] || die "no $LAB_MANIFEST; run lab/fetch first"
    # shellcheck disable=SC1090
    . "$LAB_MANIFEST"
    [[ -n ${KVER:-} ]] || die "$LAB_MANIFEST has no KVER; run lab/fetch again"
}
