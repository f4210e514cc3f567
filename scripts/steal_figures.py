# SPDX-License-Identifier: GPL-2.0
"""Steal time figures and how they compare: each vCPU's /proc/stat steal,
the host-written counter and the core's steal clock in the guest, and the
host's view, the vCPU threads' run_delay from
/proc/<pid>/task/<tid>/schedstat, sampled together; the tables, the 2%
agreement, the plot; parsing what guests print."""

import os
import re
import shutil
import subprocess
import time


# Long enough that /proc/stat's lag behind the steal clock (steal is
# accounted a tick at a time, and a vCPU back from a long wait has many
# ticks of it to catch up) stays well under 2% of what a hog steals.
AGREEMENT_WINDOW = 20


# enum cpu_usage_stat in include/linux/kernel_stat.h: kcpustat.cpustat[7]
CPUTIME_STEAL = 7


def sample(guest, tids):
    """Per vCPU: (guest /proc/stat steal, guest raw area steal, host
    run_delay, the core's steal clock), all in nanoseconds. The guest's
    values are read from its memory through the monitor, which QEMU's own
    thread answers however contended the vCPUs are, between two reads of
    the host's run_delay whose mean is taken: all four describe the same
    moment within milliseconds. userspace_agrees() checks that the
    guest's user space reads the same /proc/stat."""
    before = [guest.host_run_delay(tid) for tid in tids]
    inner = [(guest.kcpustat_steal(cpu), guest.raw_steal(cpu), guest.steal_clock(cpu))
             for cpu in range(len(tids))]
    after = [guest.host_run_delay(tid) for tid in tids]
    return [(inner[cpu][0], inner[cpu][1], (before[cpu] + after[cpu]) // 2, inner[cpu][2])
            for cpu in range(len(tids))]


PROC_STAT_FIELDS = ('user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq',
                    'steal', 'guest', 'guest_nice')


def proc_stat_rows(text):
    """The "cpu" lines in text (as /proc/stat has them, in order, repeats
    kept): [(name, {field: USER_HZ ticks})]; other lines are ignored."""
    rows = []
    for line in text.splitlines() if isinstance(text, str) else text:
        parts = line.split()
        if (len(parts) > len(PROC_STAT_FIELDS) // 2 and re.fullmatch(r'cpu\d*', parts[0])
                and all(p.isdigit() for p in parts[1:])):
            rows.append((parts[0], dict(zip(PROC_STAT_FIELDS, map(int, parts[1:])))))
    return rows


def userspace_agrees(guest):
    """The steal column of /proc/stat as the guest's user space reads it
    must lie between the kernel's counter read just before and just after,
    in USER_HZ ticks. Raises RuntimeError if not."""
    cpus = range(len(guest.tids))
    lo = [guest.kcpustat_steal(cpu) for cpu in cpus]
    seen = guest.proc_stat_steals()
    hi = [guest.kcpustat_steal(cpu) for cpu in cpus]
    tick = 10**7
    bad = ['cpu%d: %d ticks, kernel %d..%d' % (cpu, seen[cpu] // tick, lo[cpu] // tick,
                                                hi[cpu] // tick)
           for cpu in cpus if not lo[cpu] // tick <= seen[cpu] // tick <= hi[cpu] // tick]
    if bad:
        raise RuntimeError('/proc/stat read in the guest disagrees with its kernel: '
                           + '; '.join(bad))
    return seen


KERNEL_LINE = re.compile(r'\[\s*\d+\.\d+\] [^\n]*\n')


def section(log, name):
    """The lines a guest script printed after "--- name", up to the next
    "--- " marker, without interleaved kernel log lines. The kernel may
    print in the middle of a line of ours: its message ends in a newline
    of its own, so cutting it out joins our line up again."""
    m = re.search(r'^--- %s\n(.*?)(?=^--- )' % re.escape(name), log, re.M | re.S)
    text = KERNEL_LINE.sub('', m.group(1)) if m else ''
    return text.splitlines()


def debugfs_rows(lines):
    """Rows of the debugfs cpus file as dicts keyed by its header, by CPU."""
    if not lines:
        return {}
    header = lines[0].split()
    rows = (dict(zip(header, line.split())) for line in lines[1:])
    return {int(r['cpu']): r for r in rows}


def debugfs_cpus(guest):
    """The guest's debugfs cpus file, read through its shell, as
    debugfs_rows() gives it; {} where the kernel has none (upstream's)."""
    lines = guest.shell('cat /sys/kernel/debug/steal_time/cpus 2>/dev/null || true').strip().splitlines()
    # The shell may first report background tasks it killed.
    while lines and not lines[0].startswith('cpu registered'):
        lines.pop(0)
    return debugfs_rows(lines[:1] + [x for x in lines[1:] if x[:1].isdigit()])


def hotplug_cycles(g, cycles, timeout):
    """The guest's last vCPU offline and online @cycles times from its user
    space, as an admin would, /proc/stat read after every cycle. Returns
    (why_cycles, why_back), each '' when it holds: the debugfs view counted
    one registration and one unregistration per cycle and shows the vCPU
    registered at the end; its /proc/stat steal never went back, nor did
    its steal clock as the scheduler's consumers saw it (their backwards
    counts in debugfs did not grow: a re-registration that restarts the
    host's counter must not show as a clock going back)."""
    cpu = len(g.tids) - 1
    online = '/sys/devices/system/cpu/cpu%d/online' % cpu
    rows = '/sys/kernel/debug/steal_time/cpus'
    before = debugfs_rows(g.shell('cat ' + rows).splitlines())[cpu]
    steals = [g.proc_stat_steals()[cpu]]
    out = g.shell('i=0; while [ $i -lt %d ]; do echo 0 > %s && echo 1 > %s || break; '
                  'grep "^cpu%d " /proc/stat; i=$((i + 1)); done; echo cycles $i'
                  % (cycles, online, online, cpu), timeout=timeout)
    after = debugfs_rows(g.shell('cat ' + rows).splitlines())[cpu]
    done = 'cycles %d' % cycles in out
    steals += [f['steal'] * 10**7 for _, f in proc_stat_rows(out)]
    steals.append(g.proc_stat_steals()[cpu])
    print('CPU%d before: %s\nCPU%d after:  %s' % (cpu, before, cpu, after))
    print('CPU%d /proc/stat steal over the cycles: %.2f s -> %.2f s'
          % (cpu, steals[0] / 1e9, steals[-1] / 1e9))
    grew = {k: int(after[k]) - int(before[k]) for k in ('registrations', 'unregistrations')}
    why_cycles = '' if (done and after['registered'] == '1' and
                        grew == {'registrations': cycles, 'unregistrations': cycles}) else (
        '%s; counts grew by %r' % (out.splitlines()[-1:], grew))
    back = [(a, b) for a, b in zip(steals, steals[1:]) if b < a]
    clock_back = {k: int(after[k]) - int(before[k]) for k in ('tick_backwards', 'task_backwards')
                  if int(after[k]) != int(before[k])}
    why_back = '' if done and not back and not clock_back else (
        '/proc/stat steps back %r; the steal clock went back %r' % (back[:3], clock_back))
    return why_cycles, why_back


def disagreement(deltas, window):
    """Why a contended window's figures (measure()) fail the 2% agreement
    between each vCPU's /proc/stat steal, its steal clock and its thread's
    run_delay; '' if they do not."""
    bad = []
    for cpu, d in enumerate(deltas):
        if d['host'] < 0.1 * window * 1e9:
            bad.append('vCPU %d: host run_delay only %.3f s, contention did not bite'
                       % (cpu, d['host'] / 1e9))
        elif not 0.98 <= ratio(d) <= 1.02:
            bad.append('vCPU %d: ratio %.4f' % (cpu, ratio(d)))
        elif d['clock'] is not None and not 0.98 <= d['clock'] / d['host'] <= 1.02:
            bad.append('vCPU %d: the core\'s steal clock moved %.3f s'
                       % (cpu, d['clock'] / 1e9))
    return '; '.join(bad)


def sample_shell(guest, tids):
    """sample() where the guest's memory is not read through the monitor
    (arm64, riscv64): /proc/stat as the guest's user space reads it,
    between two reads of the host's run_delay whose mean is taken; the
    raw counter and the steal clock are None. The guest's shell answers
    within a few hundred milliseconds however contended, and /proc/stat
    counts in ticks: a window of AGREEMENT_WINDOW holds both well under
    2% of what a hog steals."""
    before = [guest.host_run_delay(tid) for tid in tids]
    stat = guest.proc_stat_steals()
    after = [guest.host_run_delay(tid) for tid in tids]
    return [(stat[cpu], None, (before[cpu] + after[cpu]) // 2, None)
            for cpu in range(len(tids))]


def measure(guest, seconds):
    """Per vCPU over a window: guest /proc/stat steal, guest raw area steal,
    host run_delay and steal clock deltas, in nanoseconds. At both ends
    the guest's own user space reads /proc/stat too, and must agree. An
    arm64 or riscv64 guest is read through its shell alone."""
    if guest.arch != 'x86_64':
        s0 = sample_shell(guest, guest.tids)
        time.sleep(seconds)
        return deltas(s0, sample_shell(guest, guest.tids))
    userspace_agrees(guest)
    s0 = sample(guest, guest.tids)
    time.sleep(seconds)
    s1 = sample(guest, guest.tids)
    userspace_agrees(guest)
    return deltas(s0, s1)


def ratio(d):
    return d['stat'] / d['host'] if d['host'] else float('nan')


def table(title, window, deltas):
    lines = ['%s (%.0f s window)' % (title, window),
             '  vCPU   guest /proc/stat steal   guest raw steal   host run_delay   guest/host',
             ]
    for cpu, d in enumerate(deltas):
        raw = '%13.3f s' % (d['raw'] / 1e9) if d['raw'] is not None else '%15s' % '-'
        lines.append('  %4d   %20.3f s   %s   %12.3f s   %10.4f' %
                     (cpu, d['stat'] / 1e9, raw, d['host'] / 1e9, ratio(d)))
    return '\n'.join(lines)


def deltas(a, b):
    """Per vCPU, what each of sample()'s four figures gained from a to b;
    None where it was not read."""
    def gain(x, y):
        return None if x is None or y is None else y - x
    return [{'stat': y[0] - x[0], 'raw': gain(x[1], y[1]), 'host': y[2] - x[2],
             'clock': gain(x[3], y[3])} for x, y in zip(a, b)]


def plot(points, phases, path, title):
    """PNG of cumulative guest steal against host run_delay per vCPU, with
    the contended phases shaded. Needs gnuplot; returns False without it."""
    if not shutil.which('gnuplot'):
        return False
    data = path + '.dat'
    t0 = points[0][1]
    with open(data, 'w') as f:
        for t, s in points:
            row = ['%.3f' % t]
            for cpu, (stat, _, host, _) in enumerate(s):
                row += ['%.6f' % ((stat - t0[cpu][0]) / 1e9),
                        '%.6f' % ((host - t0[cpu][2]) / 1e9)]
            f.write(' '.join(row) + '\n')
    shades, at = [], 0.0
    for seconds, contended in phases:
        if contended:
            shades.append('set object rect from %.1f, graph 0 to %.1f, graph 1 '
                          'fc rgb "#eeeeee" fs solid behind' % (at, at + seconds))
        at += seconds
    series = []
    for cpu in range(len(t0)):
        series.append('"%s" using 1:%d with lines lw 2 title "vCPU %d: guest /proc/stat steal"'
                      % (data, 2 + 2 * cpu, cpu))
        series.append('"%s" using 1:%d with lines dt 2 lw 2 title "vCPU %d: host run_delay"'
                      % (data, 3 + 2 * cpu, cpu))
    script = '\n'.join([
        'set terminal png size 900,500 noenhanced',
        'set output "%s"' % path,
        'set title "%s"' % title,
        'set xlabel "seconds"', 'set ylabel "cumulative steal, seconds"',
        'set key top left', 'set grid'] + shades +
        ['plot ' + ', '.join(series)])
    subprocess.run(['gnuplot'], input=script, text=True, check=True,
                   capture_output=True)
    os.unlink(data)
    return True


def sched_view(guest, seconds, remote=False):
    """The scheduler's view of steal, measured in the guest: a CPU-bound
    task alone on vCPU 1, its run time (sum_exec_runtime, the first field
    of /proc/PID/schedstat) plus vCPU 1's /proc/stat steal over a window,
    against the wall time of the window (/proc/uptime). Every nanosecond
    the task held vCPU 1 was either run time or stolen, so the ratio is
    1.00 when the scheduler takes out of the task clock exactly the steal
    /proc/stat reports. The task is made alone: every task that may move
    is moved to vCPU 0 first, and the run time of those that may not
    (vCPU 1's own kernel threads) is counted with the task's. With
    remote, a task on vCPU 0 wakes a task bound to vCPU 1 all the time
    (through a pipe), each wakeup updating vCPU 1's run queue clock from
    vCPU 0, also while the host holds vCPU 1; the woken task's run time
    counts like the threads'. Returns a dict: run (the task's and the
    others' bound to vCPU 1), threads (the others' part), steal, wall
    (ns), ratio, and the window's raw lines."""
    # The task's figures, the wall time and vCPU 1's steal are read back
    # to back, with shell builtins (a forked grep takes tens of
    # milliseconds in the nested host's guests); vCPU 1's threads, which
    # run little, just after.
    snap = ('snap() { read up idle < /proc/uptime; read run wait n < /proc/$P/schedstat; '
            'while read l; do case $l in "cpu1 "*) break;; esac; done < /proc/stat; '
            'echo "SNAP $up $run $l"; k=0; '
            'for d in /proc/[0-9]*/task/[0-9]*; do v=; [ "${d##*/}" = "$P" ] && continue; '
            'while read f v; do [ "$f" = Cpus_allowed_list: ] && break; done 2>/dev/null < $d/status; '
            '[ "$v" = 1 ] && read r w n 2>/dev/null < $d/schedstat && k=$((k + r)); done; '
            'echo "KTHREADS $k"; }; ')
    move = ('for t in /proc/[0-9]*/task/[0-9]*; do taskset -p -c 0 ${t##*/} >/dev/null 2>&1; done; ')
    # A wakeup from another CPU updates the run queue's clock there, under
    # its lock, when the CPUs share a cache and the target is busy.
    waker = ('rm -f /tmp/wake; mkfifo /tmp/wake; '
             'taskset -c 1 sh -c "while read x; do :; done < /tmp/wake" & W=$!; '
             'taskset -c 0 sh -c "while :; do echo; done > /tmp/wake" & R=$!; '
             if remote else 'R=; W=; ')
    cmd = (move + 'taskset -c 1 sh -c "while :; do :; done" & P=$!; ' + waker + snap +
           'sleep 1; snap; sleep %d; snap; kill $R $W $P; wait' % seconds)
    out = guest.shell('taskset -c 0 sh -c \'%s\'' % cmd.replace("'", "'\\''"),
                      timeout=seconds + 60)
    snaps = [line.split() for line in out.splitlines() if line.startswith('SNAP ')]
    kthreads = [int(line.split()[1]) for line in out.splitlines() if line.startswith('KTHREADS ')]
    if len(snaps) != 2 or len(kthreads) != 2:
        raise RuntimeError('sched_view: no two snapshots in %r' % out)
    (u0, r0), (u1, r1) = [(float(s[1]), int(s[2])) for s in snaps]
    st0, st1 = [proc_stat_rows([' '.join(s[3:])])[0][1]['steal'] for s in snaps]
    d = {'threads': kthreads[1] - kthreads[0], 'steal': (st1 - st0) * 10**7,
         'wall': round((u1 - u0) * 1e9),
         'lines': [' '.join(s) for s in snaps]}
    d['run'] = r1 - r0 + d['threads']
    d['ratio'] = (d['run'] + d['steal']) / d['wall'] if d['wall'] else float('nan')
    return d


def sched_view_line(title, d):
    return ('%-44s run %7.3f s (vCPU 1\'s threads %.3f s) + steal %7.3f s = %7.3f s '
            'over %7.3f s wall: %.4f'
            % (title, d['run'] / 1e9, d['threads'] / 1e9, d['steal'] / 1e9,
               (d['run'] + d['steal']) / 1e9, d['wall'] / 1e9, d['ratio']))
