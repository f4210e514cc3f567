#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make run: boot a 2-vCPU guest with our steal time driver and show, per
vCPU, the steal the guest accounted (what /proc/stat, top and vmstat show)
next to the host's run_delay for that vCPU thread, without and with host
contention. On a host without usable KVM it boots under TCG and says why
steal stays 0."""
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
              '(build/linux-pvm)\nand guest user space cannot run, so the '
              'guest is read from the host via QEMU.\n')

    print('Booting a guest whose 2 vCPUs always want to run (idle=poll), '
          'vCPU threads pinned one per host core ...')
    g = guestlib.boot_for_steal(kind, 'steal-run')
    try:
        print('\n'.join('  ' + l for l in driver_lines(g.console())))
        guestlib.measure(g, 1)
        print()
        print(guestlib.table('No host contention', QUIET,
                             guestlib.measure(g, QUIET)))
        print('\nStarting one CPU-bound host process pinned to each vCPU\'s '
              'core (host cores %s) ...' % g.cores)
        hogs = guestlib.Hogs(g.cores)
        try:
            busy = guestlib.measure(g, BUSY)
        finally:
            hogs.stop()
        print(guestlib.table('With host contention', BUSY, busy))
        if kind == 'tcg':
            print('\nThe host stole about %.1f s from each vCPU thread, but '
                  'under TCG the guest\ncannot know: st stays 0. On a KVM host '
                  'the two columns match.' %
                  (sum(d['host'] for d in busy) / len(busy) / 1e9))
    finally:
        g.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
