// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of the scheduler's steal clock, built into both kernels that
 * `make bench` compares: ours and upstream 6.12's. It uses only what both
 * have (paravirt_steal_clock(), the scheduler, CPU hotplug and, on x86,
 * MSR_KVM_STEAL_TIME), so one file measures both the same way.
 *
 * Nothing runs unless the kernel is booted with steal_time_bench.run=1.
 * Results are "steal_time_bench: " lines in the kernel log, which
 * scripts/bench.py reads; see bench/README.md for what they mean.
 */
#define pr_fmt(fmt) "steal_time_bench: " fmt

#include <linux/completion.h>
#include <linux/cgroup.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/irqflags.h>
#include <linux/jump_label.h>
#include <linux/kallsyms.h>
#include <linux/kernel_stat.h>
#include <linux/kstrtox.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/sched/cputime.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/static_call.h>
#include <linux/timekeeping.h>
#include <asm/paravirt.h>
#include <asm/timex.h>
#ifdef CONFIG_X86
#include <asm/kvm_para.h>
#include <asm/msr.h>
#include <asm/tsc.h>
#endif
/* The run queue, to update its clock as the scheduler does. */
#include <linux/mmu_context.h>
#include "sched/sched.h"

/* Defaults, also what an out-of-range value falls back to. */
#define BENCH_CALLS		10000
#define BENCH_SAMPLES		101
#define BENCH_SWITCHES		20000
#define BENCH_SWITCH_SAMPLES	11
#define BENCH_ONLINE_SAMPLES	11
#define BENCH_MAX_SAMPLES	1001

static bool run;
module_param(run, bool, 0444);
MODULE_PARM_DESC(run, "Run the benchmark at boot");

static unsigned int calls = BENCH_CALLS;
module_param(calls, uint, 0444);
MODULE_PARM_DESC(calls, "Steal clock calls per sample, timed with interrupts off (1-1000000)");

static unsigned int samples = BENCH_SAMPLES;
module_param(samples, uint, 0444);
MODULE_PARM_DESC(samples, "Samples per read-cost figure; the median is reported (1-1001)");

static unsigned int switches = BENCH_SWITCHES;
module_param(switches, uint, 0444);
MODULE_PARM_DESC(switches, "Ping-pong round trips per sample (1-1000000)");

static unsigned int switch_samples = BENCH_SWITCH_SAMPLES;
module_param(switch_samples, uint, 0444);
MODULE_PARM_DESC(switch_samples, "Samples per ping-pong figure (1-1001)");

static unsigned int online_samples = BENCH_ONLINE_SAMPLES;
module_param(online_samples, uint, 0444);
MODULE_PARM_DESC(online_samples, "CPU offline/online cycles to time (0-1001)");

static unsigned int updates;
module_param(updates, uint, 0444);
MODULE_PARM_DESC(updates, "Host updates after which to time the first steal clock read (0-1001)");

static char clock_fn[KSYM_NAME_LEN];
module_param_string(clock_fn, clock_fn, sizeof(clock_fn), 0444);
MODULE_PARM_DESC(clock_fn, "Also time this steal clock function, called by name");

/* Keeps the compiler from dropping the loops whose results nobody uses. */
static u64 bench_sink;

/* The floor: an 8-byte per-CPU load behind the same kind of call. */
static DEFINE_PER_CPU(u64, bench_word);

static u64 bench_floor_read(int cpu)
{
	return READ_ONCE(*per_cpu_ptr(&bench_word, cpu));
}

DEFINE_STATIC_CALL(bench_floor_call, bench_floor_read);

/*
 * By name: a steal clock function called directly, whether or not the host
 * offers steal time. Without a host its area reads as zeroes, which is what
 * a quiet host leaves, so the function runs its common path; this lets the
 * two kernels' read paths be compared even under emulation (TCG).
 */
static u64 (*bench_named)(int cpu);

/* The floor as an indirect call, like bench_named's: opaque to the compiler. */
static u64 (*bench_named_floor_ptr)(int cpu) = bench_floor_read;

