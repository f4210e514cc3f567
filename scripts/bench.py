#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench: our steal time driver against upstream 6.12's, in one run.

Two guest kernels from the same base and the same configuration, both with
bench/kernel/steal_time_bench.c built in (build/bench-ours*/ and
build/bench-upstream*/). Each is booted in every mode (default,
no-steal-acc, host feature off) to time the steal clock, context switches
and CPU online; then each runs the end-to-end accuracy windows at 0, 1 and
2 pinned host hogs per vCPU core. Prints the tables and writes them, with
the machine and the commands, to bench/results-<host kind>.md.

Where the machine has no hardware KVM (host kind "nested"), the timings
run here under TCG with -icount, where they are exact instruction counts,
and the accuracy windows run inside the nested KVM host
(scripts/nested-host), which writes them to build/bench-accuracy.json for
this run to read; the timings with steal time active run in the nested
host under -icount, one boot of it per kernel (build/bench-active-KERNEL.json),
exact instruction counts too.
"""
import json

import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hosts  # noqa: E402
import qemu_guest  # noqa: E402
import steal_figures  # noqa: E402

KERNELS = ('ours', 'upstream')
# The function each kernel's scheduler steal clock resolves to, for the
# "by name" figures (bench/kernel/steal_time_bench.c).
CLOCK_FN = {'ours': 'kvm_st_clock', 'core': 'kvm_st_clock', 'upstream': 'kvm_steal_clock'}
# With steal time active also ours without per-cgroup steal (bench-core:
# patches/ without patches/cgroup/), for what that series costs.
ACTIVE_KERNELS = ('ours', 'core', 'upstream')
MODES = [('default', '', ''),
         ('no-steal-acc', 'no-steal-acc', ''),
         ('host feature off', '', ',kvm-steal-time=off')]
# Per place the guests run: benchmark parameters, boots per (mode,
# kernel), and the accuracy window.
PARAMS = {
    'kvm': ('calls=10000 samples=101 switches=20000 switch_samples=11 '
            'online_samples=11', 3, 10),
    'tcg': ('calls=10000 samples=11 switches=2000 switch_samples=5 '
            'online_samples=5', 1, 10),
}
# Under TCG the guest's TSC then advances one tick per guest instruction:
# the figures are exact instruction counts, the same in every run.
TCG_ICOUNT = ('-icount', 'shift=0,sleep=off')
TARGETS = {'read_vs_upstream': 1.05, 'read_vs_floor': 1.5,
           'switch_vs_upstream': 1.01, 'accuracy': (0.99, 1.01)}
TOP = hosts.TOP


def variant(kernel):
    return 'bench-' + kernel


# What each "after update" line of the benchmark times, and its key here.
AFTER_UPDATE = {'read': 'after_update', 'tick': 'tick_after_update',
                'clock in the root': 'clock_root_after_update',
                'clock in a cgroup': 'clock_cgroup_after_update'}


def parse(log):
    """The figures one boot's benchmark printed."""
    f = {}
    for m in re.finditer(r'steal_time_bench: read (local|remote): steal_clock '
                         r'([\d.]+) floor ([\d.]+) load ([\d.]+)', log):
        f['read_%s' % m[1]] = float(m[2])
        f['floor_%s' % m[1]] = float(m[3])
        f['load_%s' % m[1]] = float(m[4])
    for m in re.finditer(r'steal_time_bench: read (local|remote) by name: \S+ '
                         r'([\d.]+) floor ([\d.]+)', log):
        f['named_%s' % m[1]] = float(m[2])
        f['named_floor_%s' % m[1]] = float(m[3])
    for m in re.finditer(r'steal_time_bench: switch (same-cpu|cross-cpu|between cgroups): '
                         r'(\d+) ns/round trip (less steal )?\(', log):
        f['switch_%s%s' % ('own_' if m[3] else '', m[1])] = int(m[2])
    m = re.search(r'steal_time_bench: switch between cgroups: (\d+) us of steal', log)
    if m:
        f['switch_cgroups_steal_us'] = int(m[1])
    m = re.search(r'steal_time_bench: online: (\d+) us', log)
    if m:
        f['online_us'] = int(m[1])
    m = re.search(r'steal_time_bench: register: (\d+) cycles', log)
    if m:
        f['register_cycles'] = int(m[1])
    m = re.search(r'steal_time_bench: steal accounting: clock (\d), task clock (\d)', log)
    if m:
        f['accounting'] = (int(m[1]), int(m[2]))
    for m in re.finditer(r'steal_time_bench: (%s) ' % '|'.join(AFTER_UPDATE) +
                         r'after update: first (\d+) cycles, next (\d+) cycles \(median of (\d+)\)',
                         log):
        key = AFTER_UPDATE[m[1]]
        f[key + '_first'], f[key + '_next'], f[key + '_n'] = int(m[2]), int(m[3]), int(m[4])
    for m in re.finditer(r'steal_time_bench: (%s) ' % '|'.join(AFTER_UPDATE) +
                         r'after update: the first carried steal in (\d+) of (\d+)'
                         r'(?:; next when it carried none (\d+) cycles)?', log):
        key = AFTER_UPDATE[m[1]]
        f[key + '_carried'] = '%s of %s' % (m[2], m[3])
        if m[4]:
            f[key + '_plain'] = int(m[4])
    for m in re.finditer(r'steal_time_bench: (%s) ' % '|'.join(AFTER_UPDATE) +
                         r'after update: the next corrected the steal clock in (\d+ of \d+)', log):
        key = AFTER_UPDATE[m[1]]
        f[key + '_next_corrected'] = m[2]
    m = re.search(r'steal_time_bench: tsc_khz (\d+)', log)
    if m:
        f['tsc_khz'] = int(m[1])
    return f


