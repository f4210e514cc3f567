# SPDX-License-Identifier: GPL-2.0
# Sourced by /init: suspend to RAM and back (the host runs system_wakeup),
# with our debugfs view before and after, then the shell for the host to
# compare steal with its run_delay.
mount -t debugfs debugfs /sys/kernel/debug
echo deep > /sys/power/mem_sleep
echo "--- mem_sleep"
cat /sys/power/mem_sleep
echo "--- steal_time/cpus before"
cat /sys/kernel/debug/steal_time/cpus
echo "--- suspending"
echo mem > /sys/power/state && echo "--- resumed" || echo "--- suspend failed"
echo "--- steal_time/cpus after"
cat /sys/kernel/debug/steal_time/cpus
echo "--- busy"
. /guest/shell.sh
