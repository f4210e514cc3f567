#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh BUILD: the guests' initramfs images.
#   BUILD/initramfs-busybox.cpio.gz  busybox /init running guest/*.sh
#   BUILD/initramfs-spin.cpio.gz     a syscall-free /init for the PVM host
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$1
mkdir -p "$out"

img=$out/initramfs-busybox.cpio.gz
if [ ! -f "$img" ] || [ -n "$(find "$top/guest" -newer "$img" -print -quit)" ]; then
	echo "  INITRD  $img"
	d=$(mktemp -d)
	mkdir -p "$d"/{bin,sbin,proc,sys,dev,guest,tmp}
	cp /bin/busybox "$d/bin/busybox"
	cp "$top/guest/init.sh" "$d/init"
	cp "$top"/guest/*.sh "$d/guest/"
	chmod +x "$d/init"
	(cd "$d" && find . | cpio -o -H newc --quiet | gzip -9) > "$img"
	rm -rf "$d"
fi

img=$out/initramfs-spin.cpio.gz
if [ ! -f "$img" ] || [ "$top/guest/spin.c" -nt "$img" ]; then
	echo "  INITRD  $img"
	d=$(mktemp -d)
	gcc -static -nostdlib -O2 -fno-stack-protector -o "$d/init" "$top/guest/spin.c"
	(cd "$d" && echo init | cpio -o -H newc --quiet | gzip -9) > "$img"
	rm -rf "$d"
fi
