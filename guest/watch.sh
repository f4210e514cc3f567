# SPDX-License-Identifier: GPL-2.0
# Sourced by /init: print the cpu lines of /proc/stat every second, for as
# long as steal.secs= says (default 10), so the host can compare.
secs=$(sed -n 's/.*steal\.secs=\([0-9]*\).*/\1/p' /proc/cmdline)
i=0
while [ "$i" -lt "${secs:-10}" ]; do
	echo "--- $(cut -d' ' -f1 /proc/uptime)"
	grep '^cpu[0-9]' /proc/stat
	sleep 1
	i=$((i + 1))
done
# And what cgroup v2 says of steal, for a cgroup with a busy task in it.
mkdir -p /sys/fs/cgroup
if mount -t cgroup2 none /sys/fs/cgroup; then
	mkdir /sys/fs/cgroup/busy
	sh -c 'while :; do :; done' </dev/null >/dev/null 2>&1 &
	echo $! > /sys/fs/cgroup/busy/cgroup.procs
	sleep 1
	kill $!
	echo "--- cgroup busy cpu.stat"
	cat /sys/fs/cgroup/busy/cpu.stat
	echo "--- cgroup root cpu.stat"
	cat /sys/fs/cgroup/cpu.stat
fi
echo "--- end"