# After each of this many host updates, in the writer's context: a run
# queue clock update with the shell in the root cgroup, then, the shell
# moved into a cgroup of its own (cgroup v2), the tick and the clock update
# again (where steal is charged per cgroup, the clock update charges it).
TICK_CGROUP = ('p=/sys/module/steal_time_bench/parameters; '
               'mkdir -p /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && '
               'echo %(n)d > $p/clock_updates && '
               'mkdir /sys/fs/cgroup/bench && echo $$ > /sys/fs/cgroup/bench/cgroup.procs && '
               'echo %(n)d > $p/tick_updates && echo %(n)d > $p/clock_updates && '
               'grep steal_usec /sys/fs/cgroup/bench/cpu.stat; '
               # The ping-pong between the shell's group and another's.
               'mkdir /sys/fs/cgroup/peer; '
               'sh -c "echo \\$\\$ > /sys/fs/cgroup/peer/cgroup.procs && exec sleep 3600" & '
               'until grep -qx $! /sys/fs/cgroup/peer/cgroup.procs; do sleep 1; done; '
               'echo $! > $p/switch_cgroups; kill $!; '
               'for g in bench peer; do echo $g $(grep -E "^(usage|steal)_usec" /sys/fs/cgroup/$g/cpu.stat); done')


def micro_boot(kind, kernel, mode, params=None, ticks=0):
    _, append, cpu_opts = mode
    params = params or PARAMS[kind][0]
    args = ('kunit.enable=0 steal_time_bench.run=1 steal_time_bench.clock_fn=%s '
            % CLOCK_FN[kernel]) + ' '.join('steal_time_bench.' + p for p in params.split())
    g = qemu_guest.Guest(kind, variant=variant(kernel),
                       name='bench-' + kernel, cpu_opts=cpu_opts,
                       append=args + ' steal.run=shell ' + append,
                       extra=TCG_ICOUNT if kind == 'tcg' else ()).start()
    try:
        g.pin_vcpus()
        if not g.wait_console(r'steal_time_bench: done', 1200):
            raise RuntimeError('%s kernel, %s: the benchmark did not finish:\n%s'
                               % (kernel, mode[0], g.console()))
        if ticks:
            if not g.wait_shell(600):
                raise RuntimeError('%s kernel: no guest shell:\n%s' % (kernel, g.console()))
            print('    [%s] %s' % (kernel, g.shell(TICK_CGROUP % {'n': ticks}, timeout=900).strip()))
            g.wait_console(r'steal_time_bench: clock in a cgroup after update', 60)
        log = g.console()
    finally:
        g.stop()
    for line in log.splitlines():
        if 'steal_time_bench:' in line:
            print('    [%s] %s' % (kernel, line.split('steal_time_bench: ', 1)[1]))
    return parse(log)


def median_of(boots, key):
    vals = [b[key] for b in boots if key in b]
    return statistics.median(vals) if vals else None


def micro(kind):
    """{mode name: {kernel: {figure: median over boots}}}"""
    rounds = PARAMS[kind][1]
    out = {}
    for mode in MODES:
        if kind == 'tcg' and mode[2]:
            continue            # no host feature to turn off under TCG
        boots = {k: [] for k in KERNELS}
        for r in range(rounds):
            # Alternate the order, so that neither kernel always goes first.
            order = KERNELS if r % 2 == 0 else KERNELS[::-1]
            for kernel in order:
                print('  %s kernel, %s, boot %d of %d' % (kernel, mode[0], r + 1, rounds),
                      flush=True)
                boots[kernel].append(micro_boot(kind, kernel, mode))
        keys = set().union(*(b.keys() for bs in boots.values() for b in bs))
        out[mode[0]] = {k: {key: (median_of(boots[k], key) if key != 'accounting'
                                  else boots[k][0].get(key))
                            for key in keys}
                        for k in KERNELS}
    return out


