# SPDX-License-Identifier: GPL-2.0
"""Boot our test guest under QEMU and look at it from the host.

Shared by `make run` (scripts/run.py), the end-to-end tests (tests/) and
the benchmark (scripts/bench.py). The guest's steal time is read where an
admin reads it, /proc/stat, by a shell running in the guest on its second
serial port; the kernel's internals (the host-written counter, the core's
steal clock) are read from guest memory through the QEMU monitor; the
host's view is the vCPU threads' run_delay from
/proc/<pid>/task/<tid>/schedstat.

Where the machine has no hardware KVM, the tests that need a KVM host run
inside the nested host of scripts/nested-host, where this file sees
hardware KVM (kvm_amd) and runs unchanged.
"""

import ctypes
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(TOP, 'build')

# Long enough that /proc/stat's lag behind the steal clock (steal is
# accounted a tick at a time, and a vCPU back from a long wait has many
# ticks of it to catch up) stays well under 2% of what a hog steals.
AGREEMENT_WINDOW = 20

# enum cpu_usage_stat in include/linux/kernel_stat.h: kcpustat.cpustat[7]
CPUTIME_STEAL = 7


def host_kind():
    """Return (kind, reason) as scripts/host-kind says: kind is 'kvm'
    (run guests here), 'nested' (run them inside scripts/nested-host) or
    'tcg' (STEAL_HOST=tcg: a dry run of a KVM test's own code with its
    guests under TCG, whose steal verdicts must fail)."""
    out = subprocess.run([os.path.join(TOP, 'scripts', 'host-kind')],
                         capture_output=True, text=True, check=True).stdout
    kind, _, reason = out.strip().partition(': ')
    return kind, reason


def kvm_host():
    """What every test that needs a KVM host calls first. On a machine
    without hardware KVM it runs the calling test again inside the nested
    host and exits with its status; elsewhere it returns the host kind."""
    kind, reason = host_kind()
    if kind == 'nested':
        print('Host: %s; running %s inside it' % (reason, os.path.basename(sys.argv[0])),
              flush=True)
        nested = os.path.join(TOP, 'scripts', 'nested-host')
        os.execv(nested, [nested, 'run', '--'] + [os.path.abspath(sys.argv[0])] + sys.argv[1:])
    return kind