enum bench_what {
	BENCH_CLOCK, BENCH_FLOOR, BENCH_LOAD, BENCH_NAMED, BENCH_NAMED_FLOOR,
	BENCH_WHATS
};

/* Cycles for n reads of one kind on @cpu's data, interrupts off. */
static noinline u64 bench_loop(enum bench_what what, int cpu, unsigned int n)
{
	unsigned long flags;
	unsigned int i;
	u64 sum = 0;
	cycles_t t0, t1;

	local_irq_save(flags);
	t0 = get_cycles();
	switch (what) {
	case BENCH_CLOCK:
		for (i = 0; i < n; i++)
			sum += paravirt_steal_clock(cpu);
		break;
	case BENCH_FLOOR:
		for (i = 0; i < n; i++)
			sum += static_call(bench_floor_call)(cpu);
		break;
	case BENCH_LOAD:
		for (i = 0; i < n; i++) {
			sum += READ_ONCE(*per_cpu_ptr(&bench_word, cpu));
			barrier();
		}
		break;
	case BENCH_NAMED:
		for (i = 0; i < n; i++)
			sum += bench_named(cpu);
		break;
	default:
		for (i = 0; i < n; i++)
			sum += READ_ONCE(bench_named_floor_ptr)(cpu);
		break;
	}
	t1 = get_cycles();
	local_irq_restore(flags);
	WRITE_ONCE(bench_sink, bench_sink + sum);
	return t1 - t0;
}

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 bench_median(u64 *v, unsigned int n)
{
	sort(v, n, sizeof(*v), bench_cmp_u64, NULL);
	return v[n / 2];
}

/* Hundredths of a cycle per call, as "12.34". */
static void bench_print_read(const char *where, u64 *centi)
{
	pr_info("read %s: steal_clock %llu.%02llu floor %llu.%02llu load %llu.%02llu cycles/call (median of %u x %u)\n",
		where, centi[BENCH_CLOCK] / 100, centi[BENCH_CLOCK] % 100,
		centi[BENCH_FLOOR] / 100, centi[BENCH_FLOOR] % 100,
		centi[BENCH_LOAD] / 100, centi[BENCH_LOAD] % 100,
		samples, calls);
	if (bench_named)
		pr_info("read %s by name: %s %llu.%02llu floor %llu.%02llu cycles/call (median of %u x %u)\n",
			where, clock_fn, centi[BENCH_NAMED] / 100,
			centi[BENCH_NAMED] % 100, centi[BENCH_NAMED_FLOOR] / 100,
			centi[BENCH_NAMED_FLOOR] % 100, samples, calls);
}

static void bench_read_cost(void)
{
	u64 *v, centi[2][BENCH_WHATS];
	int self, other, w, s, where;

	v = kcalloc(2 * BENCH_WHATS * samples, sizeof(*v), GFP_KERNEL);
	if (!v)
		return;

	migrate_disable();
	self = smp_processor_id();
	other = cpumask_any_but(cpu_online_mask, self);
	/* Interleaved, so that a slow phase of the host hits every figure. */
	for (s = 0; s < samples; s++)
		for (where = 0; where < 2; where++)
			for (w = 0; w < BENCH_WHATS; w++) {
				int cpu = where && other < nr_cpu_ids ? other : self;

				if (w >= BENCH_NAMED && !bench_named)
					continue;
				v[(where * BENCH_WHATS + w) * samples + s] =
					bench_loop(w, cpu, calls);
			}
	migrate_enable();

	for (where = 0; where < 2; where++)
		for (w = 0; w < BENCH_WHATS; w++)
			centi[where][w] = div_u64(100 * bench_median(v + (where * BENCH_WHATS + w) *
								   samples, samples),
						  calls);
	kfree(v);
	bench_print_read("local", centi[0]);
	if (other < nr_cpu_ids)
		bench_print_read("remote", centi[1]);
	else
		pr_info("read remote: n/a (one CPU online)\n");
}

/*
 * Two kthreads handing a token back and forth: every hand-off is a switch.
 * Also the steal ping's CPU saw meanwhile: with steal arriving, the time
 * less the steal is what the switches cost the guest.
 */
