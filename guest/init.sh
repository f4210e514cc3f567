#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# /init of the busybox test guest (TCG, or hardware KVM). The kernel
# command line says what to run: steal.run=NAME runs /guest/NAME.sh, whose
# output between the markers is what the host-side tests parse.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev 2>/dev/null

run=$(sed -n 's/.*steal\.run=\([a-z0-9_-]*\).*/\1/p' /proc/cmdline)
echo "=== guest-begin ${run:-shell}"
if [ -n "$run" ] && [ -f "/guest/$run.sh" ]; then
	. "/guest/$run.sh"
else
	echo "no /guest/$run.sh"
fi
echo "=== guest-end"
# -no-reboot on the QEMU command line turns this into an exit.
reboot -f
