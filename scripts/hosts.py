# SPDX-License-Identifier: GPL-2.0
"""The host side: where our guests run (scripts/host-kind), the tests
that need a KVM host sent into the nested one, and contention, processes
pinned to host cores. Where the machine has no hardware KVM, the tests
that need a KVM host run inside the nested host of scripts/nested-host,
where this file sees hardware KVM (kvm_amd) and runs unchanged."""

import ctypes
import os
import signal
import subprocess
import sys


TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


BUILD = os.path.join(TOP, 'build')


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


# What uname says on each architecture whose host scripts/nested-host boots.
UNAME = {'x86_64': 'x86_64', 'arm64': 'aarch64', 'riscv64': 'riscv64'}


def has_kvm_for(arch):
    """Whether this machine is of arch and its /dev/kvm is usable."""
    return os.uname().machine == UNAME[arch] and os.access('/dev/kvm', os.R_OK | os.W_OK)


def kvm_host_for(arch):
    """kvm_host() for a test whose guests are of another architecture than
    x86_64 (arm64, riscv64): on a machine of that architecture with a
    usable /dev/kvm it returns 'kvm'; anywhere else, this one included,
    it runs the calling test again inside the nested host of that
    architecture (scripts/nested-host --arch) and exits with its status.
    STEAL_HOST=tcg returns 'tcg', a dry run of the test's own code."""
    if os.environ.get('STEAL_HOST') == 'tcg':
        return 'tcg'
    if has_kvm_for(arch):
        return 'kvm'
    print('Host: no %s KVM here; running %s inside the nested %s KVM host'
          % (arch, os.path.basename(sys.argv[0]), arch), flush=True)
    nested = os.path.join(TOP, 'scripts', 'nested-host')
    # A host that says nothing for 5 minutes has hung (TCG has been seen
    # to stop in the riscv64 host's boot on a loaded machine).
    os.execv(nested, [nested, '--arch', arch, 'run', '--quiet', '300', '--'] +
             [os.path.abspath(sys.argv[0])] + sys.argv[1:])


def die_with_parent():
    """For Popen's preexec_fn: the child is killed when the process that
    started it dies, so that a test killed by its timeout leaves no QEMU
    or hog behind."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


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