static struct {
	struct completion ping, pong, done;
	u64 ns, steal;
} bench_pp;

static int bench_pong(void *unused)
{
	unsigned int i;

	for (i = 0; i < switches; i++) {
		wait_for_completion(&bench_pp.ping);
		complete(&bench_pp.pong);
	}
	return 0;
}

static int bench_ping(void *unused)
{
	unsigned int i;
	int cpu = raw_smp_processor_id();
	u64 steal = paravirt_steal_clock(cpu), t0 = ktime_get_ns();

	for (i = 0; i < switches; i++) {
		complete(&bench_pp.ping);
		wait_for_completion(&bench_pp.pong);
	}
	bench_pp.ns = ktime_get_ns() - t0;
	bench_pp.steal = paravirt_steal_clock(cpu) - steal;
	complete(&bench_pp.done);
	return 0;
}

/*
 * Each kthread joins the cgroups of its task, if any, before it first
 * runs (NULL: it stays in the root).
 */
static int bench_switch_once(int ping_cpu, int pong_cpu,
			     struct task_struct *ping_from,
			     struct task_struct *pong_from, u64 *ns, u64 *own)
{
	struct task_struct *ping, *pong;
	int ret = 0;

	init_completion(&bench_pp.ping);
	init_completion(&bench_pp.pong);
	init_completion(&bench_pp.done);
	pong = kthread_create(bench_pong, NULL, "bench_pong");
	if (IS_ERR(pong))
		return PTR_ERR(pong);
	ping = kthread_create(bench_ping, NULL, "bench_ping");
	if (IS_ERR(ping)) {
		kthread_stop(pong);
		return PTR_ERR(ping);
	}
	if (pong_from)
		ret = cgroup_attach_task_all(pong_from, pong);
	if (!ret && ping_from)
		ret = cgroup_attach_task_all(ping_from, ping);
	if (ret) {
		kthread_stop(ping);
		kthread_stop(pong);
		return ret;
	}
	kthread_bind(pong, pong_cpu);
	kthread_bind(ping, ping_cpu);
	wake_up_process(pong);
	wake_up_process(ping);
	wait_for_completion(&bench_pp.done);
	*ns = bench_pp.ns;
	*own = bench_pp.ns > bench_pp.steal ? bench_pp.ns - bench_pp.steal : 0;
	return 0;
}

static void bench_switch(const char *label, int ping_cpu, int pong_cpu,
			 struct task_struct *ping_from,
			 struct task_struct *pong_from)
{
	u64 *v;
	int s, ret = 0;

	v = kcalloc(2 * switch_samples, sizeof(*v), GFP_KERNEL);
	if (!v)
		return;
	for (s = 0; s < switch_samples && !ret; s++)
		ret = bench_switch_once(ping_cpu, pong_cpu, ping_from, pong_from,
					&v[s], &v[switch_samples + s]);
	if (ret) {
		pr_warn("switch %s: no kthread (%d)\n", label, ret);
	} else {
		pr_info("switch %s: %llu ns/round trip (median of %u x %u)\n",
			label, div_u64(bench_median(v, switch_samples), switches),
			switch_samples, switches);
		pr_info("switch %s: %llu ns/round trip less steal (median of %u x %u)\n",
			label,
			div_u64(bench_median(v + switch_samples, switch_samples),
				switches),
			switch_samples, switches);
	}
	kfree(v);
}

/* Registration happens as a CPU comes online: time the whole of it. */
static void bench_online(int cpu)
{
	u64 *v, t0;
	int s, ret = 0;

	if (!online_samples)
		return;
	v = kcalloc(online_samples, sizeof(*v), GFP_KERNEL);
	if (!v)
		return;
	for (s = 0; s < online_samples && !ret; s++) {
		ret = remove_cpu(cpu);
		if (ret)
			break;
		t0 = ktime_get_ns();
		ret = add_cpu(cpu);
		v[s] = ktime_get_ns() - t0;
	}
	if (ret)
		pr_warn("online: CPU%d hotplug failed (%d)\n", cpu, ret);
	else
		pr_info("online: %llu us (median of %u)\n",
			div_u64(bench_median(v, online_samples), NSEC_PER_USEC),
			online_samples);
	kfree(v);
}

