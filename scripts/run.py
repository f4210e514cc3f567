#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make run: boot a 2-vCPU guest with our steal time driver on a real KVM
host and show, second by second, the guest's own `vmstat 1` (its st
column is what admins see) next to the host's run_delay for each vCPU
thread: quiet, then with one CPU-bound host process pinned to each vCPU's
core, then quiet again. Ends with the totals per phase and a plot.

Where this machine has no hardware KVM, it runs inside the nested KVM host
(scripts/nested-host), and says so."""
import os
import sys
import time

import hosts
import qemu_guest
import steal_figures

QUIET, BUSY = 6, 12


def driver_lines(log):
    return [l for l in log.splitlines() if 'steal-time' in l or 'steal time' in l]


def vmstat_second(g):
    """One `vmstat 1 2` in the guest: its second row covers the last second.
    Returns (the header, that row, samples before and after, seconds taken)."""
    t0 = time.time()
    before = steal_figures.sample(g, g.tids)
    out = g.shell('vmstat 1 2').splitlines()
    after = steal_figures.sample(g, g.tids)
    return out[1], out[-1], before, after, time.time() - t0


def main():
    kind = hosts.kvm_host()
    _, reason = hosts.host_kind()
    where = os.environ.get('STEAL_NESTED_HOST')
    print('Host: %s (%s)%s' % (kind, reason, ', inside the nested KVM host: ' + where
                                if where else ''))
    print('Booting a guest whose 2 vCPUs always want to run (idle=poll), '
          'vCPU threads pinned one per host core ...', flush=True)
    g = qemu_guest.boot_for_steal(kind, 'steal-run')
    phases = [(QUIET, False), (BUSY, True), (QUIET, False)]
    points = []
    start = time.time()
    try:
        print('\n'.join('  ' + l for l in driver_lines(g.console())))
        print('\nGuest `vmstat 1` (st: % of the guest\'s CPU time stolen) and, '
              'per vCPU thread, the\nhost\'s run_delay in that second as % of it.\n')
        took = []
        for seconds, contended in phases:
            begin = time.time()
            hogs = hosts.Hogs(g.cores) if contended else None
            try:
                end = time.time() + seconds
                while time.time() < end:
                    head, row, s0, s1, span = vmstat_second(g)
                    d = steal_figures.deltas(s0, s1)
                    if not points:
                        print('  time  contended | %s | host run_delay %%' % head.strip())
                    host = ['%5.1f' % (100.0 * x['host'] / 1e9 / span) for x in d]
                    print('%6.1f  %9s | %s | %s' % (time.time() - start,
                                                   'yes' if contended else 'no',
                                                   row.strip(), ' '.join(host)), flush=True)
                    points.append((time.time() - start, s1))
            finally:
                if hogs:
                    hogs.stop()
            # A phase lasts until its last vmstat second ends.
            took.append((time.time() - begin, contended))
    finally:
        g.stop()

    def at(t):
        return min(points, key=lambda p: abs(p[0] - t))[1]
    q, b = took[0][0], took[0][0] + took[1][0]
    print()
    print(steal_figures.table('Quiet', q, steal_figures.deltas(points[0][1], at(q))))
    print(steal_figures.table('Contended', took[1][0], steal_figures.deltas(at(q), at(b))))
    print(steal_figures.table('Quiet again', took[2][0], steal_figures.deltas(at(b), points[-1][1])))
    png = os.path.join(hosts.BUILD, 'steal-run.png')
    if steal_figures.plot(points, took, png, 'Steal per vCPU, guest vs host (%s host)' % kind):
        print('\nPlot: %s' % png)
    return 0


if __name__ == '__main__':
    sys.exit(main())
