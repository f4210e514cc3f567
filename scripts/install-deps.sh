#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Installs the Debian packages the build and the tests need, if missing.
set -euo pipefail
pkgs=(gcc make perl bc flex bison libelf-dev libssl-dev cpio gzip lz4
      ccache qemu-system-x86 busybox-static procps prometheus-node-exporter gnuplot-nox python3 python3-sphinx pyflakes3
      kexec-tools kmod xz-utils gcc-riscv64-linux-gnu qemu-system-misc
      gcc-aarch64-linux-gnu qemu-system-arm)
[ -n "${KSRC:-}" ] || pkgs+=(linux-source-6.12)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} = 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "missing Debian packages: ${missing[*]}" >&2
	echo "as root: apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "  DEPS    installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# We only copy kexec into test guests: Debian's default answer would make
# this machine's own reboots go through kexec.
echo "kexec-tools kexec-tools/load_kexec boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
