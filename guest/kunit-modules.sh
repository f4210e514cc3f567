# SPDX-License-Identifier: GPL-2.0
# Sourced by /init: load the KUnit suites built as modules; each runs its
# suite as it loads, and the results go to the kernel log. The core's
# suite also attaches probes to its tracepoints (trace=1).
for m in /kmod/*.ko; do
	case $m in
	*/steal_time_kunit.ko) insmod "$m" trace=1 ;;
	*) insmod "$m" ;;
	esac || echo "insmod $m failed"
done
echo "--- loaded"
cut -d' ' -f1 /proc/modules
echo "--- end"
