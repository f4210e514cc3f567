#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make run: boot a 2-vCPU guest with our steal time driver on a real KVM
host and show, second by second, the guest's own `vmstat 1` (its st
column is what admins see) next to the host's run_delay for each vCPU
thread: quiet, then with one CPU-bound host process pinned to each vCPU's
core, then quiet again. Ends with the totals per phase and a plot.

Where this machine has no hardware KVM, it runs inside the nested KVM host
(scripts/nested-host), and says so.

run.py arm64|riscv64 (make run ARCH=...): the same with our arm64 guest
(PV_TIME) or riscv64 guest (SBI STA) on a KVM host of that architecture,
the nested one on any other machine. Their busybox has no vmstat: each
second shows each vCPU's /proc/stat steal as a share of the second, and
the guest's vCPUs run a CPU-bound loop each, since idle=poll is x86's."""
import os
import sys
import time

import hosts
import qemu_guest
import steal_figures

QUIET, BUSY = 6, 12


def driver_lines(log):
    return [l for l in log.splitlines() if 'steal-time' in l or 'steal time' in l]


def stat_second(g):
    """One second of each vCPU's /proc/stat steal, read by the guest's
    shell, as % of the second: for a guest without vmstat."""
    t0 = time.time()
    before = steal_figures.sample_shell(g, g.tids)
    time.sleep(1)
    after = steal_figures.sample_shell(g, g.tids)
    span = time.time() - t0
    row = ' '.join('%5.1f' % (100.0 * (b[0] - a[0]) / 1e9 / span) for a, b in zip(before, after))
    return 'guest st % per vCPU', row, before, after, span


def vmstat_second(g):
    """One `vmstat 1 2` in the guest: its second row covers the last second.
    Returns (the header, that row, samples before and after, seconds taken)."""
    t0 = time.time()
    before = steal_figures.sample(g, g.tids)
    out = g.shell('vmstat 1 2').splitlines()
    after = steal_figures.sample(g, g.tids)
    return out[1], out[-1], before, after, time.time() - t0


def main():
    arch = sys.argv[1] if len(sys.argv) > 1 else 'x86_64'
    if arch == 'x86_64':
        kind = hosts.kvm_host()
        _, reason = hosts.host_kind()
    else:
        kind, reason = hosts.kvm_host_for(arch), 'an %s KVM host' % arch
    where = os.environ.get('STEAL_NESTED_HOST')
    print('Host: %s (%s)%s' % (kind, reason, ', inside the nested KVM host: ' + where
                                if where else ''))
    print('Booting a%s guest whose 2 vCPUs always want to run (%s), '
          'vCPU threads pinned one per host core ...'
          % (' ' + arch if arch != 'x86_64' else 'n x86_64',
             'idle=poll' if arch == 'x86_64' else 'a CPU-bound loop on each'), flush=True)
    g = qemu_guest.boot_for_steal(kind, 'steal-run', arch=arch, idle_poll=arch == 'x86_64')
    if arch != 'x86_64':
        qemu_guest.busy_vcpus(g)
    second = vmstat_second if arch == 'x86_64' else stat_second
    phases = [(QUIET, False), (BUSY, True), (QUIET, False)]
    points = []
    start = time.time()
    try:
        print('\n'.join('  ' + l for l in driver_lines(g.console())))
        print('\nGuest %s and, per vCPU thread, the\nhost\'s run_delay in that '
              'second as %% of it.\n' % ("`vmstat 1` (st: % of the guest's CPU time stolen)"
                                          if arch == 'x86_64' else
                                          "/proc/stat steal per vCPU as % of the second"))
        took = []
        for seconds, contended in phases:
            begin = time.time()
            hogs = hosts.Hogs(g.cores) if contended else None
            try:
                end = time.time() + seconds
                while time.time() < end:
                    head, row, s0, s1, span = second(g)
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
    if steal_figures.plot(points, took, png, 'Steal per vCPU, guest vs host (%s %s host)'
                          % (arch, kind)):
        print('\nPlot: %s' % png)
    return 0


if __name__ == '__main__':
    sys.exit(main())
