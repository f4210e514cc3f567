# SPDX-License-Identifier: GPL-2.0
# Sourced by /init: Prometheus' node_exporter scraped over loopback, with
# /proc/stat read just before and just after the scrape.
ip link set lo up
/usr/bin/prometheus-node-exporter --web.listen-address=127.0.0.1:9100 \
	--collector.disable-defaults --collector.cpu > /tmp/exporter.log 2>&1 &
i=0
while [ "$i" -lt 60 ] && ! wget -q -O /dev/null http://127.0.0.1:9100/metrics; do
	sleep 1
	i=$((i + 1))
done
echo "--- scraping"
sleep "$(sed -n 's/.*steal\.secs=\([0-9]*\).*/\1/p' /proc/cmdline)"
echo "--- proc-stat before"
grep '^cpu[0-9]' /proc/stat
wget -q -O /tmp/metrics http://127.0.0.1:9100/metrics
echo "--- proc-stat after"
grep '^cpu[0-9]' /proc/stat
echo "--- node_cpu_seconds_total"
grep '^node_cpu_seconds_total' /tmp/metrics
echo "--- exporter log"
tail -n 5 /tmp/exporter.log
echo "--- end"