# With steal time active: every host core busy with a pinned hog from
# before the guest boots, so that the host preempts the vCPUs and
# publishes steal all the time; the read after each update is timed.
ACTIVE_PARAMS = ('calls=1000 samples=11 switches=500 switch_samples=5 '
                 'online_samples=0 updates=101')


def active(kind, kernels=ACTIVE_KERNELS):
    """{kernel: figures} from a boot of each kernel with steal time active."""
    out = {}
    for kernel in kernels:
        print('  %s kernel: steal clock with steal time active' % kernel, flush=True)
        hogs = hosts.Hogs(list(range(os.cpu_count())))
        try:
            out[kernel] = micro_boot(kind, kernel, MODES[0], ACTIVE_PARAMS, ticks=101)
        finally:
            hogs.stop()
    return out


# {part: boots of the nested host it took}, for the results: a boot that
# wrote nothing is a finding, not only a retry.
HOST_BOOTS = {}


def in_nested_host(what, icount=False, timeout=1200, args=()):
    """Run this script's --WHAT-to inside the nested KVM host, return what
    it wrote (build/bench-WHAT[-ARGS].json). A host that has not finished
    after timeout seconds is killed and booted once more: under -icount
    the host has been seen to freeze in either kernel's boot (a guest
    spinning on a lock with interrupts off, before configs/bench.config;
    since, the host's CPU with its APIC timer stopped)."""
    out = os.path.join(hosts.BUILD, 'bench-%s.json' % '-'.join((what,) + tuple(args)))
    name = ' '.join((what,) + tuple(args))
    for attempt in (1, 2):
        if os.path.exists(out):
            os.unlink(out)
        subprocess.run([os.path.join(TOP, 'scripts', 'nested-host'), 'run',
                        '--timeout', str(timeout)] + (['--icount'] if icount else []) +
                       ['--', os.path.abspath(__file__), '--%s-to' % what, out] + list(args))
        HOST_BOOTS[name] = attempt
        if os.path.exists(out) and os.path.getsize(out):
            break
        print('  the nested KVM host wrote no %s figures (boot %d)' % (name, attempt),
              flush=True)
    if not os.path.exists(out) or not os.path.getsize(out):
        raise RuntimeError('the nested KVM host wrote no %s figures' % name)
    with open(out) as f:
        return json.load(f)


def on_host(kind):
    """(accuracy, active): what needs a real KVM host. On the nested host
    the accuracy windows run in it as it is, and the active-steal timings
    in it under -icount (one CPU), where the guest's TSC counts
    instructions: exact figures, as for the timings under TCG here."""
    if kind == 'nested':
        # One host boot per kernel: a host that hangs costs only that
        # kernel's boot.
        act = {}
        for kernel in ACTIVE_KERNELS:
            act.update(in_nested_host('active', icount=True, timeout=600, args=(kernel,)))
        return in_nested_host('accuracy'), act
    return accuracy('kvm'), active('kvm')


def hog_windows(g, hogs_per_core, window):
    """[(hogs per core, per-vCPU deltas)]: a window at each number of
    pinned hogs per host core, after the boot's steal has passed."""
    steal_figures.measure(g, 2)
    runs = []
    for per_core in hogs_per_core:
        hogs = hosts.Hogs(g.cores * per_core) if per_core else None
        try:
            steal_figures.measure(g, 1)
            runs.append((per_core, steal_figures.measure(g, window)))
        finally:
            if hogs:
                hogs.stop()
    return runs


def accuracy(kind):
    """{'windows': {kernel: [(hogs per core, per-vCPU deltas)]},
    'sched': {kernel: {'local': sched view, 'remote': sched view}}}"""
    window = PARAMS['kvm'][2]
    kind = 'kvm'
    out = {'windows': {}, 'sched': {}}
    for kernel in KERNELS:
        print('  %s kernel: accuracy windows' % kernel, flush=True)
        g = qemu_guest.boot_for_steal(kind, 'bench-acc-' + kernel,
                                    variant=variant(kernel))
        try:
            out['windows'][kernel] = hog_windows(g, (0, 1, 2), window)
            views = {}
            for where in ('local', 'remote'):
                hogs = hosts.Hogs(g.cores)
                try:
                    views[where] = steal_figures.sched_view(g, window, where == 'remote')
                finally:
                    hogs.stop()
                print('    ' + steal_figures.sched_view_line(where, views[where]), flush=True)
            out['sched'][kernel] = views
        finally:
            g.stop()
    return out


FOREIGN = ('arm64', 'riscv64')


