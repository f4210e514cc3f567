# SPDX-License-Identifier: GPL-2.0
"""KUnit on another architecture's guest, built with Debian's cross
compiler and booted on QEMU's virt machine under TCG: our objects built
W=1 without a warning, a boot log without a line from the backend (the
emulated machine offers no steal time, and a kernel without a steal time
source says nothing, as on bare metal), and every case of the suites. It
boots without an initramfs: the guest ends after KUnit, finding no root
file system."""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts'))
import hosts  # noqa: E402
import verdicts  # noqa: E402

# How the boot ends without an initramfs.
NO_ROOT = re.compile(r'No working init found|Unable to mount root fs')
CORE_OBJS = ['kernel/steal_time.o', 'kernel/steal_time_debugfs.o', 'kernel/steal_time_kunit.o']


def plan(suites):
    """The W=1 build, the backend's silence, and every case."""
    verdicts.plan(2 + verdicts.kunit_cases(suites))


def run(variant, arch, cross, objs, qemu, suites, backend_prefix, inactive_why,
        timeout=300):
    """Build @objs of build/@variant W=1, boot its Image with the @qemu
    command line (console on stdio), report the suites. @backend_prefix
    starts every line the backend logs, none of which may appear when the
    machine offers no steal time, and @inactive_why is the reason its
    live cases skip with then."""
    tree = os.path.join(hosts.BUILD, variant)
    image = os.path.join(tree, 'obj', 'arch', arch, 'boot', 'Image')
    label = 'kunit-' + variant
    if not os.path.exists(image):
        verdicts.check(label, False, 'no %s (make kernel-%s)' % (image, variant))
        sys.exit(1)

    objs = CORE_OBJS + objs
    for o in objs:
        if os.path.exists(os.path.join(tree, 'obj', o)):
            os.unlink(os.path.join(tree, 'obj', o))
    out = subprocess.run(['make', '-s', '-C', os.path.join(tree, 'linux'),
                          'O=' + os.path.join(tree, 'obj'), 'ARCH=' + arch,
                          'CROSS_COMPILE=' + cross, 'W=1'] + objs,
                         capture_output=True, text=True)
    verdicts.check('%s W=1 build of our objects is clean' % label,
                   out.returncode == 0 and not (out.stdout + out.stderr).strip(),
                   out.stdout + out.stderr)

    log = os.path.join(tree, 'console.log')
    with open(log, 'w') as f:
        guest = subprocess.Popen(qemu + ['-display', 'none', '-serial', 'stdio', '-no-reboot',
                                         '-kernel', image],
                                 stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                                 preexec_fn=hosts.die_with_parent)
    deadline = time.time() + timeout
    console = ''
    while time.time() < deadline and guest.poll() is None:
        time.sleep(1)
        with open(log, errors='replace') as f:
            console = f.read()
        if NO_ROOT.search(console):
            break
    guest.kill()
    guest.wait()
    with open(log, errors='replace') as f:
        console = f.read()
    if not NO_ROOT.search(console):
        print(console)
        verdicts.check(label, False, 'the guest did not finish its suites in %d s' % timeout)
        sys.exit(1)
    said = [line for line in console.splitlines()
            if backend_prefix in line or 'backend active' in line]
    print('\n'.join(line for line in console.splitlines() if 'steal' in line))
    verdicts.check('%s the backend says nothing under TCG' % label, not said,
                   'it said: %s' % ' | '.join(said))
    verdicts.report_kunit(console, suites, label, inactive=inactive_why)
