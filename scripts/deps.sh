# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by scripts/test and scripts/demo: installs, with apt-get, the
# Debian 12 packages xenlpar needs to build, test and run its lab.

# Build: compiler, autotools, and the libraries configure checks for.
XLP_BUILD_PKGS="gcc make autoconf automake pkg-config libc6-dev
 libxen-dev libcunit1-dev liburing-dev libjson-c-dev liblzma-dev zlib1g-dev
 clang libclang-rt-14-dev"
# Lab: Xen and the dom0 are fetched by lab/fetch with apt-get download;
# these are what runs on the host around them.
XLP_LAB_PKGS="qemu-system-x86 busybox-static cpio kmod xz-utils gzip
 dpkg-dev ca-certificates"

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
