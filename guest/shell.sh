# SPDX-License-Identifier: GPL-2.0
# Sourced by /init: a shell on the second serial port (on a machine with
# one, arm64's and riscv64's virt, a virtio console), for the host to run
# what an admin would (read /proc/stat, debugfs, write sysfs) while it
# reads its own side.
grep -q ' /sys/kernel/debug ' /proc/mounts || mount -t debugfs debugfs /sys/kernel/debug
port=ttyS1
[ -c /dev/hvc0 ] && port=hvc0
echo "--- shell on $port"
# Raw, without echo, set on the open port (a later open resets it), and
# read as a script, so that the shell prompts and edits nothing.
sh -c 'stty raw -echo && exec sh /proc/self/fd/0' < /dev/$port > /dev/$port 2>&1
