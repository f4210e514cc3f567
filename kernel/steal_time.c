// SPDX-License-Identifier: GPL-2.0
/*
 * Paravirtual steal time: the architecture-independent core.
 *
 * One backend per hypervisor ABI registers a struct steal_time_ops early in
 * boot. From then on this file decides when each CPU's area is handed to the
 * host and taken back (CPU hotplug, reboot and kexec, suspend, crash), and
 * serves the scheduler's steal clock with the same policies for every ABI.
 *
 * See Documentation/virt/steal-time.rst.
 */
#define pr_fmt(fmt) "steal-time: " fmt

#include <linux/cpuhotplug.h>
#include <linux/init.h>
#include <linux/irqflags.h>
#include <linux/jump_label.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/notifier.h>
#include <linux/reboot.h>
#include <linux/sched/clock.h>
#include <linux/smp.h>
#include <linux/static_call.h>
#include <linux/string.h>
#include <linux/u64_stats_sync.h>
#include <linux/steal_time.h>
#include <linux/syscore_ops.h>
#include <kunit/visibility.h>
#include <asm/paravirt.h>
#include "steal_time_internal.h"

#define CREATE_TRACE_POINTS
#include <trace/events/steal_time.h>

EXPORT_TRACEPOINT_SYMBOL_GPL(steal_time_update);
EXPORT_TRACEPOINT_SYMBOL_GPL(steal_time_anomaly);

const struct steal_time_ops *steal_time_backend __ro_after_init;
/* All zero until a CPU registers: the scheduler may read it before that. */
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

static bool steal_read_none(unsigned int cpu, u64 *steal, u64 *token)
{
	return false;
}

/* A direct call into the backend: the clock is on the scheduler's hot path. */
DEFINE_STATIC_CALL(steal_time_backend_read, steal_read_none);

static void stat_inc(unsigned long *counter)
{
	/* Only the CPU itself writes its counters; debugfs reads them. */
	WRITE_ONCE(*counter, *counter + 1);
}

/* One consistent snapshot of the host's counter, in a bounded number of tries. */
static __always_inline bool steal_snapshot(bool (*read)(unsigned int, u64 *, u64 *),
					   struct steal_time_cpu *stc,
					   unsigned int cpu, u64 *raw, u64 *token)
{
	int tries;

	for (tries = 0; tries < STEAL_TIME_READ_TRIES; tries++) {
		if (read(cpu, raw, token))
			return true;
		stat_inc(&stc->stats.retries);
		cpu_relax();
	}
	stat_inc(&stc->stats.stuck);
	return false;
}

/* The only writer of @stc->value: the CPU itself, interrupts off. */
static void steal_time_set_value(struct steal_time_cpu *stc, u64 value)
{
#if BITS_PER_LONG == 32
	raw_write_seqcount_latch(&stc->latch);
	stc->latched[0] = value;
	raw_write_seqcount_latch(&stc->latch);
	stc->latched[1] = value;
#endif
	WRITE_ONCE(stc->value, value);
}

static void steal_drop(struct steal_time_cpu *stc, u64 ns)
{
	struct steal_time_stats *s = &stc->stats;
	u64 dropped;

	if (!ns)
		return;
	/* u64_stats_add() takes a long: too short for this on 32-bit. */
	if (check_add_overflow(u64_stats_read(&s->dropped_ns), ns, &dropped))
		dropped = U64_MAX;
	u64_stats_update_begin(&s->syncp);
	u64_stats_set(&s->dropped_ns, dropped);
	u64_stats_update_end(&s->syncp);
}

/* How much the steal clock may still grow, by the last reading of the clock. */
static u64 steal_allowed(const struct steal_time_cpu *stc)
{
	u64 limit = stc->seen + STEAL_TIME_SLACK_NS;

	return limit > stc->horizon ? limit - stc->horizon : 0;
}

