#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-all.sh [TEST...]: runs the given tests/t-* (default: all, in order)
# and reports in KTAP (Documentation/dev-tools/ktap.rst), one subtest per
# test. Each test prints its plan ("1..N") and then one line per case:
#   PASS: name    FAIL: name: why    SKIP: name: why
# which scripts/ktap.py turns into the subtest's results; a planned case
# that never came is a failure. What the tests print besides goes out as
# KTAP diagnostic lines ("# ..."). A test that exits non-zero without a
# FAIL line, or outlives its time (STEAL_TEST_TIMEOUT seconds, default
# 1200; t-12-series: STEAL_SERIES_TIMEOUT, see beside_start()), gets one
# more failed case.
#
# The tests named t-*-kvm-* need a real KVM host. Where this machine has
# no hardware KVM (scripts/host-kind says "nested"), they all run in one
# boot of the nested KVM host (scripts/nested-host), which runs this
# script with STEAL_REPORT=raw: plain output with "### TEST" markers,
# which the run outside reads back test by test. There each test gets
# STEAL_TEST_TIMEOUT seconds (default 600); a host that says nothing for
# longer, whose heartbeat stops, or whose kernel finds a CPU stuck for
# two minutes, has hung and is killed (scripts/nested-host says when);
# then, when its QEMU exits under a test, or when a test died without a
# verdict while the host's kernel reported a stall of its own, the test
# gets up to two more tries, and the tests it never started run, in a
# fresh boot. (TCG's emulated SVM has been seen to leave KVM's vCPU
# threads stuck in the host, and to reset the host outright: faults of
# the emulated host, not of the guest.) The host gets
# STEAL_NESTED_TIMEOUT seconds (default 2400) in all, so that it cannot
# outlast CI. A KVM test that died of a
# silent guest reset alone, on a KVM host that is itself a virtual
# machine, runs once more (see one()). t-12-series runs beside the tests
# after it (see beside_start()). The tests named t-*-arm64-kvm and
# t-*-riscv64-kvm need a KVM host of that architecture, which only a
# machine of it has: elsewhere each boots one inside scripts/nested-host
# (hosts.kvm_host_for()). They run last, when nothing runs beside them.
#
# Every retry, those above and those of the nested host's boots, is
# printed as "### retry: TEST: why" and listed in the summary ("retried:
# N"); more than STEAL_MAX_RETRIES of them (default 3) is one more
# failure, so that a fault that starts to happen often turns the run red
# instead of passing on a later try. This script is the only one that
# retries.
#
# The last line is "N passed, N failed, N skipped"; exit 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")"
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(t-*)
results=$(mktemp)
retries=$(mktemp)
logs=$(mktemp -d)
timeout=${STEAL_TEST_TIMEOUT:-1200}
raw=false
[ "${STEAL_REPORT:-}" = raw ] && raw=true
index=0

# What is not a result is a KTAP diagnostic line; a guest's KUnit KTAP
# (verdicts.py marks it) goes into the test's subtest instead.
diag() {
	if $raw; then cat; else sed -u '/^KTAP> /d; /^KTAP-NEST-/d; s/^/# /'; fi
}

# report TEST LOG [WHY]: the test's KTAP subtest, its cases counted.
report() {
	index=$((index + 1))
	../scripts/ktap.py "$index" "$1" "$2" "$results" "${3:-}"
}

one() {
	local t=$1 start=$SECONDS rc try tries why
	echo "### $t" | diag
	# A KVM host that is itself a virtual machine (the nested host) has
	# been seen to reset a guest, upstream's as well as ours, its kernel
	# silent: a KVM test that died of that alone, without a verdict, runs
	# again, up to twice in all, or as often as a line
	# "tries-on-guest-reset: N" in the test allows. A test that boots a
	# nested host of another architecture itself (t-*-arm64-kvm,
	# t-*-riscv64-kvm) runs again, up to twice in all, if that host hung
	# or died under it before a verdict. Verdicts are never retried; on a
	# KVM host on bare metal nothing is.
	tries=1
	if [[ $t == t-*-kvm-* ]] && grep -qw hypervisor /proc/cpuinfo; then
		tries=$(sed -n 's/^tries-on-guest-reset: \([0-9]\+\).*/\1/p' "$t" | head -n 1)
		tries=${tries:-2}
	elif [[ $t == t-*-arm64-kvm || $t == t-*-riscv64-kvm ]]; then
		tries=2
	fi
	for ((try = 1; ; try++)); do
		timeout -k 10 "$timeout" ./"$t" 2>&1 | tee "$logs/$t.log" | diag
		rc=${PIPESTATUS[0]}
		[ "$rc" != 0 ] && [ "$try" -lt "$tries" ] && ! grep -q '^FAIL:' "$logs/$t.log" || break
		if grep -q '^qemu_guest.GuestReset: ' "$logs/$t.log"; then
			why="the virtual host reset its guest, the guest's kernel silent"
		elif grep -q '^nested-host: the host ' "$logs/$t.log"; then
			why="its nested host $(sed -n 's/^nested-host: the host \(.*\); its console ends:$/\1/p' "$logs/$t.log" | head -n 1)"
		else
			break
		fi
		echo "### $t again: $why; what it said is dropped" | diag
		retry "$t" "try $try of $tries: $why"
	done
	verdict "$t" "$rc" $((SECONDS - start))
}

