#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs every executable tests/t-* in order. Each prints one line per case:
#   PASS: name    FAIL: name: why    SKIP: name: why
# A test that exits non-zero without a FAIL line counts as one failure.
# The last line is "N passed, N failed, N skipped"; exit 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")"
results=$(mktemp)
for t in t-*; do
	[ -x "$t" ] || continue
	echo "### $t"
	start=$SECONDS
	log=$(mktemp)
	./"$t" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	grep -E '^(PASS|FAIL|SKIP):' "$log" >> "$results"
	if [ "$rc" != 0 ] && ! grep -q '^FAIL:' "$log"; then
		echo "FAIL: $t: exited $rc without a verdict" | tee -a "$results"
	fi
	rm -f "$log"
	echo "### $t: $((SECONDS - start)) s"
done
passed=$(grep -c '^PASS:' "$results")
failed=$(grep -c '^FAIL:' "$results")
skipped=$(grep -c '^SKIP:' "$results")
echo
echo "Not passed:"
grep -E '^(FAIL|SKIP):' "$results" | sed 's/^/  /'
rm -f "$results"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