def foreign_accuracy(arch):
    """{kernel: [(hogs per core, per-vCPU deltas)]} for our @arch guest
    and upstream's (build/upstream-ARCH), on a KVM host of @arch: each
    vCPU runs a CPU-bound loop (idle=poll is x86's), at 0 and 1 pinned
    hogs per host core."""
    window = PARAMS['kvm'][2]
    out = {}
    for kernel, var in (('ours', arch), ('upstream', 'upstream-' + arch)):
        print('  %s %s kernel: accuracy windows' % (kernel, arch), flush=True)
        g = qemu_guest.boot_for_steal('kvm', 'bench-acc-%s-%s' % (kernel, arch), variant=var,
                                    arch=arch, idle_poll=False)
        try:
            qemu_guest.busy_vcpus(g)
            out['%s %s' % (kernel, arch)] = hog_windows(g, (0, 1), window)
        finally:
            g.stop()
    return out


def in_foreign_host(arch):
    """foreign_accuracy(arch) inside the nested host of @arch (or here, on
    a machine of @arch with KVM): what it wrote, or {} with a line saying
    why not."""
    out = os.path.join(hosts.BUILD, 'bench-accuracy-%s.json' % arch)
    if os.path.exists(out):
        os.unlink(out)
    cmd = [os.path.abspath(__file__), '--foreign-accuracy-to', arch, out]
    if not hosts.has_kvm_for(arch):
        cmd = [os.path.join(TOP, 'scripts', 'nested-host'), '--arch', arch, 'run',
               '--timeout', '1200', '--quiet', '300', '--'] + cmd
    subprocess.run(cmd)
    if not os.path.exists(out) or not os.path.getsize(out):
        print('  the %s KVM host wrote no accuracy figures' % arch, flush=True)
        return {}
    with open(out) as f:
        return json.load(f)


def sched_table(sched):
    rows = ['| run queue clock updates | kernel | task run time (s) | vCPU steal (s) | wall (s) | '
            '(run + steal) / wall |',
            '|---|---|---|---|---|---|']
    for where in ('local', 'remote'):
        for kernel in KERNELS:
            d = sched.get(kernel, {}).get(where)
            if not d:
                continue
            ok = ''
            if kernel == 'ours':
                lo, hi = TARGETS['accuracy']
                ok = ' (met)' if lo <= d['ratio'] <= hi else ' (missed)'
            rows.append('| %s | %s | %.3f | %.3f | %.3f | %.4f%s |' % (
                where, kernel, d['run'] / 1e9, d['steal'] / 1e9, d['wall'] / 1e9, d['ratio'], ok))
    return rows


# Each architecture's steal clock as compiled: (architecture, objdump
# prefix, [(kernel, variant, function)]), ours against upstream 6.12's.
COMPILED = [('x86_64', '', [('ours', 'bench-ours', 'kvm_st_clock'),
                            ('upstream', 'bench-upstream', 'kvm_steal_clock')]),
            ('arm64', 'aarch64-linux-gnu-', [('ours', 'arm64', 'pvtime_clock'),
                                             ('upstream', 'upstream-arm64', 'para_steal_clock')]),
            ('riscv64', 'riscv64-linux-gnu-', [('ours', 'riscv64', 'sbi_sta_clock'),
                                               ('upstream', 'upstream-riscv64',
                                                'pv_time_steal_clock')])]
INSN = re.compile(r'^\s*[0-9a-f]+:\s+(\S+)\s*(.*)$')
CALLS = {'call', 'bl', 'jal', 'jalr', 'blr'}


def compiled(prefix, variant, fn):
    """The function's instructions in the variant's vmlinux: how many, and
    what it calls (a tail call's jump counts with the calls)."""
    vmlinux = os.path.join(hosts.BUILD, variant, 'obj', 'vmlinux')
    r = subprocess.run([prefix + 'objdump', '-d', '--no-show-raw-insn',
                        '--disassemble=' + fn, vmlinux], capture_output=True, text=True)
    insns = [m for line in r.stdout.splitlines() if (m := INSN.match(line))]
    if r.returncode or not insns:
        return None
    calls = sorted({t[1] for m in insns if m[1] in CALLS or m[1] == 'jmp' and '<' in m[2]
                    if (t := re.search(r'<([^>+]+)', m[2])) and t[1] != fn})
    return {'insns': len(insns), 'calls': calls}


def compiled_table():
    rows = ['| architecture | kernel | function | instructions | calls |', '|---|---|---|---|---|']
    for arch, prefix, kernels in COMPILED:
        for kernel, variant, fn in kernels:
            c = compiled(prefix, variant, fn)
            rows.append('| %s | %s | `%s` | %s | %s |' % (
                arch, kernel, fn, c['insns'] if c else 'n/a (not built)',
                ', '.join('`%s`' % t for t in c['calls']) or '-' if c else ''))
    return rows


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt(v, spec='%.2f'):
    return spec % v if v is not None else 'n/a'