# retry TEST WHY: a retry, printed and counted.
retry() {
	echo "### retry: $1: $2" | tee -a "$retries" | diag
}

# verdict TEST STATUS SECONDS [LIMIT]: the test's subtest, from its log.
verdict() {
	local t=$1 rc=$2 log=$logs/$1.log why="" last
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		why="killed after ${4:-$timeout} s"
	elif [ "$rc" != 0 ] && ! grep -q '^FAIL:' "$log"; then
		why="exited $rc without a verdict"
		# Its last words say why: a Python traceback's exception
		# line (its message may run over many lines, a console's
		# tail, say), else its last line.
		last=$(awk '/^Traceback \(most recent call last\):$/ { tb = 1; next }
			tb && !/^[[:space:]]/ { exc = $0; tb = 0 }
			END { print exc }' "$log" | cut -c1-300)
		[ -n "$last" ] || last=$(grep -v '^[[:space:]]*$' "$log" | tail -n 1 | cut -c1-300)
		[ -z "$last" ] || why+="; it ended with: $last"
	fi
	if $raw; then
		[ -z "$why" ] || echo "### $t failed: $why"
	else
		report "$t" "$log" "$why"
	fi
	echo "### $t: $3 s" | diag
}

# t-12-series builds a kernel per patch on every core, while the tests
# after it mostly wait on one (Sphinx, guests under TCG): it runs beside
# them, and what it printed comes out when it is done. Its first build
# compiles a whole kernel, which with an empty compiler cache on two
# busy cores has taken 15 minutes and more: it gets STEAL_SERIES_TIMEOUT
# seconds (default 3600), so that its limit does not depend on how warm
# the cache is.
beside_test=t-12-series
beside_timeout=${STEAL_SERIES_TIMEOUT:-3600}
beside_start() {
	(
		start=$SECONDS
		timeout -k 10 "$beside_timeout" ./"$1" > "$logs/$1.log" 2>&1
		echo "$? $((SECONDS - start))" > "$logs/$1.status"
	) &
	beside_pid=$!
}
beside_end() {
	local rc secs
	wait "$beside_pid"
	echo "### $1 (it ran beside the tests above)" | diag
	diag < "$logs/$1.log"
	read -r rc secs < "$logs/$1.status"
	verdict "$1" "$rc" "$secs" "$beside_timeout"
}

kind=$(../scripts/host-kind)
here=() nested=() last=()
for t in "${tests[@]}"; do
	[ -x "$t" ] || continue
	case $t:$kind in
	t-*-kvm-*:nested:*) nested+=("$t") ;;
	t-*-arm64-kvm:* | t-*-riscv64-kvm:*) last+=("$t") ;;
	*) here+=("$t") ;;
	esac
done

if ! $raw; then
	echo "KTAP version 1"
	echo "1..$((${#here[@]} + ${#nested[@]} + ${#last[@]}))"