def die_with_parent():
    """For Popen's preexec_fn: the child is killed when the process that
    started it dies, so that a test killed by its timeout leaves no QEMU
    or hog behind."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class Symbols:
    """Addresses from the kernel build's System.map (the guest boots with
    nokaslr): a text file, read in no time even inside the nested host,
    where running nm over vmlinux took 40 s."""

    def __init__(self, vmlinux):
        self.addr = {}
        with open(os.path.join(os.path.dirname(vmlinux), 'System.map')) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3:
                    self.addr.setdefault(parts[2], int(parts[0], 16))

    def __getitem__(self, name):
        return self.addr[name]


class Guest:
    """One QEMU process running our kernel, with a QMP connection."""

    def __init__(self, kind, variant=None, initrd=None, smp=2, mem=512,
                 append='', cpu_opts='', name='steal-guest', extra=(),
                 bzimage=False, no_reboot=True):
        self.kind = kind
        variant = variant or 'product'
        self.vmlinux = os.path.join(BUILD, variant, 'obj', 'vmlinux')
        # The ELF vmlinux boots through PVH, the fastest way (test-host.md);
        # a bzImage goes through the firmware, which S3 resume needs.
        image = (os.path.join(BUILD, variant, 'obj', 'arch', 'x86', 'boot', 'bzImage')
                 if bzimage else self.vmlinux)
        if initrd is None:
            initrd = 'busybox'
        self.initrd = os.path.join(BUILD, 'initramfs-%s.cpio.gz' % initrd)
        self.smp = smp
        self.dir = tempfile.mkdtemp(prefix='steal-guest-')
        self.log = os.path.join(self.dir, 'console.log')
        self.qmp_path = os.path.join(self.dir, 'qmp.sock')
        self.shell_path = os.path.join(self.dir, 'shell.sock')
        cmdline = 'console=ttyS0 panic=-1 nokaslr ' + append
        args = ['qemu-system-x86_64', '-name', name + ',debug-threads=on',
                '-m', str(mem), '-smp', str(smp), '-display', 'none',
                '-kernel', image, '-initrd', self.initrd,
                '-serial', 'file:' + self.log,
                '-chardev', 'socket,id=shell,path=%s,server=on,wait=off' % self.shell_path,
                '-serial', 'chardev:shell',
                '-qmp', 'unix:%s,server=on,wait=off' % self.qmp_path]
        if no_reboot:
            args.append('-no-reboot')
        if kind == 'tcg':
            args += ['-accel', 'tcg']
        else:
            args += ['-accel', 'kvm', '-cpu', 'host' + cpu_opts]
        args += ['-append', cmdline.strip()] + list(extra)
        self.args = args
        self.proc = None
        self.sock = None
        self.shell_sock = None
        self._syms = None
        self.cpu_base = {}

    def start(self):
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT,
                                     preexec_fn=die_with_parent)
        # QEMU takes seconds to start inside the nested host.
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('qemu exited: %s' %
                                   self.proc.stdout.read().decode())
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.qmp_path)
                # A QEMU that stops answering fails the test, not hangs it.
                s.settimeout(120)
                self.sock = s.makefile('rw')
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError('no QMP socket from qemu')
        json.loads(self.sock.readline())          # greeting
        self.qmp('qmp_capabilities')
        return self

    def qmp(self, cmd, **args):
        try:
            self.sock.write(json.dumps({'execute': cmd, 'arguments': args}) + '\n')
            self.sock.flush()
            while True:
                line = self.sock.readline()
                if not line:
                    raise BrokenPipeError('QMP connection closed')
                reply = json.loads(line)
                if 'return' in reply:
                    return reply['return']
                if 'error' in reply:
                    raise RuntimeError('%s: %s' % (cmd, reply['error']))
        except OSError:
            if self.proc.poll() is None and cmd != 'quit':
                raise
            self.died()

    def hmp(self, line):
        return self.qmp('human-monitor-command', **{'command-line': line})

    def console(self):
        with open(self.log, errors='replace') as f:
            return f.read()

    def wait_console(self, pattern, timeout):
        """Wait until the console log matches pattern; return the match."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = re.search(pattern, self.console(), re.M)
            if m:
                return m
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        return None

    def wait_exit(self, timeout):
        try:
            self.proc.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def pin_vcpus(self):
        """Pin vCPU n's thread to host core n (modulo the host's cores);
        remember the threads and cores for sampling and contention."""
        cores = os.cpu_count()
        self.tids = self.vcpu_tids()
        self.cores = [cpu % cores for cpu in range(len(self.tids))]
        for tid, core in zip(self.tids, self.cores):
            pin(tid, core)
        return self

    def vcpu_tids(self):
        cpus = self.qmp('query-cpus-fast')
        return [c['thread-id'] for c in sorted(cpus, key=lambda c: c['cpu-index'])]

    def read_u64(self, addr):
        out = self.hmp('x /1gx 0x%x' % addr)
        m = re.search(r':\s*0x([0-9a-f]+)', out)
        if not m:
            raise RuntimeError('cannot read guest memory at 0x%x: %r' % (addr, out))
        return int(m.group(1), 16)

    @property
    def syms(self):
        """vmlinux's symbols, read on first use."""
        if self._syms is None:
            self._syms = Symbols(self.vmlinux)
        return self._syms

    def percpu(self, sym, cpu, offset=0):
        """Guest-virtual address of a per-CPU variable's instance."""
        # Fixed once the guest booted: one monitor round trip per CPU, so
        # that a sample's guest and host reads stay close together.
        if cpu not in self.cpu_base:
            self.cpu_base[cpu] = self.read_u64(self.syms['__per_cpu_offset'] + 8 * cpu)
        return self.cpu_base[cpu] + self.syms[sym] + offset

    def has(self, sym):
        return sym in self.syms.addr

    def shell(self, cmd, timeout=60):
        """Run cmd in the guest's shell on its second serial port (guest
        /init with steal.run=shell) and return its output."""
        if self.shell_sock is None:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(self.shell_path)
            self.shell_sock = s
        self.shell_sock.settimeout(timeout)
        self.shell_sock.sendall(('%s; echo "@@ $?"\n' % cmd).encode())
        buf = b''
        while not buf.endswith(b'\n') or b'@@ ' not in buf:
            chunk = self.shell_sock.recv(65536)
            if not chunk and self.proc.poll() is not None:
                self.died()
            if not chunk:
                raise RuntimeError('the guest shell closed: %r\nThe console ends:\n%s'
                                   % (buf[-500:], '\n'.join(self.console().splitlines()[-60:])))
            buf += chunk
        out, _, status = buf.decode(errors='replace').rpartition('@@ ')
        if status.strip() != '0':
            raise RuntimeError('guest: %s: exit %s: %s' % (cmd, status.strip(), out))
        return out

    def wait_shell(self, timeout):
        """Wait until the guest shell answers."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if 'ready' in self.shell('echo ready', timeout=5):
                    return True
            except (OSError, RuntimeError):
                if self.shell_sock:
                    self.shell_sock.close()
                self.shell_sock = None
                time.sleep(0.5)
        return False

    def proc_stat_steals(self):
        """Every CPU's steal column of /proc/stat as the guest's own user
        space reads it, in nanoseconds (USER_HZ is 100)."""
        out = self.shell('grep "^cpu[0-9]" /proc/stat')
        return [f['steal'] * 10**7 for _, f in proc_stat_rows(out)]

    def kcpustat_steal(self, cpu):
        """What /proc/stat's steal column shows for cpu, in nanoseconds, read
        from guest memory: kcpustat_cpu(cpu).cpustat[CPUTIME_STEAL]."""
        return self.read_u64(self.percpu('kernel_cpustat', cpu, 8 * CPUTIME_STEAL))

    def raw_steal(self, cpu):
        """The host-written counter in the per-CPU area, in nanoseconds:
        ours is kvm_steal_area, upstream's kvm.c calls it steal_time."""
        area = 'kvm_steal_area' if self.has('kvm_steal_area') else 'steal_time'
        return self.read_u64(self.percpu(area, cpu))

    def steal_clock(self, cpu):
        """The core's steal clock for cpu: struct steal_time_cpu's second
        field, value (include/linux/steal_time.h); 0 in a kernel without
        our core."""
        if not self.has('steal_time_state'):
            return 0
        return self.read_u64(self.percpu('steal_time_state', cpu, 8))

    def host_run_delay(self, tid):
        try:
            with open('/proc/%d/task/%d/schedstat' % (self.proc.pid, tid)) as f:
                return int(f.read().split()[1])
        except FileNotFoundError:
            self.died()

    def died(self):
        """Raise with what QEMU and the guest said last, once QEMU is gone."""
        self.proc.wait(10)
        raise RuntimeError('qemu exited with %s: %s\nguest console, last lines:\n%s' % (
            self.proc.returncode, self.proc.stdout.read().decode(errors='replace').strip(),
            '\n'.join(self.console().splitlines()[-40:])))

    def stop(self):
        if self.shell_sock:
            self.shell_sock.close()
            self.shell_sock = None
        if self.proc and self.proc.poll() is None:
            try:
                self.qmp('quit')
            except (OSError, RuntimeError, ValueError):
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Hogs:
    """CPU-bound host processes pinned to given host cores; ours alone."""

    def __init__(self, cores):
        self.procs = [subprocess.Popen(['taskset', '-c', str(c), 'sh', '-c',
                                        'while :; do :; done'],
                                       preexec_fn=die_with_parent)
                      for c in cores]

    def stop(self):
        for p in self.procs:
            p.kill()
        for p in self.procs:
            p.wait()