def verdict(value, limit):
    if value is None:
        return 'n/a'
    if value <= limit:
        return 'met'
    return 'missed by %.1f%%' % ((value / limit - 1) * 100)


def read_table(micro_res):
    d = micro_res['default']
    rows = ['| call | ours | upstream | ours/upstream | floor (ours run) | ours/floor | bare load |',
            '|---|---|---|---|---|---|---|']
    for label, key, floor in (('paravirt_steal_clock(), local CPU', 'read_local', 'floor_local'),
                              ('paravirt_steal_clock(), remote CPU', 'read_remote', 'floor_remote'),
                              ('clock function by name, local CPU', 'named_local', 'named_floor_local'),
                              ('clock function by name, remote CPU', 'named_remote', 'named_floor_remote')):
        o, u, fl = d['ours'].get(key), d['upstream'].get(key), d['ours'].get(floor)
        load = d['ours'].get(key.replace('named', 'load').replace('read', 'load'))
        rows.append('| %s | %s | %s | %s (%s) | %s | %s (%s) | %s |' % (
            label, fmt(o), fmt(u), fmt(ratio(o, u), '%.3f'),
            verdict(ratio(o, u), TARGETS['read_vs_upstream']),
            fmt(fl), fmt(ratio(o, fl), '%.3f'),
            verdict(ratio(o, fl), TARGETS['read_vs_floor']), fmt(load)))
    return rows


def switch_table(micro_res):
    rows = ['| mode | accounting (ours) | same CPU: ours | upstream | ratio | cross CPU: ours | upstream | ratio |',
            '|---|---|---|---|---|---|---|---|']
    for mode, res in micro_res.items():
        o, u = res['ours'], res['upstream']
        acc = o.get('accounting')
        cells = []
        for key in ('switch_same-cpu', 'switch_cross-cpu'):
            r = ratio(o.get(key), u.get(key))
            cells += [fmt(o.get(key), '%d'), fmt(u.get(key), '%d'),
                      '%s (%s)' % (fmt(r, '%.3f'), verdict(r, TARGETS['switch_vs_upstream']))]
        rows.append('| %s | %s | %s |' % (
            mode, 'clock %d, task clock %d' % acc if acc else 'n/a', ' | '.join(cells)))
    return rows


def boot_table(micro_res, kind):
    d = micro_res['default']
    online = ('CPU online, whole (thousands of guest instructions)' if kind == 'tcg'
              else 'CPU online, whole (us)')
    rows = ['| figure | ours | upstream | ours/upstream |', '|---|---|---|---|']
    for label, key, spec in ((online, 'online_us', '%d'),
                             ('MSR_KVM_STEAL_TIME write, host side (cycles)',
                              'register_cycles', '%d')):
        o, u = d['ours'].get(key), d['upstream'].get(key)
        rows.append('| %s | %s | %s | %s |' % (label, fmt(o, spec), fmt(u, spec),
                                               fmt(ratio(o, u), '%.3f')))
    return rows


def active_table(act):
    rows = ['| figure | ours | upstream | ours/upstream |', '|---|---|---|---|']
    o, u = act.get('ours', {}), act.get('upstream', {})
    for label, key, spec in (
            ('first read after a host update (cycles)', 'after_update_first', '%d'),
            ('the read after it (cycles)', 'after_update_next', '%d'),
            ('host updates timed', 'after_update_n', '%d'),
            ('first tick after a host update, task in a cgroup (cycles)',
             'tick_after_update_first', '%d'),
            ('the tick after it (cycles)', 'tick_after_update_next', '%d'),
            ('first ticks that carried steal to later ones', 'tick_after_update_carried', '%s'),
            ('the tick after one that carried nothing (cycles)', 'tick_after_update_plain', '%d'),
            ('ticks after it that corrected the steal clock', 'tick_after_update_next_corrected', '%s'),
            ('host updates timed for the tick', 'tick_after_update_n', '%d'),
            ('first run queue clock update after a host update, task in the root (cycles)',
             'clock_root_after_update_first', '%d'),
            ('the update after it, task in the root (cycles)', 'clock_root_after_update_next', '%d'),
            ('first updates that carried steal to later ones, task in the root',
             'clock_root_after_update_carried', '%s'),
            ('the update after one that carried nothing, task in the root (cycles)',
             'clock_root_after_update_plain', '%d'),
            ('updates after it that corrected the steal clock, task in the root',
             'clock_root_after_update_next_corrected', '%s'),
            ('first run queue clock update after a host update, task in a cgroup (cycles)',
             'clock_cgroup_after_update_first', '%d'),
            ('the update after it, task in a cgroup (cycles)', 'clock_cgroup_after_update_next', '%d'),
            ('first updates that carried steal to later ones, task in a cgroup',
             'clock_cgroup_after_update_carried', '%s'),
            ('the update after one that carried nothing, task in a cgroup (cycles)',
             'clock_cgroup_after_update_plain', '%d'),
            ('updates after it that corrected the steal clock, task in a cgroup',
             'clock_cgroup_after_update_next_corrected', '%s'),
            ('paravirt_steal_clock(), local CPU (cycles/call)', 'read_local', '%.2f'),
            ('paravirt_steal_clock(), remote CPU (cycles/call)', 'read_remote', '%.2f'),
            ('ping-pong, same CPU (ns/round trip)', 'switch_same-cpu', '%d'),
            ('ping-pong, cross CPU (ns/round trip)', 'switch_cross-cpu', '%d')):
        # A count ("n of m") has no ratio.
        r = '' if spec == '%s' else fmt(ratio(o.get(key), u.get(key)), '%.3f')
        rows.append('| %s | %s | %s | %s |' % (label, fmt(o.get(key), spec),
                                               fmt(u.get(key), spec), r))
    return rows