/*
 * Fold a new host counter into @stc, on the CPU itself with interrupts off.
 *
 * The bound: since the area was registered, this CPU cannot have waited
 * longer than the time that passed, so @value may grow only while it
 * stays behind the CPU's own clock (@horizon is the registration time
 * plus every nanosecond accounted since). A host that keeps to this never
 * loses a nanosecond here, however its updates and our reads interleave,
 * since nothing is bounded per interval. Growth beyond the bound (clock
 * skew, or a host that is wrong) waits in @carry, released as the clock
 * moves on; only the part beyond %STEAL_TIME_CARRY_MAX_NS is dropped.
 */
static void steal_update(struct steal_time_cpu *stc, unsigned int cpu,
			 u64 raw, u64 token, u64 (*clock)(void))
{
	u64 growth, pending, allowed, carry;

	if (raw < stc->raw) {
		/*
		 * Seen after restore or migration on some hosts. What was
		 * accounted stays accounted; only growth from here on counts.
		 */
		stat_inc(&stc->stats.backwards);
		trace_steal_time_anomaly(cpu, STEAL_TIME_BACKWARDS, raw, stc->value);
		growth = 0;
	} else {
		growth = raw - stc->raw;
	}

	if (check_add_overflow(growth, stc->carry, &pending))
		pending = U64_MAX;
	if (!clock) {			/* no clock: no bound */
		allowed = U64_MAX;
	} else {
		/*
		 * The clock only moves forward: while the steal fits below
		 * an earlier reading, it fits below the current one, and
		 * the clock need not be read at all, which is nearly always.
		 */
		allowed = steal_allowed(stc);
		if (pending > allowed) {
			stc->seen = clock();
			allowed = steal_allowed(stc);
		}
	}
	if (pending > allowed) {
		if (growth > allowed) {
			stat_inc(&stc->stats.clamped);
			trace_steal_time_anomaly(cpu, STEAL_TIME_CLAMPED, raw,
						 stc->value);
		}
		carry = min_t(u64, pending - allowed, STEAL_TIME_CARRY_MAX_NS);
		steal_drop(stc, pending - allowed - carry);
		pending = allowed;
	} else {
		carry = 0;
	}

	stc->carry = carry;
	stc->horizon += pending;
	stc->raw = raw;
	steal_time_set_value(stc, stc->value + pending);
	/*
	 * A reader that sees the new token must see the value that goes with
	 * it. While carry waits, no token matches and the next read on this
	 * CPU comes back here to release it.
	 */
	smp_wmb();
	WRITE_ONCE(stc->token, carry ? STEAL_TIME_NO_TOKEN : token);
	trace_steal_time_update(cpu, raw, stc->value, pending, carry);
}

/*
 * The slow path, on the CPU itself with interrupts off. Only the CPU whose
 * area it is folds the host's news in: its clock bounds the growth and
 * nobody else writes its state, so no lock is needed. An NMI that finds
 * a fold under way takes the value from before it.
 */
static __always_inline u64 steal_fold(bool (*read)(unsigned int, u64 *, u64 *),
				      struct steal_time_cpu *stc,
				      unsigned int cpu, u64 (*clock)(void))
{
	u64 raw, token, value;

	if (stc->folding || !stc->registered)
		return steal_time_value(stc);
	stc->folding = true;
	barrier();
	if (steal_snapshot(read, stc, cpu, &raw, &token)) {
		if (token != stc->token)
			steal_update(stc, cpu, raw, token, clock);
	} else {
		trace_steal_time_anomaly(cpu, STEAL_TIME_STUCK, stc->raw,
					 stc->value);
	}
	value = stc->value;
	barrier();
	stc->folding = false;
	return value;
}

/* For KUnit only: the live per-CPU state is statically initialised. */
#if IS_ENABLED(CONFIG_KUNIT)
/**
 * steal_time_cpu_init() - state of a simulated CPU before its first read
 * @stc: the core's state for one CPU
 * @registered: start as if the host had the area since time 0, with a
 *		counter of 0; otherwise as a CPU that never came online
 */
void steal_time_cpu_init(struct steal_time_cpu *stc, bool registered)
{
	memset(stc, 0, sizeof(*stc));
	u64_stats_init(&stc->stats.syncp);
	stc->prepared = registered;
	stc->started = registered;
	stc->registered = registered;
}
EXPORT_SYMBOL_IF_KUNIT(steal_time_cpu_init);

