# SPDX-License-Identifier: GPL-2.0
"""Another architecture's guest on a real KVM host of that architecture:
Linux's own KVM publishing steal time through the ABI (arm64 PV_TIME,
RISC-V SBI STA) from the vCPU threads' run_delay. Where the machine is
not of that architecture, the host is Debian's kernel for it booted
under TCG (scripts/nested-host --arch), and the test runs inside it.

The guest's vCPUs run a CPU-bound loop each, so that they always want to
run; the steal each vCPU's /proc/stat shows, read by the guest's own user
space: under pinned contention the last vCPU goes offline and online
CYCLES times (taken back and registered again each time, steal never
going back, in /proc/stat nor as the scheduler reads it, also where the
host starts its counter again at each registration, as RISC-V's KVM
does); then each vCPU's steal must match the host's run_delay for
its thread within 2%, and without contention stay near 0 (a steal clock
that went back at a re-registration would show there); with the host's
steal time off for that guest it stays 0."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts'))
import hosts  # noqa: E402
import qemu_guest  # noqa: E402
import steal_figures  # noqa: E402
import verdicts  # noqa: E402

WINDOW = steal_figures.AGREEMENT_WINDOW


CYCLES = 20


def cases(arch, off_opts):
    return ['%s-kvm driver active' % arch,
            '%s-kvm %d CPU offline/online cycles under contention' % (arch, CYCLES),
            '%s-kvm steal never goes back over the cycles' % arch,
            '%s-kvm one hog per core, after the cycles: guest/host within 2%%' % arch,
            '%s-kvm no contention, after the cycles: steal near 0' % arch,
            '%s-kvm host steal time off: silent, steal stays 0' % arch if off_opts is not None
            else '%s-kvm QEMU has no CPU property that hides steal time' % arch]


def steal_properties(g):
    """The properties of the guest's first vCPU whose name speaks of
    steal time, as QEMU's object model lists them."""
    cpu = g.qmp('query-cpus-fast')[0]['qom-path']
    return [p['name'] for p in g.qmp('qom-list', path=cpu)
            if p['name'] in ('sta', 'sbi-sta', 'ssta') or 'steal' in p['name']]


def boot(kind, arch, name, cpu_opts=''):
    g = qemu_guest.boot_for_steal(kind, name, arch=arch, idle_poll=False, cpu_opts=cpu_opts)
    qemu_guest.busy_vcpus(g)
    return g


def run(arch, backend, off_opts):
    """The cases for @arch, whose backend logs "@backend backend active";
    @off_opts turn the host's steal time off for the guest (QEMU's -cpu
    host options). Where QEMU cannot (@off_opts None: RISC-V, whose KVM
    offers SBI STA to every guest, and QEMU 10.0 has no property to take
    it away), the last case holds that QEMU still has none, so that a
    QEMU that gains one turns it red until the case is written."""
    kind = hosts.kvm_host_for(arch)
    names = cases(arch, off_opts)
    verdicts.plan(len(names))
    print('Host: %s' % os.environ.get('STEAL_NESTED_HOST', 'this machine (%s)' % kind))

    g = boot(kind, arch, arch + '-kvm')
    try:
        log = g.console()
        active = 'steal-time: %s backend active' % backend in log
        if not verdicts.check(names[0], active, 'no "%s backend active" line' % backend):
            print(log)
            sys.exit(1)
        hogs = hosts.Hogs(g.cores)
        try:
            why_cycles, why_back = steal_figures.hotplug_cycles(g, CYCLES, timeout=600)
            verdicts.check(names[1], not why_cycles, why_cycles)
            verdicts.check(names[2], not why_back, why_back)
            # The last vCPU's loop lost its CPU when it went offline.
            qemu_guest.busy_vcpus(g)
            steal_figures.measure(g, 1)
            busy = steal_figures.measure(g, WINDOW)
        finally:
            hogs.stop()
        print(steal_figures.table('One pinned hog per vCPU core', WINDOW, busy))
        why = steal_figures.disagreement(busy, WINDOW)
        verdicts.check(names[3], not why, why)
        # A steal clock that went back at a re-registration, read raw,
        # shows here as steal that nothing took.
        steal_figures.measure(g, 2)
        idle = steal_figures.measure(g, WINDOW)
        print(steal_figures.table('No contention', WINDOW, idle))
        bad = [cpu for cpu, d in enumerate(idle) if d['stat'] > 0.02 * WINDOW * 1e9]
        verdicts.check(names[4], not bad, 'vCPU %s over 2%% of the window' % bad)
        if off_opts is None:
            props = steal_properties(g)
            verdicts.check(names[5], not props, 'QEMU now has %s: write the case' % props)
            return
    finally:
        g.stop()

    g = boot(kind, arch, arch + '-kvm-off', cpu_opts=off_opts)
    try:
        quiet = 'steal-time:' not in g.console()
        hogs = hosts.Hogs(g.cores)
        try:
            off = steal_figures.measure(g, WINDOW // 2)
        finally:
            hogs.stop()
        print(steal_figures.table('Steal time off (-cpu host%s), one hog per core'
                                  % off_opts, WINDOW // 2, off))
        bit = min(d['host'] for d in off) >= 0.1 * (WINDOW // 2) * 1e9
        zero = all(d['stat'] == 0 for d in off)
        verdicts.check(names[5], quiet and zero and bit,
                       'quiet=%s zero=%s contention bit=%s' % (quiet, zero, bit))
    finally:
        g.stop()
