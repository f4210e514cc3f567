#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ktap.py INDEX NAME LOG RESULTS [WHY]: one test's KTAP subtest block.

A test prints its plan ("1..N", the number of cases it will report)
before its verdicts, and one line per case:
    PASS: name    FAIL: name: why    SKIP: name: why
This prints them as a KTAP subtest (Documentation/dev-tools/ktap.rst):
its plan and one result line per case, and the test's result line at
INDEX. A case the plan promised but the test never reported is a
failure, and so is a missing plan or more verdicts than planned. WHY,
when given, is one more failed case from the harness (killed after its
time, exited without a verdict, ...). The cases, as PASS/FAIL/SKIP
lines, are appended to RESULTS for the count.

A guest's KUnit suite comes as a group (tests/verdicts.py):
    KTAP-NEST-BEGIN suite
    KTAP> ...          the suite's KTAP, as the guest's kernel printed it
    PASS: ...          our verdict on each of its cases
    KTAP-NEST-END
The guest's KTAP is nested unchanged, one level down, and the suite is
one result line of the test; its cases are counted one by one.
"""
import re
import sys


def entries(lines):
    """(plan or None, [case], [entry]): a case is (status, text); an entry
    is a case, or a group (suite, [KTAP line], [case])."""
    plan, cases, out, group = None, [], [], None
    for line in lines:
        m = re.fullmatch(r'1\.\.(\d+)', line)
        if m and plan is None and not cases:
            plan = int(m[1])
            continue
        if line.startswith('KTAP-NEST-BEGIN '):
            group = (line.split(' ', 1)[1], [], [])
            out.append(group)
        elif line == 'KTAP-NEST-END':
            group = None
        elif line.startswith('KTAP> ') and group:
            group[1].append(line[6:])
        else:
            m = re.match(r'(PASS|FAIL|SKIP): (.*)', line)
            if m:
                cases.append((m[1], m[2]))
                (group[2] if group else out).append((m[1], m[2]))
    return plan, cases, out


def result(i, status, text):
    text = text.replace('#', '%')
    if status == 'PASS':
        return '    ok %d %s' % (i, text)
    if status == 'SKIP':
        return '    ok %d %s # SKIP' % (i, text)
    return '    not ok %d %s' % (i, text)


def main():
    index, name, log, results = sys.argv[1:5]
    why = sys.argv[5] if len(sys.argv) > 5 else ''
    with open(log, errors='replace') as f:
        lines = f.read().splitlines()
    plan, found, out = entries(lines)
    extra = []
    if plan is None and not (why and not found):
        extra.append(('FAIL', '%s: printed no plan line before its verdicts' % name))
    elif plan is not None and len(found) < plan:
        extra += [('FAIL', '%s: planned case %d not reported' % (name, i + 1))
                  for i in range(len(found), plan)]
    elif plan is not None and len(found) > plan:
        extra.append(('FAIL', '%s: %d verdicts, more than its plan of %d'
                      % (name, len(found), plan)))
    if why:
        extra.append(('FAIL', '%s: %s' % (name, why)))
    out += extra
    found += extra

    text = ['    KTAP version 1', '    # Subtest: %s' % name, '    1..%d' % len(out)]
    for i, entry in enumerate(out, 1):
        if len(entry) == 2:
            text.append(result(i, *entry))
            continue
        suite, ktap, cases = entry
        text += ['        ' + line for line in ktap]
        statuses = {s for s, _ in cases}
        status = ('FAIL' if 'FAIL' in statuses or not cases else
                  'SKIP' if statuses == {'SKIP'} else 'PASS')
        # Named as its "# Subtest:" line names it, which KTAP parsers match.
        text.append(result(i, status, suite.split()[-1]))
    failed = any(s == 'FAIL' for s, _ in found)
    text.append('%s %s %s' % ('not ok' if failed else 'ok', index, name))
    print('\n'.join(text), flush=True)
    with open(results, 'a') as f:
        f.writelines('%s: %s\n' % case for case in found)


if __name__ == '__main__':
    main()
