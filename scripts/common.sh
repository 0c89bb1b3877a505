# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Sourced by scripts/test and scripts/demo: the Debian 12 packages xenlpar
# needs and their idempotent apt-get install, and the out-of-tree build.

# Build: compiler, autotools, and the libraries configure checks for.
XLP_BUILD_PKGS="gcc make autoconf automake pkg-config libc6-dev
 libxen-dev libcunit1-dev liburing-dev libjson-c-dev liblzma-dev zlib1g-dev
 clang libclang-rt-14-dev gcc-multilib shellcheck dash"
# Lab: Xen and the dom0 are fetched by lab/fetch with apt-get download;
# these are what runs on the host around them.
XLP_LAB_PKGS="qemu-system-x86 qemu-system-data busybox-static cpio kmod xz-utils gzip
 dpkg-dev ca-certificates mount"

xlp_missing_pkgs() {
	local p missing=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	echo "$missing"
}

# Installs what is missing; quiet when everything is there already.
xlp_install_deps() {
	# shellcheck disable=SC2086
	local missing
	missing=$(xlp_missing_pkgs $XLP_BUILD_PKGS $XLP_LAB_PKGS "$@")
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "xenlpar: these Debian packages are missing:$missing" >&2
		echo "xenlpar: run as root, or install them: apt-get install$missing" >&2
		return 1
	fi
	echo "xenlpar: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null || { echo "xenlpar: apt-get update failed" >&2; return 1; }
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/tmp/xenlpar-apt.log 2>&1 || {
		tail -20 /tmp/xenlpar-apt.log >&2
		echo "xenlpar: apt-get install failed (log: /tmp/xenlpar-apt.log)" >&2
		return 1
	}
}

# xlp_ensure_configure TOP LOGDIR: runs autoreconf when configure is missing
# or older than what it is made from. The source tree stays unconfigured so
# several build trees under build/ can share it; a developer's in-tree
# configure is cleaned away first.
xlp_ensure_configure() {
	local top=$1 logs=$2
	if [ -f "$top/config.status" ]; then
		echo "xenlpar: cleaning an in-tree configure (builds go under build/)"
		make -s -C "$top" distclean >/dev/null 2>&1 || true
	fi
	if [ ! -x "$top/configure" ] || [ "$top/configure.ac" -nt "$top/configure" ] ||
	   [ "$top/Makefile.am" -nt "$top/configure" ] ||
	   [ -n "$(find "$top" -path "$top/build" -prune -o -name Makefile.inc -newer "$top/configure" -print -quit)" ]; then
		autoreconf -fi >"$logs/autoreconf.log" 2>&1 || {
			cat "$logs/autoreconf.log" >&2
			echo "xenlpar: autoreconf failed (log: $logs/autoreconf.log)" >&2
			return 1
		}
	fi
}

# xlp_build TOP NAME LOG JOBS CONFIGURE-ARGS...: configures (once) and
# builds in TOP/build/NAME, appending to LOG.
xlp_build() {
	local top=$1 dir=$1/build/$2 log=$3 jobs=$4
	shift 4
	mkdir -p "$dir"
	if [ ! -f "$dir/config.status" ] || [ "$top/configure" -nt "$dir/config.status" ]; then
		(cd "$dir" && "$top/configure" "$@") >>"$log" 2>&1 || return
	fi
	make -C "$dir" -j"$jobs" >>"$log" 2>&1
}

# xlp_install_root TOP NAME ROOT LOG: installs build/NAME into ROOT, as a
# package would install it into /usr, for the lab's dom0.
xlp_install_root() {
	local top=$1 name=$2 root=$3 log=$4
	rm -rf "$root"
	make -C "$top/build/$name" -s install DESTDIR="$root" >"$log" 2>&1 || {
		tail -20 "$log" >&2
		echo "xenlpar: make install failed (log: $log)" >&2
		return 1
	}
}
