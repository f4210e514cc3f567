// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the x86 KVM steal time backend: the MSR_KVM_STEAL_TIME
 * read protocol against a simulated host on another CPU, the registration
 * value, and on a KVM host that offers steal time, the live registration.
 */
#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/steal_time.h>
#include <asm/kvm_steal_time.h>
#include <asm/msr.h>
#include <asm/paravirt.h>

static struct kvm_steal_time sim_area __aligned(64);

static void snapshot_accepts_even_version(struct kunit *test)
{
	struct kvm_steal_time st = { .steal = 5555, .version = 4 };
	u64 steal = 0;
	u32 version = 0;

	KUNIT_EXPECT_TRUE(test, kvm_steal_time_snapshot(&st, &steal, &version));
	KUNIT_EXPECT_EQ(test, steal, 5555ULL);
	KUNIT_EXPECT_EQ(test, version, 4U);
}

static void snapshot_rejects_odd_version(struct kunit *test)
{
	struct kvm_steal_time st = { .steal = 5555, .version = 5 };
	u64 steal;
	u32 version;

	KUNIT_EXPECT_FALSE(test, kvm_steal_time_snapshot(&st, &steal, &version));
}

/*
 * The simulated host writes steal as two 32-bit halves that always hold the
 * same number, so a reader that took a value in the middle of an update
 * sees two different halves.
 */
static int sim_host(void *data)
{
	u32 *halves = (u32 *)&sim_area.steal;
	u32 n = 0;

	while (!kthread_should_stop()) {
		n++;
		WRITE_ONCE(sim_area.version, sim_area.version + 1);
		/* as KVM does: the odd version is visible before the data */
		smp_wmb();
		WRITE_ONCE(halves[0], n);
		cpu_relax();
		WRITE_ONCE(halves[1], n);
		/* and the data before the even version */
		smp_wmb();
		WRITE_ONCE(sim_area.version, sim_area.version + 1);
		if (!(n & 1023))
			cond_resched();
	}
	return 0;
}

static bool sim_read(unsigned int cpu, u64 *steal, u64 *token)
{
	u32 version;
	bool ok = kvm_steal_time_snapshot(&sim_area, steal, &version);

	*token = version;
	return ok;
}

static u64 sim_token(unsigned int cpu)
{
	return READ_ONCE(sim_area.version);
}

static const struct steal_time_ops sim_ops = {
	.name = "sim",
	.read = sim_read,
};

static struct steal_time_cpu sim_stc;

struct sim_reader {
	struct task_struct *task;
	unsigned long reads;
	unsigned long torn;		/* values through the core */
	unsigned long torn_raw;		/* snapshots the protocol accepted */
	unsigned long backwards;
	u64 last;
	bool local;		/* the simulated CPU itself, which folds */
};

static int sim_reader(void *data)
{
	struct sim_reader *r = data;
	u64 v, raw;
	u32 version;

	while (!kthread_should_stop()) {
		/*
		 * As kvm_st_clock() reads: the inline common case, then the
		 * core. No clock: every consistent value is folded in as is.
		 */
		if (!steal_time_unchanged(sim_token, &sim_stc, 0, &v))
			v = steal_time_read_cpu(&sim_ops, &sim_stc, 0, NULL, r->local);
		if (upper_32_bits(v) != lower_32_bits(v))
			r->torn++;
		if (v < r->last)
			r->backwards++;
		r->last = v;
		if (kvm_steal_time_snapshot(&sim_area, &raw, &version) &&
		    upper_32_bits(raw) != lower_32_bits(raw))
			r->torn_raw++;
		if (!(++r->reads & 1023))
			cond_resched();
	}
	return 0;
}