def cgroup_cost_table(act):
    """Per-cgroup steal against the same series without it."""
    rows = ['| figure | ours | ours without per-cgroup steal | ratio | upstream |',
            '|---|---|---|---|---|']
    o, c, u = (act.get(k, {}) for k in ACTIVE_KERNELS)
    for label, key, spec in (
            ('ping-pong between two cgroups, same CPU (per round trip)',
             'switch_between cgroups', '%d'),
            ('the same less the steal that arrived meanwhile (per round trip)',
             'switch_own_between cgroups', '%d'),
            ('ping-pong in the root, same CPU, less steal (per round trip)',
             'switch_own_same-cpu', '%d'),
            ('steal that arrived on that CPU during it (us)', 'switch_cgroups_steal_us', '%d'),
            ('first run queue clock update after a host update, task in a cgroup',
             'clock_cgroup_after_update_first', '%d'),
            ('the update after one that carried nothing, task in a cgroup',
             'clock_cgroup_after_update_plain', '%d')):
        rows.append('| %s | %s | %s | %s | %s |' % (
            label, fmt(o.get(key), spec), fmt(c.get(key), spec),
            fmt(ratio(o.get(key), c.get(key)), '%.3f'), fmt(u.get(key), spec)))
    return rows


def accuracy_table(acc):
    rows = ['| kernel | hogs per core | vCPU | guest /proc/stat steal (s) | host run_delay (s) | guest/host |',
            '|---|---|---|---|---|---|']
    for kernel, runs in acc.items():
        for per_core, ds in runs:
            for cpu, d in enumerate(ds):
                r = steal_figures.ratio(d)
                ok = ''
                if per_core:
                    lo, hi = TARGETS['accuracy']
                    ok = ' (met)' if lo <= r <= hi else ' (missed)'
                rows.append('| %s | %d | %d | %.3f | %.3f | %.4f%s |' % (
                    kernel, per_core, cpu, d['stat'] / 1e9, d['host'] / 1e9, r, ok))
    return rows


def accuracy_plot(acc, path):
    """PNG: guest/host ratio against contention, one line per kernel and vCPU."""
    if not shutil.which('gnuplot'):
        return False
    data = path + '.dat'
    titles, ratios = [], []
    with open(data, 'w') as f:
        for kernel, runs in acc.items():
            for cpu in range(len(runs[0][1])):
                titles.append('%s, vCPU %d' % (kernel, cpu))
                for per_core, ds in runs:
                    ratios.append(steal_figures.ratio(ds[cpu]))
                    f.write('%d %f\n' % (per_core, ratios[-1]))
                f.write('\n\n')
    series = ['"%s" index %d using 1:2 with linespoints lw 2 title "%s"' % (data, i, t)
              for i, t in enumerate(titles)]
    script = '\n'.join([
        'set terminal png size 800,450 noenhanced', 'set output "%s"' % path,
        'set title "Guest-accounted steal / host run_delay per vCPU"',
        'set xlabel "pinned host hogs per vCPU core"', 'set ylabel "guest/host"',
        'set xtics 1', 'set xrange [-0.2:2.2]', 'set grid', 'set key bottom right',
        'set yrange [%f:%f]' % (min([0.98] + [r - 0.005 for r in ratios]),
                                max([1.02] + [r + 0.005 for r in ratios])),
        'set arrow from -0.2,0.99 to 2.2,0.99 nohead dt 2',
        'set arrow from -0.2,1.01 to 2.2,1.01 nohead dt 2',
        'plot ' + ', '.join(series)])
    subprocess.run(['gnuplot'], input=script, text=True, check=True, capture_output=True)
    os.unlink(data)
    return True


