#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-all.sh [TEST...]: runs the given tests/t-* (default: all, in order).
# Each prints one line per case:
#   PASS: name    FAIL: name: why    SKIP: name: why
# A test that exits non-zero without a FAIL line, or outlives its time
# (STEAL_TEST_TIMEOUT seconds, default 1200), counts as one failure.
#
# The tests named t-*-kvm-* need a real KVM host. Where this machine has
# no hardware KVM (scripts/host-kind says "nested"), they all run in one
# boot of the nested KVM host (scripts/nested-host), and their verdict
# lines are counted here as they come; the host gets STEAL_NESTED_TIMEOUT
# seconds (default 2400) for all of them, so that a hung host cannot
# outlast CI.
#
# The last line is "N passed, N failed, N skipped"; exit 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")"
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(t-*)
results=$(mktemp)
timeout=${STEAL_TEST_TIMEOUT:-1200}

one() {
	local t=$1 start=$SECONDS log rc
	echo "### $t"
	log=$(mktemp)
	timeout -k 10 "$timeout" ./"$t" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	grep -E '^(PASS|FAIL|SKIP):' "$log" >> "$results"
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "FAIL: $t: killed after $timeout s" | tee -a "$results"
	elif [ "$rc" != 0 ] && ! grep -q '^FAIL:' "$log"; then
		echo "FAIL: $t: exited $rc without a verdict" | tee -a "$results"
	fi
	rm -f "$log"
	echo "### $t: $((SECONDS - start)) s"
}

kind=$(../scripts/host-kind)
here=() nested=()
for t in "${tests[@]}"; do
	[ -x "$t" ] || continue
	case $t:$kind in
	t-*-kvm-*:nested:*) nested+=("$t") ;;
	*) here+=("$t") ;;
	esac
done

for t in "${here[@]}"; do
	one "$t"
done

if [ ${#nested[@]} -gt 0 ]; then
	echo "### ${nested[*]} in the nested KVM host (${kind#nested: })"
	start=$SECONDS
	log=$(mktemp)
	STEAL_HOST=kvm ../scripts/nested-host run \
		--timeout "${STEAL_NESTED_TIMEOUT:-2400}" -- \
		./run-all.sh "${nested[@]}" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	grep -E '^(PASS|FAIL|SKIP):' "$log" >> "$results"
	reason=$(grep '^nested-host: ' "$log" | grep -v ': up,\|: done in' | head -n 1)
	for t in "${nested[@]}"; do
		grep -q "^### $t: " "$log" ||
			echo "FAIL: $t: did not finish: ${reason:-the nested host exited $rc}" | tee -a "$results"
	done
	rm -f "$log"
	echo "### nested KVM host: $((SECONDS - start)) s"
fi

passed=$(grep -c '^PASS:' "$results")
failed=$(grep -c '^FAIL:' "$results")
skipped=$(grep -c '^SKIP:' "$results")
echo
echo "Not passed:"
grep -E '^(FAIL|SKIP):' "$results" | sed 's/^/  /'
rm -f "$results"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
