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
