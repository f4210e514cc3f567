# SPDX-License-Identifier: GPL-2.0
# Sourced by /init: what an admin's tools show of steal time, and our own
# debugfs view. steal.secs= sets how many vmstat samples (default 3).
secs=$(sed -n 's/.*steal\.secs=\([0-9]*\).*/\1/p' /proc/cmdline)
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing
echo "--- steal_time/status"
cat /sys/kernel/debug/steal_time/status
echo "--- steal_time/cpus"
cat /sys/kernel/debug/steal_time/cpus
echo "--- modes"
stat -c '%a %U %n' /sys/kernel/debug/steal_time/*
echo "--- events"
ls /sys/kernel/tracing/events/steal_time/ /sys/kernel/tracing/events/sched/ | grep steal
echo "--- vmstat"
/usr/bin/vmstat 1 "${secs:-3}"
echo "--- top"
TERM=linux /usr/bin/top -b -n 1 -w 120 2>&1 | head -n 5
echo "--- proc-stat"
grep '^cpu' /proc/stat
echo "--- steal_time/cpus after"
cat /sys/kernel/debug/steal_time/cpus
echo "--- end"
