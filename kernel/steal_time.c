// SPDX-License-Identifier: GPL-2.0
/*
 * Paravirtual steal time: the architecture-independent core.
 *
 * One backend per hypervisor ABI registers a struct steal_time_ops early in
 * boot. From then on this file decides when each CPU's area is handed to the
 * host and taken back (CPU hotplug, reboot and kexec, suspend, crash), and
 * where each CPU's accounting starts. The steal clock itself is the
 * backend's, stateless; what the scheduler does with a counter that jumps
 * or goes back is decided where it consumes it, for every steal clock.
 *
 * See Documentation/virt/steal-time.rst.
 */
#define pr_fmt(fmt) "steal-time: " fmt

#include <linux/atomic.h>
#include <linux/cpuhotplug.h>
#include <linux/init.h>
#include <linux/irqflags.h>
#include <linux/jump_label.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/notifier.h>
#include <linux/reboot.h>
#include <linux/smp.h>
#include <linux/static_call.h>
#include <linux/steal_time.h>
#include <linux/syscore_ops.h>
#include <kunit/visibility.h>
#include <asm/paravirt.h>
#include "steal_time_internal.h"

#define CREATE_TRACE_POINTS
#include <trace/events/steal_time.h>

EXPORT_TRACEPOINT_SYMBOL_GPL(steal_time_stuck);
EXPORT_TRACEPOINT_SYMBOL_GPL(steal_time_registration);

const struct steal_time_ops *steal_time_backend __ro_after_init;
DEFINE_PER_CPU(struct steal_time_cpu, steal_time_state);

/*
 * "no-steal-acc" keeps steal in /proc/stat but stops the scheduler from
 * taking it out of the task clock (paravirt_steal_rq_enabled stays off).
 */
bool steal_time_acc __ro_after_init = true;

static int __init parse_no_steal_acc(char *arg)
{
	/* A flag, as upstream has it: a value is a mistake, not a "no". */
	if (arg)
		pr_warn("no-steal-acc takes no value, ignoring \"=%s\"; steal time is charged to tasks\n",
			arg);
	steal_time_acc = false;
	return 0;
}
early_param("no-steal-acc", parse_no_steal_acc);

/**
 * steal_time_read_retry() - a CPU's counter after a spoiled snapshot
 * @ops: backend whose @read takes the snapshots
 * @stc: the core's state for @cpu, where the retries are counted
 * @cpu: CPU whose area is read
 * @local: @cpu is the reading CPU
 *
 * The host was writing the area. It finishes in well under a microsecond
 * unless it was preempted half way or misbehaves: after
 * %STEAL_TIME_READ_TRIES snapshots in all, the counter is taken as it is
 * once two reads of it agree. A read that met the host's store of the
 * counter half way (two loads on 32-bit) cannot agree with the next, so
 * the value is one the host stored, if it stores the counter in one
 * piece, as every 64-bit host does. The host never writes the area of a
 * vCPU that runs, so a CPU that finds its own area held mid-update has a
 * host that misbehaves: that is counted (@stc->stuck) and traced.
 *
 * Return: @cpu's counter, as the host published it.
 */
VISIBLE_IF_KUNIT u64 steal_time_read_retry(const struct steal_time_ops *ops,
					   struct steal_time_cpu *stc,
					   unsigned int cpu, bool local)
{
	long tries;
	u64 steal, again;

	for (tries = 1; tries < STEAL_TIME_READ_TRIES; tries++) {
		cpu_relax();
		if (ops->read(cpu, &steal))
			goto out;
	}
	for (; tries < 2 * STEAL_TIME_READ_TRIES; tries++) {
		ops->read(cpu, &again);
		if (again == steal)
			break;
		steal = again;
	}
	if (local) {
		atomic_long_inc(&stc->stuck);
		trace_steal_time_stuck(cpu, steal);
	}
out:
	atomic_long_add(tries, &stc->retries);
	return steal;
}
EXPORT_SYMBOL_IF_KUNIT(steal_time_read_retry);