#ifdef CONFIG_X86
/*
 * The host's share of registering a CPU: writing the MSR again with the
 * value it holds makes the host redo its side, and changes nothing else.
 */
static void bench_register(void)
{
	u64 msr, *v;
	unsigned long flags;
	cycles_t t0;
	int s;

	if (rdmsrl_safe(MSR_KVM_STEAL_TIME, &msr) || !(msr & KVM_MSR_ENABLED)) {
		pr_info("register: n/a (this CPU has no steal time area registered)\n");
		return;
	}
	v = kcalloc(samples, sizeof(*v), GFP_KERNEL);
	if (!v)
		return;
	for (s = 0; s < samples; s++) {
		local_irq_save(flags);
		t0 = get_cycles();
		wrmsrl(MSR_KVM_STEAL_TIME, msr);
		v[s] = get_cycles() - t0;
		local_irq_restore(flags);
	}
	pr_info("register: %llu cycles/MSR write (median of %u)\n",
		bench_median(v, samples), samples);
	kfree(v);
}

/*
 * Kernels that carry steal beyond an interval to later intervals
 * (STEAL_CLOCK_CARRY_MAX_NS) count each carry: the op after a first one
 * that carried takes that steal and pays for it, where a kernel that drops
 * it pays nothing. The count tells the two apart. All corrections count
 * for the op after it (a steal clock found lower than taken, or beyond
 * the carry), which then takes a path of its own.
 */
static unsigned long bench_corrections(int cpu, bool carried_only)
{
#ifdef STEAL_CLOCK_CARRY_MAX_NS
	struct steal_clock_stats *s = per_cpu_ptr(&steal_clock_stats, cpu);
	unsigned long n = 0;
	int i;

	for (i = 0; i < STEAL_CLOCK_CONSUMERS; i++) {
		n += READ_ONCE(s->carried[i]);
		if (!carried_only)
			n += READ_ONCE(s->backwards[i]) + READ_ONCE(s->dropped[i]);
	}
	return n;
#else
	return 0;
#endif
}

/*
 * One call of @op, timed. Out of line, so that the compiler cannot move
 * the caller's own work (the next call's arguments) between the two
 * clock reads: the same instructions are timed in every kernel.
 */
static noinline u64 bench_time_op(void (*op)(int cpu), int cpu)
{
	cycles_t t0 = get_cycles();

	op(cpu);
	return get_cycles() - t0;
}

/*
 * Wait for the host to publish (it bumps the version of this CPU's area
 * when the vCPU enters again, after the host preempted it), then time
 * @op once, and once more (the common path again). Interrupts stay off
 * from before the wait, so nothing else folds the update first. The area
 * is found through the MSR, so that both kernels are measured the same
 * way. Needs host contention to see any update.
 */
