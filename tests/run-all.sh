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
# lines are counted here as they come. There each test gets
# STEAL_TEST_TIMEOUT seconds (default 600); a host that says nothing for
# longer, or whose kernel reports a soft lockup, has hung and is killed;
# the test it was running gets one more try, and the tests it never
# started run, in a fresh boot. (TCG's emulated SVM has been seen to
# leave KVM's vCPU threads stuck in the host: a fault of the emulated
# host, not of the guest.) The host gets
# STEAL_NESTED_TIMEOUT seconds (default 2400) in all, so that it cannot
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

# One boot of the nested host for the given tests; appends their verdicts
# to $results and sets "left" to the tests it never started.
nested_boot() {
	local log rc t reason verdicts started=0
	log=$(mktemp)
	STEAL_HOST=kvm STEAL_TEST_TIMEOUT=$nested_timeout ../scripts/nested-host run \
		--timeout $((nested_budget - (SECONDS - start))) \
		--quiet $((nested_timeout + 60)) -- \
		./run-all.sh "$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	reason=$(grep '^nested-host: ' "$log" | grep -v ': up,\|: done in' | head -n 1)
	verdicts=$(wc -l < "$log")
	left=()
	for t in "$@"; do
		if grep -q "^### $t: " "$log"; then
			started=1
		elif grep -q "^### $t\$" "$log"; then
			started=1
			# A host that hung under a test gets one more try at it
			# on a fresh boot, and what it said so far is dropped;
			# the test's own verdicts are never retried.
			if [[ "$reason" == *"locked up"* || "$reason" == *"said nothing"* ]] &&
			   [[ " $retried " != *" $t "* ]]; then
				echo "### $t: the nested host hung under it ($reason); it runs again on a fresh boot"
				retried+=" $t"
				left+=("$t")
				verdicts=$(($(grep -n "^### $t\$" "$log" | cut -d: -f1) - 1))
			else
				echo "FAIL: $t: did not finish: ${reason:-the nested host exited $rc}" | tee -a "$results"
			fi
		else
			left+=("$t")
		fi
	done
	head -n "$verdicts" "$log" | grep -E '^(PASS|FAIL|SKIP):' >> "$results"
	# A host that started nothing will not do better on the next boot.
	if [ "$started" = 0 ]; then
		for t in "${left[@]}"; do
			echo "FAIL: $t: did not start: ${reason:-the nested host exited $rc}" | tee -a "$results"
		done
		left=()
	fi
	rm -f "$log"
}

if [ ${#nested[@]} -gt 0 ]; then
	# The tests take a minute or two each in the host; a hung guest is
	# killed after this, and a hung host after as long without output.
	nested_timeout=${STEAL_TEST_TIMEOUT:-600}
	start=$SECONDS
	left=("${nested[@]}")
	nested_budget=${STEAL_NESTED_TIMEOUT:-2400}
	retried=""
	while [ ${#left[@]} -gt 0 ] && [ $((SECONDS - start)) -lt $((nested_budget - 120)) ]; do
		echo "### ${left[*]} in the nested KVM host (${kind#nested: })"
		nested_boot "${left[@]}"
		[ ${#left[@]} = 0 ] || echo "### the nested host stopped; booting it again for ${left[*]}"
	done
	for t in "${left[@]}"; do
		echo "FAIL: $t: did not start: the nested host's $nested_budget s were spent" | tee -a "$results"
	done
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
