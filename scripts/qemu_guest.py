# SPDX-License-Identifier: GPL-2.0
"""Boot our test guest under QEMU and control it: QMP and the monitor,
the guest's memory read through the monitor (the kernel's internals: the
host-written counter, the core's steal clock, kcpustat), a shell running
in the guest on its second serial port (what an admin reads: /proc/stat,
debugfs, sysfs), and saving and restoring a guest."""

import json
import os
import re
import socket
import subprocess
import tempfile
import time

from hosts import BUILD, die_with_parent, pin
from steal_figures import CPUTIME_STEAL, proc_stat_rows


# x86-64's direct map of all physical memory with 4-level paging and
# nokaslr (Documentation/arch/x86/x86_64/mm.rst): per-CPU data lives there.
DIRECT_MAP = 0xffff888000000000
DIRECT_MAP_END = 0xffffc88000000000


# What a guest kernel prints before it gives up; the guests boot with
# panic=-1, so a panic resets them too.
KERNEL_TROUBLE = re.compile(r'Kernel panic|BUG:|Oops|general protection fault|Call Trace')


# How each architecture's guest boots: QEMU, machine, console, where its
# kernel's image is (arch/KARCH/boot/), and the CPU model under TCG. The
# virt machines have no devices by default but ours.
MACHINES = {
    'x86_64': dict(qemu='qemu-system-x86_64', machine=[], console='ttyS0', karch='x86',
                   tcg_cpu=None),
    'arm64': dict(qemu='qemu-system-aarch64', machine=['-M', 'virt,gic-version=3', '-nodefaults'],
                  console='ttyAMA0', karch='arm64', tcg_cpu='max'),
    'riscv64': dict(qemu='qemu-system-riscv64', machine=['-M', 'virt', '-nodefaults'],
                    console='ttyS0', karch='riscv', tcg_cpu=None),
}


