# SPDX-License-Identifier: GPL-2.0
# Sourced by /init: what an admin looks at first.
echo "--- /proc/stat"
grep '^cpu' /proc/stat
echo "--- dmesg | grep -i steal"
dmesg | grep -i steal
