# SPDX-License-Identifier: GPL-2.0
# Sourced by /init: Prometheus' node_exporter scraped over loopback.
ip link set lo up
/usr/bin/prometheus-node-exporter --web.listen-address=127.0.0.1:9100 \
	--collector.disable-defaults --collector.cpu > /tmp/exporter.log 2>&1 &
i=0
while [ "$i" -lt 30 ] && ! wget -q -O /tmp/metrics http://127.0.0.1:9100/metrics; do
	sleep 1
	i=$((i + 1))
done
echo "--- node_cpu_seconds_total"
grep '^node_cpu_seconds_total' /tmp/metrics
echo "--- proc-stat"
grep '^cpu[0-9]' /proc/stat
echo "--- exporter log"
tail -n 5 /tmp/exporter.log
echo "--- end"
