# SPDX-License-Identifier: GPL-2.0
# Sourced by /init: a shell on the second serial port, for the host to run
# what an admin would (read /proc/stat, debugfs, write sysfs) while it
# reads its own side.
grep -q ' /sys/kernel/debug ' /proc/mounts || mount -t debugfs debugfs /sys/kernel/debug
echo "--- shell on ttyS1"
# Raw, without echo, set on the open port (a later open resets it), and
# read as a script, so that the shell prompts and edits nothing.
sh -c 'stty raw -echo && exec sh /proc/self/fd/0' < /dev/ttyS1 > /dev/ttyS1 2>&1