def pin(tid, core):
    subprocess.run(['taskset', '-p', '-c', str(core), str(tid)],
                   check=True, capture_output=True)


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


def initrd_with(path, tree):
    """Write to path the guests' busybox image followed by a second
    archive of the directory tree (its paths as they are under tree), which
    the kernel unpacks over the first."""
    files = subprocess.run(['find', '.'], cwd=tree, capture_output=True, text=True,
                           check=True).stdout
    extra = subprocess.run(['cpio', '-o', '-H', 'newc', '--quiet'], cwd=tree,
                           input=files.encode(), capture_output=True, check=True).stdout
    with open(path, 'wb') as f, \
            open(os.path.join(BUILD, 'initramfs-busybox.cpio.gz'), 'rb') as b:
        f.write(b.read())
        f.write(subprocess.run(['gzip', '-1'], input=extra, capture_output=True,
                               check=True).stdout)


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
    return check(name, not disagreement(busy, window), disagreement(busy, window))


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
        elif not 0.98 <= d['clock'] / d['host'] <= 1.02:
            bad.append('vCPU %d: the core\'s steal clock moved %.3f s'
                       % (cpu, d['clock'] / 1e9))
    return '; '.join(bad)


def plan(cases):
    """Print the test's KTAP plan: how many verdict lines it will print,
    before the first of them (tests/run-all.sh fails a test whose plan and
    verdicts disagree)."""
    print('1..%d' % cases, flush=True)


