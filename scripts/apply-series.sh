#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# apply-series.sh KSRC: put our series into your own Linux 6.12 tree: the
# patches in patches/series, then our own files copied to their kernel
# paths. Nothing is written if a patch does not apply.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ksrc=$1
[ -f "$ksrc/Makefile" ] || { echo "$ksrc is not a kernel tree" >&2; exit 1; }
ver=$(make -s -C "$ksrc" kernelversion)
case $ver in 6.12|6.12.*) ;; *) echo "$ksrc is Linux $ver; the series is for 6.12" >&2; exit 1 ;; esac

# Checked in order on a copy of the files they touch (two patches may
# touch one file), so that nothing is written if one does not apply.
mapfile -t series < <("$top/scripts/series-list")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
sed -n 's|^diff --git a/\([^[:space:]]*\) .*|\1|p' "${series[@]}" | sort -u |
while read -r f; do
	[ ! -e "$ksrc/$f" ] || { mkdir -p "$scratch/$(dirname "$f")"; cp "$ksrc/$f" "$scratch/$f"; }
done
for p in "${series[@]}"; do
	patch -s -p1 -d "$scratch" --no-backup-if-mismatch < "$p" >/dev/null ||
		{ echo "$(basename "$p") does not apply to $ksrc (already applied?)" >&2; exit 1; }
done
for p in "${series[@]}"; do
	echo "  APPLY   $(basename "$p")"
	patch -s -p1 -d "$ksrc" --no-backup-if-mismatch < "$p"
done
cd "$top"
for f in $(find arch include kernel Documentation -type f); do
	echo "  COPY    $f"
	mkdir -p "$ksrc/$(dirname "$f")"
	cp "$f" "$ksrc/$f"
done
echo "Applied. Configure with CONFIG_KVM_GUEST=y (KVM_STEAL_TIME follows it)."