static void bench_after_updates(const char *what, void (*op)(int cpu),
				unsigned int updates)
{
	struct kvm_steal_time *st;
	u64 msr, *first, *second, *plain, give_up;
	unsigned long flags, carried, corrected;
	unsigned int n = 0, spins, carries = 0, n_plain = 0, corrections = 0;
	u32 version;
	int cpu;

	if (rdmsrl_safe(MSR_KVM_STEAL_TIME, &msr) || !(msr & KVM_MSR_ENABLED)) {
		pr_info("%s after update: n/a (this CPU has no steal time area registered)\n",
			what);
		return;
	}
	first = kcalloc(3 * updates, sizeof(*first), GFP_KERNEL);
	if (!first)
		return;
	second = first + updates;
	plain = second + updates;
	st = phys_to_virt(msr & ~(u64)(sizeof(*st) - 1));
	migrate_disable();
	cpu = smp_processor_id();
	give_up = ktime_get_ns() + 60 * NSEC_PER_SEC;
	while (n < updates && ktime_get_ns() < give_up) {
		local_irq_save(flags);
		/* Take in what came before: start from a known state. */
		op(cpu);
		version = READ_ONCE(st->version);
		for (spins = 0; spins < 1U << 24; spins++) {
			u32 now = READ_ONCE(st->version);

			if (now != version && !(now & 1))
				break;
			cpu_relax();
		}
		if (spins < 1U << 24) {
			carried = bench_corrections(cpu, true);
			first[n] = bench_time_op(op, cpu);
			carried = bench_corrections(cpu, true) - carried;
			corrected = bench_corrections(cpu, false);
			second[n] = bench_time_op(op, cpu);
			if (bench_corrections(cpu, false) != corrected)
				corrections++;
			if (carried)
				carries++;
			else
				plain[n_plain++] = second[n];
			n++;
		}
		local_irq_restore(flags);
	}
	migrate_enable();
	if (n) {
		pr_info("%s after update: first %llu cycles, next %llu cycles (median of %u)\n",
			what, bench_median(first, n), bench_median(second, n), n);
		if (n_plain)
			pr_info("%s after update: the first carried steal in %u of %u; next when it carried none %llu cycles (median of %u)\n",
				what, carries, n, bench_median(plain, n_plain), n_plain);
		else
			pr_info("%s after update: the first carried steal in %u of %u\n",
				what, carries, n);
		pr_info("%s after update: the next corrected the steal clock in %u of %u\n",
			what, corrections, n);
	} else {
		pr_info("%s after update: n/a (the host published nothing in 60 s)\n",
			what);
	}
	kfree(first);
}

static void bench_read_op(int cpu)
{
	WRITE_ONCE(bench_sink, bench_sink + paravirt_steal_clock(cpu));
}

/* The first read after an update sees it; the next one finds nothing new. */
static void bench_after_update(void)
{
	if (updates)
		bench_after_updates("read", bench_read_op, updates);
}

/*
 * A tick that interrupts the writer in user space: it accounts the steal
 * published since the last one to /proc/stat.
 */
static void bench_tick_op(int cpu)
{
	account_process_tick(current, 1);
}

/*
 * An update of this CPU's run queue clock, as the scheduler makes at
 * every switch and tick, with the writer as the current task: the first
 * after a host update takes the new steal out of the task clock and, in
 * kernels that charge it per cgroup, charges it to the writer's cgroup.
 */
static void bench_clock_op(int cpu)
{
	struct rq *rq = cpu_rq(cpu);
	struct rq_flags rf;

	rq_lock(rq, &rf);
	update_rq_clock(rq);
	rq_unlock(rq, &rf);
}

/* What a write of tick_updates or clock_updates times: n after updates. */
static int bench_updates_set(const char *val, const char *what,
			     void (*op)(int cpu))
{
	unsigned int n;
	int err = kstrtouint(val, 0, &n);

	if (err)
		return err;
	if (n < 1 || n > BENCH_MAX_SAMPLES)
		return -ERANGE;
	/* Not from the command line: it runs in its writer's context. */
	if (system_state != SYSTEM_RUNNING)
		return -EBUSY;
	bench_after_updates(what, op, n);
	return 0;
}

static int bench_ticks_set(const char *val, const struct kernel_param *kp)
{
	return bench_updates_set(val, "tick", bench_tick_op);
}

static int bench_clock_set(const char *val, const struct kernel_param *kp)
{
#ifdef CONFIG_CGROUPS
	if (cgroup_parent(task_dfl_cgroup(current)))
		return bench_updates_set(val, "clock in a cgroup", bench_clock_op);
#endif
	return bench_updates_set(val, "clock in the root", bench_clock_op);
}
#else
static void bench_register(void)
{
}

static void bench_after_update(void)
{
}

static int bench_ticks_set(const char *val, const struct kernel_param *kp)
{
	return -EOPNOTSUPP;
}

static int bench_clock_set(const char *val, const struct kernel_param *kp)
{
	return -EOPNOTSUPP;
}
#endif