/**
 * steal_time_read_cpu() - read a CPU's steal clock through @ops
 * @ops: backend whose @read takes the snapshot
 * @stc: the core's state for @cpu
 * @cpu: CPU whose steal time is read
 * @clock: monotonic nanosecond clock of @cpu that bounds how fast steal
 *	   can grow, or NULL for no bound (to test the read protocol alone)
 * @local: read as @cpu itself, which folds the host's news in; otherwise
 *	   as another CPU, which takes the value last folded in
 *
 * The policy of the scheduler's steal clock, with the backend, the clock
 * and the reader's place given explicitly so that KUnit can drive it with
 * a simulated host. At most one caller at a time may pass @local true.
 *
 * Return: steal time of @cpu in nanoseconds, never less than a value
 * returned before for @stc.
 */
u64 steal_time_read_cpu(const struct steal_time_ops *ops,
			struct steal_time_cpu *stc, unsigned int cpu,
			u64 (*clock)(void), bool local)
{
	unsigned long flags;
	u64 value;

	if (!local)
		return steal_time_value(stc);
	local_irq_save(flags);
	value = steal_fold(ops->read, stc, cpu, clock);
	local_irq_restore(flags);
	return value;
}
EXPORT_SYMBOL_IF_KUNIT(steal_time_read_cpu);
#endif /* CONFIG_KUNIT */

static bool steal_read_backend(unsigned int cpu, u64 *steal, u64 *token)
{
	return static_call(steal_time_backend_read)(cpu, steal, token);
}

static u64 steal_clock_now(void)
{
	return local_clock();
}

/**
 * steal_time_clock_slow() - the steal clock when the host has news
 * @cpu: CPU whose steal time is read
 *
 * For steal_time_clock_fast(), after the area's token differed from the
 * one last folded in. On @cpu itself the news is folded in; any other CPU
 * gets the value last folded in, which the host's news reaches as soon
 * as @cpu reads its own clock (the host publishes when the vCPU enters,
 * and the first tick or scheduler event there reads it).
 *
 * Return: steal time of @cpu in nanoseconds.
 */
u64 steal_time_clock_slow(unsigned int cpu)
{
	struct steal_time_cpu *stc = per_cpu_ptr(&steal_time_state, cpu);
	unsigned long flags;
	u64 value;

	if (cpu != raw_smp_processor_id())
		return steal_time_value(stc);
	local_irq_save(flags);
	/* Preemptible callers may have moved before interrupts went off. */
	if (likely(cpu == smp_processor_id()))
		value = steal_fold(steal_read_backend, stc, cpu, steal_clock_now);
	else
		value = steal_time_value(stc);
	local_irq_restore(flags);
	return value;
}

/* For a backend without a clock of its own. */
static u64 steal_time_clock(int cpu)
{
	return steal_time_clock_slow(cpu);
}

/**
 * steal_time_cpu_online() - hand a CPU's area to the host
 * @ops: backend
 * @stc: the core's state for @cpu
 * @cpu: the CPU coming online; must be the calling CPU for a real backend
 * @now: @cpu's clock, in the time base steal_update() bounds growth with
 *
 * Prepares the area the first time only: on re-registration the host keeps
 * adding to what the area holds. Accounting starts at the first
 * registration the host accepts, from what the area holds right after it:
 * steal from before (a vCPU that waited while firmware or a previous
 * kernel ran, or whatever that kernel's host left in this memory) is not
 * this kernel's to account. A refusal by the host is logged and leaves
 * the CPU without steal time; it never stops the CPU from coming up.
 *
 * Return: 0, always.
 */
