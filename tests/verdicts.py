# SPDX-License-Identifier: GPL-2.0
"""What the tests report: their KTAP plan and one verdict line per case
(tests/run-all.sh turns them into KTAP), and the guests' KUnit results
read with the kernel's own KTAP parser."""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts'))
from hosts import BUILD, Hogs, TOP  # noqa: E402
from steal_figures import AGREEMENT_WINDOW, disagreement, measure, table  # noqa: E402


def check_agreement(guest, name, title, window=AGREEMENT_WINDOW):
    """With one hog pinned to each vCPU's host core, every vCPU's /proc/stat
    steal must match its thread's run_delay within 2% over the window.
    The guest must be running guest/shell.sh."""
    if not guest.wait_shell(120):
        return check(name, False, 'the guest shell did not answer')
    guest.pin_vcpus()
    hogs = Hogs(guest.cores)
    try:
        measure(guest, 1)
        busy = measure(guest, window)
    finally:
        hogs.stop()
    print(table(title, window, busy))
    why = disagreement(busy, window)
    return check(name, not why, why)


def plan(cases):
    """Print the test's KTAP plan: how many verdict lines it will print,
    before the first of them (tests/run-all.sh fails a test whose plan and
    verdicts disagree)."""
    print('1..%d' % cases, flush=True)


# Where each of our KUnit suites is defined.
KUNIT_SOURCES = {'steal_time_core': 'kernel/steal_time_kunit.c',
                 'kvm_steal_time': 'arch/x86/kernel/kvm_steal_time_kunit.c',
                 'sbi_steal_time': 'arch/riscv/kernel/sbi_steal_time_kunit.c',
                 'pvtime_steal_time': 'arch/arm64/kernel/pvtime_steal_time_kunit.c'}


def kunit_cases(suites):
    """How many cases the suites have, counted in their sources: how many
    verdicts report_kunit() prints for a complete run of them."""
    n = 0
    for suite in suites:
        with open(os.path.join(TOP, KUNIT_SOURCES[suite])) as f:
            n += len(re.findall(r'^\s*KUNIT_CASE\w*\(', f.read(), re.M))
    return n


def check(name, ok, why=''):
    """Print a test case's verdict line, as tests/run-all.sh counts them;
    every verdict of our tests goes through here or skip()."""
    print(('PASS: %s' % name) if ok else ('FAIL: %s: %s' % (name, why)), flush=True)
    return ok


def skip(name, why):
    """A case that did not run, and why: counted as skipped, which make
    check reports (a case that could run here must not skip)."""
    print('SKIP: %s: %s' % (name, why), flush=True)


def kunit_parser():
    """The kernel's own KTAP parser, tools/testing/kunit/kunit_parser.py,
    from the base tree our kernels are built from."""
    base = os.environ.get('KSRC') or os.path.join(BUILD, 'base', 'linux')
    path = os.path.join(base, 'tools', 'testing', 'kunit')
    if path not in sys.path:
        sys.path.insert(0, path)
    import kunit_parser as parser
    return parser


def ktap_lines(console):
    """The console's lines that carry KTAP. Another CPU or a driver may
    print between two KTAP lines at any time, at the top level where the
    kernel's parser takes a line it does not know as the end of a header:
    "random: crng init done" between a suite's "KTAP version" and its
    "# Subtest:" line leaves that suite without a name, and it is then
    reported as never run (a riscv64 run showed the symptom; the line
    in between is a guess, as the console was not kept). So a line that is
    neither indented nor KTAP is left out. So is a "KTAP version" line that
    repeats the KTAP line before it: a doubled top-level header makes the
    parser put every suite one level down (seen on the real host)."""
    out, last = [], None
    for line in console.splitlines():
        body = re.sub(r'^\[[ .0-9]+\] ', '', line)
        if not re.match(r'\s|KTAP version |1\.\.|ok |not ok |#', body):
            continue
        if re.fullmatch(r'\s*KTAP version \d+', body) and body == last:
            continue
        if re.match(r'\s*(KTAP version |1\.\.|ok |not ok |# Subtest:)', body):
            last = body
        out.append(line)
    return out


def suites_ktap(parser, lines):
    """{suite: its KTAP lines}: each suite's block of the guest's KTAP as
    the kernel printed it (console prefix taken off by the kernel's
    parser), one level out, without the suite's own result line."""
    out, block = {}, []
    stream = parser.extract_tap_lines(lines)
    while stream:
        line = stream.pop()
        if line.startswith('    '):
            block.append(line[4:])
            continue
        m = re.match(r'(?:not )?ok \d+ (\S+)', line)
        if m:
            out[m[1]], block = block, []
    return out


def report_kunit(console, suites, label, inactive=None):
    """Parse the KUnit results in a boot log with the kernel's own parser
    (which prints its usual summary), then print, per suite, its KTAP as
    the guest printed it and one verdict line per case, for
    scripts/ktap.py to nest; every suite must have run, complete. A case
    that skips itself with the reason inactive (it needs a host offering
    steal time, and another test runs it on one) passes as having seen
    that this host offers none. Returns {suite.case: status name}."""
    parser = kunit_parser()
    lines = [line + '\n' for line in ktap_lines(console)]
    run = parser.parse_run_tests(lines)
    ktap = suites_ktap(parser, lines)
    ok, skipped = parser.TestStatus.SUCCESS, parser.TestStatus.SKIPPED
    results = {}
    for suite in run.subtests:
        print('KTAP-NEST-BEGIN %s %s' % (label, suite.name))
        for line in ktap.get(suite.name, []):
            print('KTAP> ' + line)
        for case in suite.subtests:
            name = '%s %s.%s' % (label, suite.name, case.name)
            results['%s.%s' % (suite.name, case.name)] = case.status.name
            m = re.search(r'ok \d+ %s # SKIP ?(.*)' % re.escape(case.name), console)
            why = m.group(1).strip() if m else ''
            if case.status == ok:
                check(name, True)
            elif case.status == skipped and inactive and inactive in why:
                check('%s sees no steal time offered: %s' % (name, why), True)
            elif case.status == skipped:
                skip(name, why)
            else:
                check(name, False, '%s; see the console log above' % case.status.name)
        if suite.counts.errors or suite.status == parser.TestStatus.TEST_CRASHED:
            check('%s %s' % (label, suite.name), False,
                  'the suite\'s KTAP output is incomplete (%d errors)' % suite.counts.errors)
        print('KTAP-NEST-END', flush=True)
    ran = {suite.name for suite in run.subtests}
    if not set(suites) <= ran:
        # For the next look: the console from its first KTAP line on (all
        # of it when it has none).
        at = console.find('KTAP version')
        start = console.rfind('\n', 0, at) + 1 if at >= 0 else 0
        print('\n'.join('console: ' + line for line in console[start:].splitlines()))
    for suite in suites:
        if suite not in ran:
            check('%s %s' % (label, suite), False, 'suite did not run')
    return results