/**
 * steal_time_read_slow() - the steal clock when the first snapshot failed
 * @cpu: CPU whose steal time is read
 *
 * For a backend's &steal_time_ops.clock, out of line: any CPU, any
 * context, like the clock itself.
 *
 * Return: steal time of @cpu in nanoseconds.
 */
u64 steal_time_read_slow(unsigned int cpu)
{
	u64 steal = steal_time_read_retry(steal_time_backend,
					  per_cpu_ptr(&steal_time_state, cpu),
					  cpu, cpu == raw_smp_processor_id());

	return steal - *steal_time_backend->base(cpu);
}

static void stat_inc(unsigned long *counter)
{
	/* Only the CPU itself writes these counters; debugfs reads them. */
	WRITE_ONCE(*counter, *counter + 1);
}

/**
 * steal_time_cpu_online() - hand a CPU's area to the host
 * @ops: backend
 * @stc: the core's state for @cpu
 * @cpu: the CPU coming online; must be the calling CPU for a real backend
 *
 * Prepares the area the first time only: on re-registration x86's KVM
 * keeps adding to what the area holds, but RISC-V's zeroes it. Accounting
 * starts at the first registration the host accepts, from what the area
 * holds right after it (the host publishes before the vCPU runs again):
 * steal from before (a vCPU that waited while firmware or a previous
 * kernel ran, or whatever that kernel's host left in this memory) is not
 * this kernel's to account. A host that starts the counter again at a
 * later registration has the base moved back by as much, so that the
 * steal clock goes on from where it stopped instead of going back. A
 * refusal by the host is logged and leaves the CPU without steal time; it
 * never stops the CPU from coming up.
 *
 * Return: 0, always.
 */
