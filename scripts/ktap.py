#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ktap.py INDEX NAME LOG RESULTS [WHY]: one test's KTAP subtest block.

A test prints its plan ("1..N", the number of cases it will report)
before its verdicts, and one line per case:
    PASS: name    FAIL: name: why    SKIP: name: why
This prints them as a KTAP subtest (Documentation/dev-tools/ktap.rst):
the test's own output as diagnostic lines, its plan, one result line per
case, and the test's result line at INDEX. A case the plan promised but
the test never reported is a failure, and so is a missing plan or more
verdicts than planned. WHY, when given, is one more failed case from the
harness (killed after its time, exited without a verdict, ...). The
cases, as PASS/FAIL/SKIP lines, are appended to RESULTS for the count.
"""
import re
import sys


def cases(lines):
    """(plan or None, [(status, text)]) from a test's output."""
    plan, out = None, []
    for line in lines:
        m = re.fullmatch(r'1\.\.(\d+)', line)
        if m and plan is None and not out:
            plan = int(m[1])
        m = re.match(r'(PASS|FAIL|SKIP): (.*)', line)
        if m:
            out.append((m[1], m[2]))
    return plan, out


def main():
    index, name, log, results = sys.argv[1:5]
    why = sys.argv[5] if len(sys.argv) > 5 else ''
    with open(log, errors='replace') as f:
        lines = f.read().splitlines()
    plan, found = cases(lines)
    if plan is None and not (why and not found):
        found.append(('FAIL', '%s: printed no plan line before its verdicts' % name))
    elif plan is not None and len(found) < plan:
        found += [('FAIL', '%s: planned case %d not reported' % (name, i + 1))
                  for i in range(len(found), plan)]
    elif plan is not None and len(found) > plan:
        found.append(('FAIL', '%s: %d verdicts, more than its plan of %d'
                      % (name, len(found), plan)))
    if why:
        found.append(('FAIL', '%s: %s' % (name, why)))

    out = ['    KTAP version 1', '    # Subtest: %s' % name, '    1..%d' % len(found)]
    for i, (status, text) in enumerate(found, 1):
        text = text.replace('#', '%')
        if status == 'PASS':
            out.append('    ok %d %s' % (i, text))
        elif status == 'SKIP':
            out.append('    ok %d %s # SKIP' % (i, text))
        else:
            out.append('    not ok %d %s' % (i, text))
    failed = any(s == 'FAIL' for s, _ in found)
    out.append('%s %s %s' % ('not ok' if failed else 'ok', index, name))
    print('\n'.join(out), flush=True)
    with open(results, 'a') as f:
        f.writelines('%s: %s\n' % case for case in found)


if __name__ == '__main__':
    main()