static void readers_never_see_torn_values_while_host_writes(struct kunit *test)
{
	struct task_struct *host;
	struct sim_reader *readers;
	unsigned int cpu, n = 0, host_cpu;
	unsigned long total = 0;
	u64 last = 0;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs a second online CPU for the simulated host");

	readers = kunit_kcalloc(test, nr_cpu_ids, sizeof(*readers), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, readers);
	memset(&sim_area, 0, sizeof(sim_area));
	steal_time_cpu_init(&sim_stc, true);

	host_cpu = cpumask_first(cpu_online_mask);
	host = kthread_create_on_cpu(sim_host, NULL, host_cpu, "kunit-sim-host/%u");
	KUNIT_ASSERT_FALSE(test, IS_ERR(host));

	/* Every other CPU reads the area, which is remote to all of them. */
	for_each_online_cpu(cpu) {
		struct task_struct *t;

		if (cpu == host_cpu)
			continue;
		t = kthread_create_on_cpu(sim_reader, &readers[cpu], cpu,
					  "kunit-sim-reader/%u");
		if (IS_ERR(t))
			continue;
		readers[cpu].task = t;
		readers[cpu].local = !n++;
		wake_up_process(t);
	}
	wake_up_process(host);
	msleep(1000);
	n = 0;

	for_each_online_cpu(cpu) {
		struct sim_reader *r = &readers[cpu];

		if (!r->task)
			continue;
		kthread_stop(r->task);
		n++;
		total += r->reads;
		last = max(last, r->last);
		KUNIT_EXPECT_EQ_MSG(test, r->torn, 0UL, "reader on CPU%u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, r->torn_raw, 0UL, "reader on CPU%u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, r->backwards, 0UL, "reader on CPU%u", cpu);
	}
	kthread_stop(host);

	kunit_info(test, "%u readers, %lu reads, %lu retries, %lu gave up, last value %u\n",
		   n, total, sim_stc.stats.retries, sim_stc.stats.stuck,
		   lower_32_bits(last));
	KUNIT_EXPECT_GT(test, n, 0U);
	/* The host must really have raced with the readers. */
	KUNIT_EXPECT_GT(test, lower_32_bits(last), 0U);
	KUNIT_EXPECT_GT(test, sim_stc.stats.retries, 0UL);
	KUNIT_EXPECT_EQ(test, sim_stc.stats.backwards, 0UL);
}

/* The version is 32 bits; after 2^31 updates it wraps through zero. */
static void update_across_version_wrap_is_folded(struct kunit *test)
{
	struct steal_time_cpu *stc = &sim_stc;

	steal_time_cpu_init(stc, true);
	sim_area.version = 0xfffffffe;
	sim_area.steal = 1000;
	KUNIT_EXPECT_EQ(test, steal_time_read_cpu(&sim_ops, stc, 0, NULL, true), 1000ULL);

	sim_area.version = 0xffffffff;
	KUNIT_EXPECT_EQ(test, steal_time_read_cpu(&sim_ops, stc, 0, NULL, true), 1000ULL);
	sim_area.steal = 1500;
	sim_area.version = 0;
	KUNIT_EXPECT_EQ(test, steal_time_read_cpu(&sim_ops, stc, 0, NULL, true), 1500ULL);
	sim_area.steal = 1700;
	sim_area.version = 2;
	KUNIT_EXPECT_EQ(test, steal_time_read_cpu(&sim_ops, stc, 0, NULL, true), 1700ULL);
	KUNIT_EXPECT_EQ(test, stc->stats.backwards, 0UL);
}

static void area_is_aligned_and_msr_value_is_address_plus_enable(struct kunit *test)
{
	unsigned int cpu, other;

	for_each_possible_cpu(cpu) {
		struct kvm_steal_time *st = kvm_steal_time_area(cpu);
		u64 msr = kvm_steal_time_msr_value(cpu);

		KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)st, 64));
		KUNIT_EXPECT_LE(test, offset_in_page(st) + sizeof(*st), PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, msr & KVM_MSR_ENABLED, (u64)KVM_MSR_ENABLED);
		/* Bits 1-5 are reserved by the ABI and must be zero. */
		KUNIT_EXPECT_EQ(test, msr & 0x3eULL, 0ULL);
		/* The host finds this CPU's area at that address, in the direct map. */
		KUNIT_EXPECT_PTR_EQ(test, phys_to_virt(msr & ~0x3fULL), (void *)st);
		/* And no other CPU's. */
		for_each_possible_cpu(other)
			if (other != cpu)
				KUNIT_EXPECT_NE(test, kvm_steal_time_msr_value(other), msr);
	}
}

static void expect_registered(struct kunit *test, unsigned int cpu)
{
	u64 msr = 0;

	KUNIT_EXPECT_TRUE(test, steal_time_cpu_registered(cpu));
	KUNIT_EXPECT_EQ(test, rdmsrl_safe_on_cpu(cpu, MSR_KVM_STEAL_TIME, &msr), 0);
	KUNIT_EXPECT_EQ(test, msr, kvm_steal_time_msr_value(cpu));
}

static void every_online_cpu_is_registered(struct kunit *test)
{
	unsigned int cpu;

	if (!kvm_steal_time_active())
		kunit_skip(test, "host offers no KVM steal time (TCG, or kvm-steal-time=off)");

	for_each_online_cpu(cpu)
		expect_registered(test, cpu);
}

/* More cycles make races with a busy host likelier to show. */
static unsigned int hotplug_cycles = 10;
module_param(hotplug_cycles, uint, 0444);
MODULE_PARM_DESC(hotplug_cycles, "offline/online cycles of the last CPU");