VISIBLE_IF_KUNIT int steal_time_cpu_online(const struct steal_time_ops *ops,
					   struct steal_time_cpu *stc,
					   unsigned int cpu)
{
	u64 *base = ops->base(cpu);
	unsigned long flags;
	u64 steal = 0, left = 0;
	int ret;

	if (!stc->prepared) {
		ops->prepare(cpu);
		stc->prepared = true;
	}

	local_irq_save(flags);
	/* What the host left when it stopped: it writes nothing now. */
	if (stc->started && !ops->read(cpu, &left))
		left = steal_time_read_retry(ops, stc, cpu, true);
	ret = ops->enable(cpu);
	if (!ret) {
		if (!ops->read(cpu, &steal))
			steal = steal_time_read_retry(ops, stc, cpu, true);
		if (!stc->started)
			WRITE_ONCE(*base, steal);
		else if (steal < left)
			WRITE_ONCE(*base, *base - (left - steal));
		stc->started = true;
	}
	WRITE_ONCE(stc->registered, !ret);
	local_irq_restore(flags);

	trace_steal_time_registration(cpu, ret, READ_ONCE(*base));
	if (ret) {
		stat_inc(&stc->refusals);
		pr_warn("CPU%u: %s host refused the steal time area (%d)\n",
			cpu, ops->name, ret);
	} else {
		stat_inc(&stc->registrations);
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(steal_time_cpu_online);

/**
 * steal_time_cpu_offline() - take a CPU's area back from the host
 * @ops: backend
 * @stc: the core's state for @cpu
 * @cpu: the CPU going away; must be the calling CPU for a real backend
 *
 * Safe in NMI context (the crash path): no lock, no tracepoint.
 */
VISIBLE_IF_KUNIT void steal_time_cpu_offline(const struct steal_time_ops *ops,
					     struct steal_time_cpu *stc,
					     unsigned int cpu)
{
	unsigned long flags;

	local_irq_save(flags);
	ops->disable(cpu);
	WRITE_ONCE(stc->registered, false);
	local_irq_restore(flags);
	stat_inc(&stc->unregistrations);
}
EXPORT_SYMBOL_IF_KUNIT(steal_time_cpu_offline);

static int steal_time_online(unsigned int cpu)
{
	return steal_time_cpu_online(steal_time_backend,
				     per_cpu_ptr(&steal_time_state, cpu), cpu);
}

static int steal_time_offline(unsigned int cpu)
{
	steal_time_cpu_offline(steal_time_backend,
			       per_cpu_ptr(&steal_time_state, cpu), cpu);
	return 0;
}

static void steal_time_offline_this_cpu(void *unused)
{
	steal_time_offline(smp_processor_id());
}

/*
 * Restart and kexec: the next kernel may reuse the areas' memory for
 * anything, so the host must stop writing there before it starts.
 */
static int steal_time_reboot(struct notifier_block *nb, unsigned long code,
			     void *unused)
{
	on_each_cpu(steal_time_offline_this_cpu, NULL, 1);
	return NOTIFY_DONE;
}

static struct notifier_block steal_time_reboot_nb = {
	.notifier_call = steal_time_reboot,
};

/* Syscore runs on the last CPU standing; the others went through hotplug. */
static int steal_time_suspend(void *data)
{
	steal_time_offline(smp_processor_id());
	return 0;
}

static void steal_time_resume(void *data)
{
	steal_time_online(smp_processor_id());
}

static const struct syscore_ops steal_time_syscore_ops = {
	.suspend = steal_time_suspend,
	.resume = steal_time_resume,
};

static struct syscore steal_time_syscore = {
	.ops = &steal_time_syscore_ops,
};

/**
 * steal_time_cpu_shutdown() - stop the host writing this CPU's area, now
 *
 * For the crash path, which runs with other CPUs stopped and may be in NMI
 * context: the offline path takes no locks, so it serves here too.
 */
void steal_time_cpu_shutdown(void)
{
	if (steal_time_backend)
		steal_time_offline(raw_smp_processor_id());
}

/**
 * steal_time_active() - whether a backend provides steal time
 *
 * Return: true once a backend has registered.
 */
bool steal_time_active(void)
{
	return steal_time_backend;
}
EXPORT_SYMBOL_IF_KUNIT(steal_time_active);

/**
 * steal_time_cpu_registered() - whether the host has @cpu's area now
 * @cpu: CPU to ask about
 *
 * Return: true while the host accepted @cpu's area and has not been told
 * to stop writing it.
 */
bool steal_time_cpu_registered(unsigned int cpu)
{
	return READ_ONCE(per_cpu(steal_time_state, cpu).registered);
}
EXPORT_SYMBOL_IF_KUNIT(steal_time_cpu_registered);

/**
 * steal_time_register() - install a backend as the steal time source
 * @ops: the backend; must stay valid forever
 *
 * Call from the architecture's early hypervisor setup (setup_arch() time:
 * one CPU, interrupts off, jump labels initialised). This installs the
 * backend's steal clock and turns on the scheduler's steal accounting;
 * areas are handed to the host later, once per-CPU memory is final.
 *
 * Return: 0, or -EBUSY if another backend registered first.
 */
int __init steal_time_register(const struct steal_time_ops *ops)
{
	if (steal_time_backend) {
		pr_warn("%s backend ignored, %s registered first\n", ops->name,
			steal_time_backend->name);
		return -EBUSY;
	}
	steal_time_backend = ops;
	static_call_update(pv_steal_clock, ops->clock);

	/*
	 * Only the boot CPU runs, with interrupts off: nothing can execute
	 * the sites while they are patched, which some hosts cannot emulate.
	 * Until a CPU registers, its area and base read as 0.
	 */
	static_key_slow_inc(&paravirt_steal_enabled);
	if (steal_time_acc)
		static_key_slow_inc(&paravirt_steal_rq_enabled);
	return 0;
}

/*
 * An early initcall: per-CPU memory is final and only the boot CPU runs.
 * It registers here; secondary CPUs register through the hotplug callback
 * as they come up.
 */
static int __init steal_time_start(void)
{
	int ret;

	if (!steal_time_backend)
		return 0;

	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "steal_time:online",
				steal_time_online, steal_time_offline);
	if (ret < 0) {
		pr_err("no CPU hotplug state (%d); not accounting steal time\n",
		       ret);
		return ret;
	}
	register_reboot_notifier(&steal_time_reboot_nb);
	register_syscore(&steal_time_syscore);

	pr_info("%s backend active; %s\n", steal_time_backend->name,
		steal_time_acc ? "steal time is kept out of task run time" :
			    "no-steal-acc: steal time is charged to tasks");
	return 0;
}
early_initcall(steal_time_start);