# Where each of our KUnit suites is defined.
KUNIT_SOURCES = {'steal_time_core': 'kernel/steal_time_kunit.c',
                 'kvm_steal_time': 'arch/x86/kernel/kvm_steal_time_kunit.c'}


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


def report_kunit(console, suites, label, inactive=None):
    """Parse the KUnit results in a boot log with the kernel's own parser
    (which prints its usual summary), then print one verdict line per
    case; every suite must have run, complete. A case that skips itself
    with the reason inactive (it needs a host offering steal time, and
    another test runs it on one) passes as having seen that this host
    offers none. Returns {suite.case: status name}."""
    parser = kunit_parser()
    lines = [line + '\n' for line in console.splitlines()]
    run = parser.parse_run_tests(lines)
    ok, skipped = parser.TestStatus.SUCCESS, parser.TestStatus.SKIPPED
    results = {}
    for suite in run.subtests:
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
    ran = {suite.name for suite in run.subtests}
    for suite in suites:
        if suite not in ran:
            check('%s %s' % (label, suite), False, 'suite did not run')
    return results


def boot_for_steal(kind, name, cpu_opts='', append='', variant=None, idle_poll=True):
    """A guest whose vCPUs always want to run (idle=poll; or, with
    idle_poll False, halt when idle as guests do), with a shell on its
    second serial port. Returns it once the shell answers, with its vCPU
    threads pinned one per host core, or raises with the console."""
    g = Guest(kind, variant=variant, name=name, cpu_opts=cpu_opts,
              append='kunit.enable=0 %ssteal.run=shell %s'
              % ('idle=poll ' if idle_poll else '', append)).start()
    if not g.wait_shell(600):
        g.stop()
        raise RuntimeError('guest shell did not answer:\n' + g.console())
    return g.pin_vcpus()


def measure(guest, seconds):
    """Per vCPU over a window: guest /proc/stat steal, guest raw area steal,
    host run_delay and steal clock deltas, in nanoseconds. At both ends
    the guest's own user space reads /proc/stat too, and must agree."""
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
        lines.append('  %4d   %20.3f s   %13.3f s   %12.3f s   %10.4f' %
                     (cpu, d['stat'] / 1e9, d['raw'] / 1e9, d['host'] / 1e9, ratio(d)))
    return '\n'.join(lines)


def save_and_restore(guest, path, name):
    """Stop guest, save its whole state to path, and resume it in a fresh
    QEMU with the same options; return the new Guest, running and pinned
    like the old one, with the old vCPU threads' run_delay when stopped
    in saved_run_delay."""
    guest.qmp('stop')
    saved_run_delay = [guest.host_run_delay(tid) for tid in guest.tids]
    guest.qmp('migrate', uri='exec:cat > %s' % path)
    deadline = time.time() + 120
    while guest.qmp('query-migrate').get('status') != 'completed':
        if time.time() > deadline:
            raise RuntimeError('saving the guest did not complete')
        time.sleep(0.1)
    guest.stop()
    new = Guest.__new__(Guest)
    new.__dict__.update(guest.__dict__)
    new.dir = tempfile.mkdtemp(prefix='steal-guest-')
    new.log = os.path.join(new.dir, 'console.log')
    new.qmp_path = os.path.join(new.dir, 'qmp.sock')
    args = list(guest.args)
    args[args.index('-name') + 1] = name + ',debug-threads=on'
    args[args.index('-serial') + 1] = 'file:' + new.log
    args[args.index('-qmp') + 1] = 'unix:%s,server=on,wait=off' % new.qmp_path
    new.shell_path = os.path.join(new.dir, 'shell.sock')
    args[args.index('-chardev') + 1] = 'socket,id=shell,path=%s,server=on,wait=off' % new.shell_path
    new.args = args + ['-incoming', 'exec:cat %s' % path]
    new.proc = new.sock = new.shell_sock = None
    new.start()
    deadline = time.time() + 120
    while new.qmp('query-migrate').get('status') != 'completed':
        if time.time() > deadline:
            raise RuntimeError('restoring the guest did not complete')
        time.sleep(0.1)
    if not new.qmp('query-status').get('running'):
        new.qmp('cont')
    new.saved_run_delay = saved_run_delay
    return new.pin_vcpus()


def deltas(a, b):
    return [{'stat': y[0] - x[0], 'raw': y[1] - x[1], 'host': y[2] - x[2],
             'clock': y[3] - x[3]} for x, y in zip(a, b)]


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