fi
beside=""
for t in "${here[@]}"; do
	if [ "$t" = "$beside_test" ] && ! $raw && [ ${#here[@]} -gt 2 ]; then
		beside_start "$t"
		beside=$t
	else
		one "$t"
	fi
done
[ -z "$beside" ] || beside_end "$beside"

# The lines between "### TEST" and "### TEST: N s" in a nested host's log;
# of a test that ran again, those after "### TEST again".
section() {
	awk -v t="$2" '$0 == "### " t { on = 1; n = 0; next }
		index($0, "### " t " again") == 1 { n = 0; next }
		index($0, "### " t ": ") == 1 { on = 0 }
		on { line[n++] = $0 }
		END { for (i = 0; i < n; i++) print line[i] }' "$1"
}

# again TEST WHY: TEST runs again on the nested host's next boot, a retry
# printed and counted, unless it has had its two more tries (then false).
again() {
	[ "$(grep -c -x "$1" <<<"$retried")" -lt 2 ] || return 1
	echo "### $1: $2; it runs again on a fresh boot" | diag
	retry "$1" "$2"
	retried+=$'\n'"$1"
	left+=("$1")
}

# host_hung REASON: scripts/nested-host killed the host as hung (it
# locked up, said nothing, or stopped its heartbeat).
host_hung() {
	[[ "$1" == *"locked up"* || "$1" == *"said nothing"* || "$1" == *"heartbeat"* ]]
}

# One boot of the nested host for the given tests; reports the tests it
# ran and sets "left" to the tests it never started or is to run again.
nested_boot() {
	local log rc t reason why trouble started=0
	log=$(mktemp)
	STEAL_HOST=kvm STEAL_REPORT=raw STEAL_TEST_TIMEOUT=$nested_timeout \
		../scripts/nested-host run \
		--timeout $((nested_budget - (SECONDS - start))) \
		--quiet $((nested_timeout + 60)) -- \
		./run-all.sh "$@" 2>&1 | tee "$log" | diag
	rc=${PIPESTATUS[0]}
	reason=$(grep '^nested-host: ' "$log" | grep -v ': up,\|: done in\|^nested-host: kernel: ' | head -n 1)
	# The retries inside the host: printed there, counted here.
	grep '^### retry: ' "$log" >> "$retries"
	left=()
	for t in "$@"; do
		if grep -q "^### $t: " "$log"; then
			started=1
			why=$(sed -n "s/^### $t failed: //p" "$log" | head -n 1)
			section "$log" "$t" > "$logs/$t.log"
			# A test that died without a verdict while the host's
			# kernel said a CPU or kthread of its own did not run
			# (see scripts/nested-host) failed on a host in trouble:
			# it runs again, as under a host that hung.
			trouble=$(grep -m 1 '^nested-host: kernel: ' "$logs/$t.log" | cut -c1-200)
			[[ "$why" == exited* ]] && [ -n "$trouble" ] &&
				again "$t" "it died without a verdict while the nested host's kernel said: ${trouble#nested-host: kernel: }" ||
				report "$t" "$logs/$t.log" "$why"
		elif grep -q "^### $t\$" "$log"; then
			started=1
			# A host that hung under a test gets two more tries at
			# it on fresh boots, and what it said so far is dropped;
			# the test's own verdicts are never retried: one that
			# had failed a case before the host hung is reported.
			section "$log" "$t" > "$logs/$t.log"
			{ host_hung "$reason" || [[ "$reason" == *"host exited"* ]]; } &&
				! grep -q '^FAIL:' "$logs/$t.log" &&
				again "$t" "the nested host hung or died under it ($reason)" ||
				report "$t" "$logs/$t.log" "did not finish: ${reason:-the nested host exited $rc}"
		else
			left+=("$t")
		fi
	done
	# A host that hung before its first test froze at boot: it boots once
	# more, printed and counted as a retry. One that started nothing for
	# another reason (no KVM, no package) will not do better next time.
	if [ "$started" = 0 ] && [ "$boot_retried" = 0 ] && host_hung "$reason"; then
		boot_retried=1
		echo "### the nested host hung before its first test; it boots again" | diag
		retry "nested host boot" "it hung before its first test ($reason)"
		rm -f "$log"
		return
	fi
	if [ "$started" = 0 ]; then
		for t in "${left[@]}"; do
			: > "$logs/$t.log"
			report "$t" "$logs/$t.log" "did not start: ${reason:-the nested host exited $rc}"
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
	boot_retried=0
	while [ ${#left[@]} -gt 0 ] && [ $((SECONDS - start)) -lt $((nested_budget - 120)) ]; do
		echo "### ${left[*]} in the nested KVM host (${kind#nested: })" | diag
		nested_boot "${left[@]}"
		[ ${#left[@]} = 0 ] ||
			echo "### the nested host stopped; booting it again for ${left[*]}" | diag
	done
	for t in "${left[@]}"; do
		: > "$logs/$t.log"
		report "$t" "$logs/$t.log" "did not start: the nested host's $nested_budget s were spent"
	done
	echo "### nested KVM host: $((SECONDS - start)) s" | diag
fi

for t in "${last[@]}"; do
	one "$t"
done

# Inside the nested host the run outside reads the verdicts and counts.
if $raw; then
	rm -rf "$results" "$retries" "$logs"
	exit 0
fi
nretries=$(grep -c '^### retry: ' "$retries")
max_retries=${STEAL_MAX_RETRIES:-3}
if [ "$nretries" -gt "$max_retries" ]; then
	echo "FAIL: retries: $nretries tries again, more than STEAL_MAX_RETRIES=$max_retries" >> "$results"
fi
passed=$(grep -c '^PASS:' "$results")
failed=$(grep -c '^FAIL:' "$results")
skipped=$(grep -c '^SKIP:' "$results")
{
	echo
	echo "retried: $nretries (at most $max_retries)"
	sed 's/^### retry: /  /' "$retries"
	echo "Not passed:"
	grep -E '^(FAIL|SKIP):' "$results" | sed 's/^/  /'
} | diag
rm -rf "$results" "$retries" "$logs"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
