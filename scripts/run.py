#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make run: boot a 2-vCPU guest with our steal time driver and show, per
vCPU, the steal the guest accounted (what /proc/stat, top and vmstat show)
next to the host's run_delay for that vCPU thread, without and with host
contention. On a host without usable KVM it boots under TCG and says why
steal stays 0."""
import os
import sys

import guestlib

QUIET, BUSY = 5, 10


def driver_lines(log):
    return [l for l in log.splitlines() if 'steal-time' in l or 'steal time' in l]


def main():
    kind, reason = guestlib.host_kind()
    print('Host: %s (%s)' % (kind, reason))
    if kind == 'tcg':
        print('No usable KVM here, so the guest runs under TCG (software '
              'emulation). TCG offers\nno steal time: our driver must stay '
              'inactive and st must stay 0.\n')
        g = guestlib.Guest('tcg', append='kunit.enable=0 steal.run=stat').start()
        g.wait_exit(120)
        g.stop()
        log = g.console()
        print('Guest console (driver and /proc/stat):')
        print('\n'.join('  ' + l for l in
                         driver_lines(log[:log.find('=== guest-begin')])))
        out = log[log.find('--- /proc/stat'):log.find('--- dmesg')]
        print('\n'.join('  ' + l for l in out.splitlines()))
        print()
    elif kind == 'pvm':
        print('KVM with the PVM vendor module: the test-host quirks are applied '
              '(build/pvm/linux)\nand guest user space cannot run, so the '
              'guest is read from the host via QEMU.\n')

    print('Booting a guest whose 2 vCPUs always want to run (idle=poll), '
          'vCPU threads pinned one per host core ...')
    g = guestlib.boot_for_steal(kind, 'steal-run')
    try:
        print('\n'.join('  ' + l for l in driver_lines(g.console())))
        guestlib.measure(g, 1)
        print('\nSampling for %d s: %d s quiet, %d s with one CPU-bound host '
              'process pinned to each\nvCPU\'s core (host cores %s), %d s quiet '
              '...' % (QUIET + BUSY + QUIET, QUIET, BUSY, g.cores, QUIET))
        phases = [(QUIET, False), (BUSY, True), (QUIET, False)]
        points = guestlib.timeline(g, phases)
    finally:
        g.stop()

    def at(t):
        return min(points, key=lambda p: abs(p[0] - t))[1]
    busy = guestlib.deltas(at(QUIET), at(QUIET + BUSY))
    print()
    print(guestlib.table('No host contention', QUIET,
                         guestlib.deltas(at(0), at(QUIET))))
    print(guestlib.table('With host contention', BUSY, busy))
    print(guestlib.table('Contention gone', QUIET,
                         guestlib.deltas(at(QUIET + BUSY), points[-1][1])))
    png = os.path.join(guestlib.BUILD, 'steal-run.png')
    if guestlib.plot(points, phases, png, 'Steal per vCPU, guest vs host (%s host)' % kind):
        print('\nPlot: %s' % png)
    if kind == 'tcg':
        print('\nThe host stole about %.1f s from each vCPU thread, but '
              'under TCG the guest\ncannot know: st stays 0. On a KVM host '
              'the two columns match.' %
              (sum(d['host'] for d in busy) / len(busy) / 1e9))
    return 0


if __name__ == '__main__':
    sys.exit(main())
