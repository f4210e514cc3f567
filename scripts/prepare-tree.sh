#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# prepare-tree.sh VARIANT TREE, or prepare-tree.sh base
#
# Makes TREE a Linux 6.12 source tree from the pristine base (Debian's
# linux-source-6.12, or $KSRC) and the layers VARIANT names:
#   product         our series (patches/series) and our files at their
#                   kernel paths (arch/ include/ kernel/ Documentation/)
#   s3              product, configured with configs/s3.config as well
#   i386            product, built as a 32-bit kernel (configs/i386.config)
#   riscv64         product, built for riscv64 (configs/riscv64.config)
#   arm64           product, built for arm64 (configs/arm64.config)
#   bench-ours      product plus the benchmark (bench/)
#   bench-core      the steal time series without per-cgroup steal
#                   (patches/cgroup), plus the benchmark: what that
#                   series costs the scheduler
#   bench-tick      bench-core with per-cgroup steal charged at the tick
#                   instead (bench/before/): the attribution it replaced
#   bench-upstream  the untouched base plus the same benchmark
#   upstream-arm64, upstream-riscv64
#                   the untouched base, built as the arm64 and riscv64
#                   variants are (their configs), for make bench
# Re-running only redoes what changed, so kbuild recompiles only the files
# that really differ.
set -euo pipefail

variant=$1
tree=${2:-}
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
tarball=${TARBALL:-/usr/src/linux-source-6.12.tar.xz}

say() { echo "  TREE    $*"; }

base_tree() {
	if [ -n "${KSRC:-}" ]; then
		[ -f "$KSRC/Makefile" ] || { echo "KSRC=$KSRC is not a kernel tree" >&2; exit 1; }
		echo "$KSRC"
		return
	fi
	local base=$build/base/linux
	if [ ! -f "$build/base/.extracted" ]; then
		[ -f "$tarball" ] || { echo "$tarball missing: apt-get install linux-source-6.12" >&2; exit 1; }
		say "extracting $tarball" >&2
		rm -rf "$build/base"
		mkdir -p "$build/base"
		tar -C "$build/base" -xf "$tarball"
		mv "$build/base"/linux-source-6.12 "$base"
		touch "$build/base/.extracted"
	fi
	echo "$base"
}

base=$(base_tree)
# "base" alone: the pristine tree, extracted once before the variants'
# trees are made from it, perhaps at the same time.
[ "$variant" != base ] || exit 0
ver=$(make -s -C "$base" kernelversion 2>/dev/null)
case $ver in
6.12.*|6.12) ;;
*) echo "base tree is Linux $ver, the series is for 6.12" >&2; exit 1 ;;
esac

case $variant in
product | s3 | i386 | riscv64 | arm64 | bench-ours | bench-core | bench-tick | bench-upstream | upstream-arm64 | upstream-riscv64) ;;
*) echo "unknown kernel variant '$variant'" >&2; exit 1 ;;
esac
ours=true
case $variant in *upstream*) ours=false ;; esac

patchlist() {
	if [ "$variant" = bench-core ] || [ "$variant" = bench-tick ]; then
		"$top/scripts/series-list" "$top/patches"
	elif $ours; then
		"$top/scripts/series-list"
	fi
	case $variant in
	bench-tick) ls "$top"/bench/before/*.patch "$top"/bench/*.patch ;;
	bench*) ls "$top"/bench/*.patch ;;
	esac
}

# Our files, and the benchmark's, as "source-in-repo kernel-path" pairs.
overlay() {
	if $ours; then
		find arch include kernel Documentation -type f 2>/dev/null |
			sed 's|.*|& &|'
	fi
	case $variant in
	bench*) find bench/kernel -type f | sed 's|^bench/\(.*\)|& \1|' ;;
	esac
}

if [ ! -f "$tree/.steal-tree" ]; then
	say "copying Linux $ver to $tree"
	rm -rf "$tree"
	mkdir -p "$(dirname "$tree")"
	# Hard links: GNU patch replaces the files it changes, the base stays.
	cp -al "$base" "$tree" 2>/dev/null || cp -a "$base" "$tree"
	mkdir -p "$tree/.steal-applied"
	touch "$tree/.steal-tree"
fi

# Re-apply the patches only if one of them changed.
want=$(patchlist | xargs cat | sha1sum | cut -d' ' -f1)
have=$(cat "$tree/.steal-applied/sum" 2>/dev/null || true)
if [ "$want" != "$have" ]; then
	for p in $(ls -r "$tree/.steal-applied"/*.patch 2>/dev/null); do
		say "reverting $(basename "$p")"
		patch -s -R -p1 -d "$tree" < "$p"
		rm "$p"
	done
	i=0
	for p in $(patchlist); do
		i=$((i + 1))
		say "applying $(basename "$p")"
		patch -s -p1 -d "$tree" --no-backup-if-mismatch < "$p"
		cp "$p" "$tree/.steal-applied/$(printf %02d $i)-$(basename "$p")"
	done
	echo "$want" > "$tree/.steal-applied/sum"
fi

# Overlay: our own files, linked so that an edit here is seen by kbuild.
find "$tree" -type l -lname "$top/*" ! -exec test -e {} \; -print -delete
cd "$top"
overlay | while read -r src f; do
	if [ "$(readlink "$tree/$f" 2>/dev/null)" != "$top/$src" ]; then
		[ -e "$tree/$f" ] && [ ! -L "$tree/$f" ] && {
			echo "overlay file $f exists upstream; change it with a patch" >&2
			exit 1
		}
		mkdir -p "$tree/$(dirname "$f")"
		ln -sfn "$top/$src" "$tree/$f"
	fi
done