/*
 * The ping-pong on CPU 0 between two cgroups: ping in the writer's, pong
 * in those of the task whose PID is written. Where steal is charged per
 * cgroup, each switch that takes steal out of a task's clock charges it
 * to one of the two; this is what that adds to a switch.
 */
static int bench_switch_cgroups_set(const char *val,
				    const struct kernel_param *kp)
{
	struct task_struct *peer;
	int pid, err = kstrtoint(val, 0, &pid);
	u64 steal;

	if (err)
		return err;
	if (system_state != SYSTEM_RUNNING)
		return -EBUSY;
	peer = find_get_task_by_vpid(pid);
	if (!peer)
		return -ESRCH;
	steal = paravirt_steal_clock(0);
	bench_switch("between cgroups", 0, 0, current, peer);
	pr_info("switch between cgroups: %llu us of steal on CPU 0 meanwhile\n",
		div_u64(paravirt_steal_clock(0) - steal, NSEC_PER_USEC));
	put_task_struct(peer);
	return 0;
}

static const struct kernel_param_ops bench_switch_cgroups_ops = {
	.set = bench_switch_cgroups_set,
};
module_param_cb(switch_cgroups, &bench_switch_cgroups_ops, NULL, 0200);
MODULE_PARM_DESC(switch_cgroups,
		 "Written at run time: time the ping-pong between the writer's cgroup and that of this PID");

static const struct kernel_param_ops bench_ticks_ops = {
	.set = bench_ticks_set,
};
module_param_cb(tick_updates, &bench_ticks_ops, NULL, 0200);
MODULE_PARM_DESC(tick_updates,
		 "Written at run time: time the tick after this many host updates, in the writer's context (1-1001)");

static const struct kernel_param_ops bench_clock_ops = {
	.set = bench_clock_set,
};
module_param_cb(clock_updates, &bench_clock_ops, NULL, 0200);
MODULE_PARM_DESC(clock_updates,
		 "Written at run time: time a run queue clock update after this many host updates, in the writer's context (1-1001)");

static unsigned int bench_param(const char *name, unsigned int val,
				unsigned int min, unsigned int max,
				unsigned int def)
{
	if (val >= min && val <= max)
		return val;
	pr_warn("%s=%u is outside %u-%u, using %u\n", name, val, min, max, def);
	return def;
}

static int __init steal_time_bench(void)
{
	int other;

	if (!run)
		return 0;
	calls = bench_param("calls", calls, 1, 1000000, BENCH_CALLS);
	samples = bench_param("samples", samples, 1, BENCH_MAX_SAMPLES,
			      BENCH_SAMPLES);
	switches = bench_param("switches", switches, 1, 1000000, BENCH_SWITCHES);
	switch_samples = bench_param("switch_samples", switch_samples, 1,
				     BENCH_MAX_SAMPLES, BENCH_SWITCH_SAMPLES);
	online_samples = bench_param("online_samples", online_samples, 0,
				     BENCH_MAX_SAMPLES, BENCH_ONLINE_SAMPLES);
	updates = bench_param("updates", updates, 0, BENCH_MAX_SAMPLES, 0);

#ifdef CONFIG_X86
	pr_info("tsc_khz %u\n", tsc_khz);
#endif
	pr_info("steal accounting: clock %d, task clock %d\n",
		static_key_enabled(&paravirt_steal_enabled),
		static_key_enabled(&paravirt_steal_rq_enabled));
	if (clock_fn[0]) {
		bench_named = (void *)kallsyms_lookup_name(clock_fn);
		if (!bench_named)
			pr_warn("clock_fn=%s: no such function, not timing it\n",
				clock_fn);
	}

	bench_read_cost();
	bench_after_update();
	bench_register();
	bench_switch("same-cpu", 0, 0, NULL, NULL);
	other = cpumask_any_but(cpu_online_mask, 0);
	if (other < nr_cpu_ids) {
		bench_switch("cross-cpu", 0, other, NULL, NULL);
		bench_online(other);
	}
	pr_info("done\n");
	return 0;
}
late_initcall(steal_time_bench);