def machine(kind, reason, micro_kind):
    cpu = 'unknown CPU'
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    qemu = subprocess.run(['qemu-system-x86_64', '--version'], capture_output=True,
                          text=True).stdout.splitlines()[0]
    rev = subprocess.run(['git', '-C', TOP, 'rev-parse', '--short', 'HEAD'],
                         capture_output=True, text=True).stdout.strip() or 'unknown'
    # Changes other than the benchmark's own output make the tree dirty.
    if subprocess.run(['git', '-C', TOP, 'diff', '--quiet', 'HEAD', '--', '.',
                       ':!bench/results-*', ':!bench/accuracy-*']).returncode:
        rev += '-dirty'
    base = subprocess.run(['make', '-s', '-C', os.path.join(hosts.BUILD, 'bench-upstream', 'linux'),
                           'kernelversion'], capture_output=True, text=True).stdout.strip()
    return ['- date: %s' % time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
            '- host: %s, %d CPUs, Linux %s' % (cpu, os.cpu_count(), platform.release()),
            '- accelerator: %s (%s)' % (kind, reason),
            '- %s; guest: Linux %s, 2 vCPUs pinned one per host core, 512 MB' % (qemu, base),
            '- our tree: %s; command: `make bench`' % rev,
            '- parameters: `%s`, %d boot(s) per mode and kernel (median across boots)'
            % (PARAMS[micro_kind][0], PARAMS[micro_kind][1])]


