# SPDX-License-Identifier: GPL-2.0
# Sourced by /init, twice: the first kernel loads the kernel and initramfs
# under /kexec and kexecs into them with steal.stage=2 added; the second
# shows our debugfs view and runs the shell for the host to compare steal.
mount -t debugfs debugfs /sys/kernel/debug
if grep -q 'steal\.stage=2' /proc/cmdline; then
	echo "--- second kernel"
	echo "--- steal_time/cpus"
	cat /sys/kernel/debug/steal_time/cpus
	echo "--- busy"
	. /guest/shell.sh
else
	echo "--- first kernel"
	kexec -l /kexec/bzImage --initrd=/kexec/initrd.gz \
		--append="$(cat /proc/cmdline) steal.stage=2" &&
		echo "--- kexec" && kexec -e
	echo "--- kexec failed"
fi
