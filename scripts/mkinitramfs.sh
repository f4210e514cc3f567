#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh BUILD: the x86 guests' initramfs image.
#   BUILD/initramfs-busybox.cpio.gz  busybox and procps; /init runs guest/*.sh
# mkinitramfs.sh BUILD ARCH BUSYBOX: another architecture's guests' image,
# with that architecture's busybox (scripts/nested-host fetches it).
#   BUILD/initramfs-busybox-ARCH.cpio.gz  busybox alone; the same /init
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$1
arch=${2:-}
mkdir -p "$out"

img=$out/initramfs-busybox${arch:+-$arch}.cpio.gz
if [ ! -f "$img" ] || [ -n "$(find "$top/guest" "$0" ${3:+"$3"} -newer "$img" -print -quit)" ]; then
	echo "  INITRD  $img"
	d=$(mktemp -d)
	mkdir -p "$d"/{bin,sbin,etc,proc,sys,dev,guest,tmp,usr/bin}
	echo 'root:x:0:0:root:/:/bin/sh' > "$d/etc/passwd"
	if [ -n "$arch" ]; then
		cp "$3" "$d/bin/busybox"
		chmod 755 "$d/bin/busybox"
	else
		cp /bin/busybox "$d/bin/busybox"
		# Debian's procps, as admins run it, with the libraries it
		# links and the terminfo entries top needs (it uses "dumb"
		# when not on a tty).
		mkdir -p "$d/lib/terminfo/l" "$d/lib/terminfo/d"
		cp /lib/terminfo/l/linux "$d/lib/terminfo/l/"
		cp /lib/terminfo/d/dumb "$d/lib/terminfo/d/"
		# Prometheus' node_exporter too.
		for b in /usr/bin/vmstat /usr/bin/top /usr/bin/prometheus-node-exporter; do
			cp "$b" "$d/usr/bin/"
			for lib in $(ldd "$b" | grep -o '/[^ ]*'); do
				mkdir -p "$d$(dirname "$lib")"
				cp -L "$lib" "$d$lib"
			done
		done
	fi
	cp "$top/guest/init.sh" "$d/init"
	cp "$top"/guest/*.sh "$d/guest/"
	chmod +x "$d/init"
	(cd "$d" && find . | cpio -o -H newc --quiet | gzip -9) > "$img"
	rm -rf "$d"
fi