static void hotplug_unregisters_and_keeps_the_count(struct kunit *test)
{
	struct kvm_steal_time *st;
	unsigned int cpu, i;
	u64 before, clock = 0, now;
	int ret;

	if (!kvm_steal_time_active())
		kunit_skip(test, "host offers no KVM steal time (TCG, or kvm-steal-time=off)");
	cpu = cpumask_last(cpu_online_mask);
	if (!cpu)
		kunit_skip(test, "needs a second online CPU to unplug");
	st = kvm_steal_time_area(cpu);

	for (i = 0; i < hotplug_cycles; i++) {
		ret = remove_cpu(cpu);
		if (ret)
			kunit_skip(test, "CPU%u cannot be unplugged here (%d)", cpu, ret);
		KUNIT_ASSERT_FALSE(test, steal_time_cpu_registered(cpu));
		/*
		 * The host does not write an unregistered area. One more
		 * nanosecond there makes sure the area holds something to
		 * lose, even if the host reported no steal so far.
		 */
		before = READ_ONCE(st->steal) + 1;
		WRITE_ONCE(st->steal, before);

		KUNIT_ASSERT_EQ(test, add_cpu(cpu), 0);
		expect_registered(test, cpu);
		/* The area was not zeroed again: the host kept adding to it. */
		KUNIT_EXPECT_GE(test, READ_ONCE(st->steal), before);
		/* And the scheduler's clock for that CPU never went back. */
		now = steal_time_sched_clock(cpu);
		KUNIT_EXPECT_GE(test, now, clock);
		clock = now;
	}
	kunit_info(test, "%u cycles of CPU%u, steal clock now %llu ns\n",
		   hotplug_cycles, cpu, clock);
}

static bool versions_change(unsigned int *version, unsigned int ms)
{
	unsigned int cpu;
	bool changed = false;

	for_each_online_cpu(cpu)
		version[cpu] = READ_ONCE(kvm_steal_time_area(cpu)->version);
	msleep(ms);
	for_each_online_cpu(cpu)
		if (READ_ONCE(kvm_steal_time_area(cpu)->version) != version[cpu])
			changed = true;
	return changed;
}

/*
 * What restart and kexec do before the next kernel runs: after it, every
 * CPU's MSR is 0 and the host writes none of the areas any more.
 */
static void reboot_path_stops_the_host_writing(struct kunit *test)
{
	unsigned int *version, cpu;
	u64 msr;

	if (!kvm_steal_time_active())
		kunit_skip(test, "host offers no KVM steal time (TCG, or kvm-steal-time=off)");
	version = kunit_kcalloc(test, nr_cpu_ids, sizeof(*version), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, version);
	if (!versions_change(version, 500))
		kunit_skip(test, "host wrote no area in 500 ms: a stop cannot be seen");

	cpus_read_lock();
	steal_time_reboot(NULL, SYS_RESTART, NULL);
	for_each_online_cpu(cpu) {
		KUNIT_EXPECT_FALSE(test, steal_time_cpu_registered(cpu));
		KUNIT_EXPECT_EQ(test, rdmsrl_safe_on_cpu(cpu, MSR_KVM_STEAL_TIME, &msr), 0);
		KUNIT_EXPECT_EQ(test, msr, 0ULL);
	}
	KUNIT_EXPECT_FALSE(test, versions_change(version, 500));

	/* Back to normal for the rest of the boot. */
	on_each_cpu(steal_time_online_this_cpu, NULL, 1);
	cpus_read_unlock();
	for_each_online_cpu(cpu)
		expect_registered(test, cpu);
}

static struct kunit_case kvm_steal_time_cases[] = {
	KUNIT_CASE(snapshot_accepts_even_version),
	KUNIT_CASE(snapshot_rejects_odd_version),
	KUNIT_CASE_SLOW(readers_never_see_torn_values_while_host_writes),
	KUNIT_CASE(update_across_version_wrap_is_folded),
	KUNIT_CASE(area_is_aligned_and_msr_value_is_address_plus_enable),
	KUNIT_CASE(every_online_cpu_is_registered),
	KUNIT_CASE(hotplug_unregisters_and_keeps_the_count),
	KUNIT_CASE_SLOW(reboot_path_stops_the_host_writing),
	{}
};

static struct kunit_suite kvm_steal_time_suite = {
	.name = "kvm_steal_time",
	.test_cases = kvm_steal_time_cases,
};

kunit_test_suite(kvm_steal_time_suite);

MODULE_DESCRIPTION("KUnit tests for the x86 KVM steal time backend");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