VISIBLE_IF_KUNIT int steal_time_cpu_online(const struct steal_time_ops *ops,
					   struct steal_time_cpu *stc,
					   unsigned int cpu, u64 now)
{
	unsigned long flags;
	u64 raw, token;
	int ret;

	if (!stc->prepared) {
		ops->prepare(cpu);
		stc->prepared = true;
	}

	local_irq_save(flags);
	ret = ops->enable(cpu);
	if (!ret && !stc->started) {
		if (steal_snapshot(ops->read, stc, cpu, &raw, &token)) {
			stc->raw = raw;
			/* Folded readers must not match a token before this. */
			WRITE_ONCE(stc->token, token);
		} else {
			stc->raw = 0;
			WRITE_ONCE(stc->token, STEAL_TIME_NO_TOKEN);
		}
		stc->horizon = now;
		stc->seen = now;
		stc->started = true;
	}
	WRITE_ONCE(stc->registered, !ret);
	local_irq_restore(flags);

	if (ret) {
		stat_inc(&stc->stats.refusals);
		pr_warn("CPU%u: %s host refused the steal time area (%d); steal stays at %llu ns\n",
			cpu, ops->name, ret, steal_time_value(stc));
	} else {
		stat_inc(&stc->stats.registrations);
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(steal_time_cpu_online);

/**
 * steal_time_cpu_offline() - take a CPU's area back from the host
 * @ops: backend
 * @stc: the core's state for @cpu
 * @cpu: the CPU going away; must be the calling CPU for a real backend
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
	stat_inc(&stc->stats.unregistrations);
}
EXPORT_SYMBOL_IF_KUNIT(steal_time_cpu_offline);

static int steal_time_online(unsigned int cpu)
{
	return steal_time_cpu_online(steal_time_backend,
				     per_cpu_ptr(&steal_time_state, cpu), cpu,
				     local_clock());
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

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * steal_time_online_this_cpu() - register the calling CPU's area again
 * @unused: for on_each_cpu()
 *
 * Lets KUnit undo steal_time_reboot() and go on accounting.
 */
void steal_time_online_this_cpu(void *unused)
{
	steal_time_online(smp_processor_id());
}
EXPORT_SYMBOL_IF_KUNIT(steal_time_online_this_cpu);

/**
 * steal_time_sched_clock() - what the scheduler's steal clock says
 * @cpu: CPU whose steal time is read
 *
 * paravirt_steal_clock() for KUnit built as a module, which cannot reach
 * the static call the scheduler uses.
 *
 * Return: steal time of @cpu in nanoseconds.
 */
u64 steal_time_sched_clock(int cpu)
{
	return paravirt_steal_clock(cpu);
}
EXPORT_SYMBOL_IF_KUNIT(steal_time_sched_clock);
#endif /* CONFIG_KUNIT */

/**
 * steal_time_reboot() - reboot notifier: unregister every online CPU
 * @nb: the notifier block
 * @code: SYS_RESTART (also kexec), SYS_HALT or SYS_POWER_OFF
 * @unused: the restart command
 *
 * Restart and kexec: the next kernel may reuse the areas' memory for
 * anything, so the host must stop writing there before it starts.
 *
 * Return: NOTIFY_DONE.
 */
VISIBLE_IF_KUNIT int steal_time_reboot(struct notifier_block *nb,
				       unsigned long code, void *unused)
{
	on_each_cpu(steal_time_offline_this_cpu, NULL, 1);
	return NOTIFY_DONE;
}
EXPORT_SYMBOL_IF_KUNIT(steal_time_reboot);

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
 * steal clock and turns on the scheduler's steal accounting; areas are
 * handed to the host later, once per-CPU memory is final.
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
	static_call_update(steal_time_backend_read, ops->read);
	static_call_update(pv_steal_clock, ops->clock ?: steal_time_clock);

	/*
	 * Only the boot CPU runs, with interrupts off: nothing can execute
	 * the sites while they are patched, which some hosts cannot emulate.
	 * Until a CPU registers, its area and state read as 0.
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
	unsigned int cpu;
	int ret;

	if (!steal_time_backend)
		return 0;

	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu(steal_time_state, cpu).stats.syncp);
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

/*
 * Other hypervisors (Xen, VMware) feed the scheduler's steal clock with
 * code of their own, some as late as arch_initcall: only once they all
 * had their turn can "nobody" be said truthfully.
 */
static int __init steal_time_say_none(void)
{
	if (!steal_time_backend && !static_key_enabled(&paravirt_steal_enabled))
		pr_info("no hypervisor offers steal time; not accounting it\n");
	return 0;
}
late_initcall(steal_time_say_none);