class GuestReset(RuntimeError):
    """QEMU exited because its guest was reset (-no-reboot) and the guest's
    kernel said nothing before: no panic, no oops. A guest kernel does not
    reset itself silently; on x86 that is a triple fault, which the
    hypervisor raised or let happen."""


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
                 bzimage=False, no_reboot=True, arch='x86_64'):
        self.kind = kind
        self.arch = arch
        m = MACHINES[arch]
        variant = variant or ('product' if arch == 'x86_64' else arch)
        self.vmlinux = os.path.join(BUILD, variant, 'obj', 'vmlinux')
        # The ELF vmlinux boots through PVH, the fastest way (test-host.md);
        # a bzImage goes through the firmware, which S3 resume needs.
        if arch != 'x86_64':
            image = os.path.join(BUILD, variant, 'obj', 'arch', m['karch'], 'boot', 'Image')
        elif bzimage:
            image = os.path.join(BUILD, variant, 'obj', 'arch', 'x86', 'boot', 'bzImage')
        else:
            image = self.vmlinux
        if initrd is None:
            initrd = 'busybox' if arch == 'x86_64' else 'busybox-' + arch
        self.initrd = os.path.join(BUILD, 'initramfs-%s.cpio.gz' % initrd)
        self.smp = smp
        self.dir = tempfile.mkdtemp(prefix='steal-guest-')
        self.log = os.path.join(self.dir, 'console.log')
        self.qmp_path = os.path.join(self.dir, 'qmp.sock')
        self.shell_path = os.path.join(self.dir, 'shell.sock')
        cmdline = 'console=%s panic=-1 nokaslr %s' % (m['console'], append)
        args = [m['qemu'], '-name', name + ',debug-threads=on'] + m['machine'] + [
            '-m', str(mem), '-smp', str(smp), '-display', 'none',
            '-kernel', image, '-initrd', self.initrd,
            '-serial', 'file:' + self.log,
            '-chardev', 'socket,id=shell,path=%s,server=on,wait=off' % self.shell_path]
        # The shell's port: a second serial port, or a virtio console
        # where the machine has one serial port.
        if arch == 'x86_64':
            args += ['-serial', 'chardev:shell']
        else:
            args += ['-device', 'virtio-serial-device', '-device', 'virtconsole,chardev=shell']
        args += ['-qmp', 'unix:%s,server=on,wait=off' % self.qmp_path]
        if no_reboot:
            args.append('-no-reboot')
        if kind == 'tcg':
            args += ['-accel', 'tcg'] + (['-cpu', m['tcg_cpu']] if m['tcg_cpu'] else [])
        else:
            args += ['-accel', 'kvm', '-cpu', 'host' + cpu_opts]
        args += ['-append', cmdline.strip()] + list(extra)
        self.args = args
        self.proc = None
        self.sock = None
        self.shell_sock = None
        self.shell_seq = 0
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
        """A u64 of guest memory at a kernel virtual address. The monitor
        translates with the page tables its vCPU has loaded, which lack
        most of the kernel while that vCPU runs user space (page table
        isolation): the direct map is read by physical address instead,
        and anything else is tried again for a moment."""
        if DIRECT_MAP <= addr < DIRECT_MAP_END:
            cmd = 'xp /1gx 0x%x' % (addr - DIRECT_MAP)
        else:
            cmd = 'x /1gx 0x%x' % addr
        for _ in range(100):
            out = self.hmp(cmd)
            m = re.search(r':\s*0x([0-9a-f]+)', out)
            if m:
                return int(m.group(1), 16)
            time.sleep(0.01)
        raise RuntimeError('cannot read guest memory at 0x%x: %r' % (addr, out))

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
        # Markers of this command alone: what an earlier command that
        # timed out printed late (a slow boot's "echo ready") comes before
        # the first and is dropped.
        self.shell_seq += 1
        begin, end = '@@%d<' % self.shell_seq, '@@%d> ' % self.shell_seq
        self.shell_sock.sendall(('echo "%s"; %s; echo "%s$?"\n' % (begin, cmd, end)).encode())
        buf = b''
        while not buf.endswith(b'\n') or end.encode() not in buf:
            try:
                chunk = self.shell_sock.recv(65536)
            except ConnectionResetError:
                chunk = b''
                time.sleep(1)
            except socket.timeout:
                raise RuntimeError('the guest shell did not finish %r in %d s; it printed %r\n'
                                   'The console ends:\n%s'
                                   % (cmd[:200], timeout, buf[-500:],
                                      '\n'.join(self.console().splitlines()[-60:]))) from None
            if not chunk:
                # The shell's socket closes before QEMU has exited: give
                # it time, so that a reset is told as one.
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    pass
                if self.proc.poll() is not None:
                    self.died()
                raise RuntimeError('the guest shell closed: %r\nThe console ends:\n%s'
                                   % (buf[-500:], '\n'.join(self.console().splitlines()[-60:])))
            buf += chunk
        out, _, status = buf.decode(errors='replace').rpartition(end)
        out = out.partition(begin + '\n')[2]
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
        """The steal clock for cpu as our core defines it: the area's
        counter less the base kept right after the area (struct
        kvm_steal_percpu); the raw counter in upstream's kernel."""
        base = (self.read_u64(self.percpu('kvm_steal_area', cpu, 64))
                if self.has('steal_time_state') else 0)
        return self.raw_steal(cpu) - base

    def host_run_delay(self, tid):
        try:
            with open('/proc/%d/task/%d/schedstat' % (self.proc.pid, tid)) as f:
                return int(f.read().split()[1])
        except FileNotFoundError:
            self.died()

    def died(self):
        """Raise with what QEMU and the guest said last, once QEMU is gone:
        GuestReset if the guest was reset without a word from its kernel."""
        self.proc.wait(10)
        console = self.console()
        why = ('qemu exited with %s: %s\nguest console, last lines:\n%s' % (
            self.proc.returncode, self.proc.stdout.read().decode(errors='replace').strip(),
            '\n'.join(console.splitlines()[-40:])))
        if self.proc.returncode == 0 and not KERNEL_TROUBLE.search(console):
            raise GuestReset(why)
        raise RuntimeError(why)

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


def busy_vcpus(g):
    """One CPU-bound loop per vCPU of guest g, so that its vCPUs always
    want to run where idle=poll is not there (arm64, riscv64)."""
    g.shell("for c in $(seq 0 %d); do taskset -c $c sh -c 'while :; do :; done' "
            ">/dev/null 2>&1 & done; echo started" % (g.smp - 1))


def boot_for_steal(kind, name, cpu_opts='', append='', variant=None, idle_poll=True,
                   extra=(), arch='x86_64'):
    """A guest whose vCPUs always want to run (idle=poll; or, with
    idle_poll False, halt when idle as guests do), with a shell on its
    second serial port (extra: more QEMU options). Returns it once the
    shell answers, with its vCPU threads pinned one per host core, or
    raises with the console."""
    g = Guest(kind, variant=variant, name=name, cpu_opts=cpu_opts, extra=extra, arch=arch,
              append='kunit.enable=0 %ssteal.run=shell %s'
              % ('idle=poll ' if idle_poll else '', append)).start()
    if not g.wait_shell(600):
        if g.proc.poll() is not None:
            g.died()
        g.stop()
        raise RuntimeError('guest shell did not answer:\n' + g.console())
    return g.pin_vcpus()


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