def main():
    # The file appears only once its figures are all there: a host killed
    # half way leaves none, and is booted again (in_nested_host()).
    if sys.argv[1:2] == ['--active-to']:
        figures = active('kvm', sys.argv[3:] or ACTIVE_KERNELS)
        with open(sys.argv[2], 'w') as f:
            json.dump(figures, f)
        return
    if sys.argv[1:2] == ['--accuracy-to']:
        figures = accuracy('kvm')
        with open(sys.argv[2], 'w') as f:
            json.dump(figures, f)
        return
    if sys.argv[1:2] == ['--foreign-accuracy-to']:
        figures = foreign_accuracy(sys.argv[2])
        with open(sys.argv[3], 'w') as f:
            json.dump(figures, f)
        return
    kind, reason = hosts.host_kind()
    start = time.time()
    print('make bench on a %s host (%s)' % (kind, reason))
    print('Timing the steal clock, context switches and CPU online:')
    micro_kind = 'tcg' if kind == 'nested' else kind
    micro_res = micro(micro_kind)
    print('Accuracy against the host, and the steal clock with steal time active:')
    acc, act = on_host(kind)
    print('Accuracy of the arm64 and riscv64 guests against their KVM hosts:')
    foreign = {}
    for arch in FOREIGN:
        foreign.update(in_foreign_host(arch))

    out = ['# Steal time: ours against upstream 6.12 (%s host)' % kind, '',
           'Written by `scripts/bench.py` (`make bench`); see bench/README.md for',
           'the method and the targets.', ''] + machine(kind, reason, micro_kind) + ['']
    unit, tunit = 'TSC cycles', 'ns'
    if micro_kind == 'tcg':
        unit, tunit = 'guest instructions', 'guest instructions'
        out += ['Under TCG the host offers no steal time: `paravirt_steal_clock()` is',
                'the kernel\'s default stub in both kernels, and only the "by name"',
                'rows time the drivers, each over areas a quiet host would leave',
                '(zeroes). QEMU runs with `-icount shift=0,sleep=off`, so the guest\'s',
                'TSC and clock advance one tick per guest instruction: every figure',
                'is an exact instruction count (loop and call included), the same',
                'in every run, and says nothing about cycles on a real CPU.',
                'The accuracy windows run on the real KVM host (%s).' % reason, '']
    out += ['## Steal clock read cost (%s per call, median)' % unit, ''] + \
        read_table(micro_res) + ['']
    out += ['## Scheduler: kthread ping-pong (%s per round trip, median)' % tunit, ''] + \
        switch_table(micro_res) + ['']
    out += ['## Steal clock with steal time active (one pinned hog per host core)', '',
            'On the real KVM host%s: the host preempts the vCPUs and publishes steal'
            % (' (%s)' % reason if kind == 'nested' else ''),
            'all the time. "First read after a host update" is the path the scheduler',
            'takes once per update: the benchmark waits, interrupts off, for the area\'s',
            'version to move, then times one `paravirt_steal_clock()` of its own CPU',
            '(TSC cycles, timer reads included, median). Ping-pong with steal accounting on.',
            'The tick rows time `account_process_tick()` the same way, in a task of a',
            'cgroup v2 group of its own that the tick interrupts in user space: the',
            'first after an update accounts the new steal, the next finds none. The run',
            'queue clock rows time `update_rq_clock()` of that CPU, its lock taken, as',
            'the scheduler does at every switch and tick, with that task current, in',
            'the root cgroup and in a group of its own: the first after an update takes',
            'the new steal out of the task clock (ours also charges it to the group\'s',
            '`steal_usec`, which the root does not pay), the next finds none, unless',
            'the first found more steal than its clock delta: ours then carries the',
            'rest (up to 100 ms) to the next updates, which take it, where upstream',
            'drops it. The bench counts the first updates that carried (the',
            'scheduler\'s per-CPU carry counts; upstream has none) and times the next',
            'update after a first one that carried nothing.'] + \
        (['On the nested host this part runs with `-icount shift=0,sleep=off` on',
          'the outer QEMU and one host CPU (with two, the host\'s kernel stops',
          'at SMP bring-up under -icount): the guest\'s TSC then counts',
          'instructions, so "cycles" are exact instruction counts, timer reads',
          'included. The ping-pong figures there also count the instructions of',
          'the host\'s hog while it runs instead of the vCPUs: contended, not',
          'a per-switch cost; the "less steal" rows take out the steal that',
          'arrived on the ping\'s CPU during each sample.'] if kind == 'nested' else []) + [''] + \
        active_table(act) + ['']
    out += ['### What per-cgroup steal costs the scheduler', '',
            'The same boot of ours without the per-cgroup steal series',
            '(`patches/cgroup/`, kernel bench-core). Two kthreads bound to CPU 0',
            'hand a token back and forth, one in the benchmark shell\'s cgroup, one',
            'in another\'s: every switch updates the run queue clock, and those that',
            'take steal out of a task clock charge it to one of the two groups in',
            'ours; upstream (no per-cgroup steal) beside them.', ''] + \
        cgroup_cost_table(act) + ['']
    out += ['## Steal clock as compiled (instructions of the function, all paths)', '',
            'What `paravirt_steal_clock()` calls on each architecture, counted in the',
            'vmlinux that `make bench` and `make check` build: every instruction of the',
            'function, its rare paths included, and the functions it calls.', ''] + \
        compiled_table() + ['']
    out += ['## Registration cost (default mode)', ''] + boot_table(micro_res, micro_kind) + ['']
    out += ['## Accuracy: guest /proc/stat steal against host run_delay '
            '(%d s windows)' % PARAMS['kvm'][2], '']
    out += accuracy_table(acc['windows'])
    out += ['', '### arm64 (PV_TIME) and riscv64 (SBI STA)', '',
            'Our arm64 and riscv64 guests and upstream 6.12\'s (the untouched base,',
            'same configuration: its `arch/arm64/kernel/paravirt.c` and',
            '`arch/riscv/kernel/paravirt.c`) on real KVM hosts of those',
            'architectures (`scripts/nested-host --arch`: Debian\'s arm64 and',
            'riscv64 kernels under TCG where the machine is not of them). Each',
            'vCPU runs a CPU-bound loop; 0 and 1 pinned hogs per host core;',
            '/proc/stat read by the guest\'s shell.', '']
    out += accuracy_table(foreign) if foreign else ['(no figures: see the log)']
    png = os.path.join(TOP, 'bench', 'accuracy-%s.png' % kind)
    if accuracy_plot(acc['windows'], png):
        out += ['', '![accuracy](accuracy-%s.png)' % kind]
    out += ['', '## The scheduler\'s view: a task\'s run time plus its CPU\'s steal '
            '(%d s windows)' % PARAMS['kvm'][2], '',
            'A CPU-bound task alone on vCPU 1 (every movable task moved to vCPU 0;',
            'the run time of vCPU 1\'s own threads counted with it), one pinned hog',
            'per host core: every nanosecond of vCPU 1 is either run time',
            '(`/proc/PID/schedstat`) or vCPU 1\'s steal (`/proc/stat`), so the ratio',
            'is 1.00 when the scheduler takes out of the task clock exactly the steal',
            'it reports. "remote": a task on vCPU 0 wakes a task bound to vCPU 1',
            'through a pipe all the time, each wakeup updating vCPU 1\'s run queue',
            'clock from vCPU 0.', '']
    out += sched_table(acc['sched'])
    if HOST_BOOTS:
        out += ['', 'Boots of the nested KVM host per part (a second boot means the first',
                'was killed with no figures, hung or failed; see the log): ' +
                ', '.join('%s %d' % kv for kv in HOST_BOOTS.items()) + '.']
    out += ['', 'Total time of `scripts/bench.py`: %.0f s.' % (time.time() - start)]
    text = '\n'.join(out) + '\n'
    path = os.path.join(TOP, 'bench', 'results-%s.md' % kind)
    with open(path, 'w') as f:
        f.write(text)
    print()
    print(text)
    print('Written to %s' % os.path.relpath(path, TOP))


if __name__ == '__main__':
    main()
