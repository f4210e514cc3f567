// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the x86 KVM steal time backend: the MSR_KVM_STEAL_TIME
 * read protocol against a simulated host on another CPU, the registration
 * value, and on a KVM host that offers steal time, the live registration.
 */
#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/steal_time.h>
#include <asm/kvm_steal_time.h>
#include <asm/msr.h>

static struct kvm_steal_time sim_area __aligned(64);

static void snapshot_accepts_even_version(struct kunit *test)
{
	struct kvm_steal_time st = { .steal = 5555, .version = 4 };
	u64 steal = 0;

	KUNIT_EXPECT_TRUE(test, kvm_steal_time_snapshot(&st, &steal));
	KUNIT_EXPECT_EQ(test, steal, 5555ULL);
}

static void snapshot_rejects_odd_version(struct kunit *test)
{
	struct kvm_steal_time st = { .steal = 5555, .version = 5 };
	u64 steal;

	KUNIT_EXPECT_FALSE(test, kvm_steal_time_snapshot(&st, &steal));
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

static unsigned long sim_retries;

static bool sim_read(unsigned int cpu, u64 *steal)
{
	if (kvm_steal_time_snapshot(&sim_area, steal))
		return true;
	sim_retries++;
	return false;
}

static const struct steal_time_ops sim_ops = {
	.name = "sim",
	.read = sim_read,
};

static void read_is_never_torn_while_host_writes(struct kunit *test)
{
	struct steal_time_cpu stc = {};
	struct task_struct *host;
	unsigned long deadline, reads = 0, torn = 0, backwards = 0;
	unsigned int host_cpu;
	u64 prev = 0;

	/* Reader and host must really run at the same time. */
	migrate_disable();
	host_cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	if (host_cpu >= nr_cpu_ids) {
		migrate_enable();
		kunit_skip(test, "needs a second online CPU for the simulated host");
	}

	memset(&sim_area, 0, sizeof(sim_area));
	sim_retries = 0;
	host = kthread_create_on_cpu(sim_host, NULL, host_cpu, "kunit-sim-host/%u");
	if (IS_ERR(host))
		migrate_enable();
	KUNIT_ASSERT_FALSE(test, IS_ERR(host));
	wake_up_process(host);

	deadline = jiffies + HZ;
	while (time_before(jiffies, deadline)) {
		u64 v = steal_time_read_cpu(&sim_ops, &stc, 0);

		if (upper_32_bits(v) != lower_32_bits(v))
			torn++;
		if (v < prev)
			backwards++;
		prev = v;
		if (!(++reads & 1023))
			cond_resched();
	}
	migrate_enable();
	kthread_stop(host);

	kunit_info(test, "%lu reads, %lu retries, last value %u\n", reads,
		   sim_retries, lower_32_bits(prev));
	KUNIT_EXPECT_EQ(test, torn, 0UL);
	KUNIT_EXPECT_EQ(test, backwards, 0UL);
	/* The host must really have raced with the reader. */
	KUNIT_EXPECT_GT(test, lower_32_bits(prev), 0U);
	KUNIT_EXPECT_GT(test, sim_retries, 0UL);
}

static void area_is_aligned_and_msr_value_is_address_plus_enable(struct kunit *test)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct kvm_steal_time *st = per_cpu_ptr(&kvm_steal_area, cpu);
		u64 msr = kvm_steal_time_msr_value(cpu);

		KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)st, 64));
		KUNIT_EXPECT_LE(test, offset_in_page(st) + sizeof(*st), PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, msr & KVM_MSR_ENABLED, (u64)KVM_MSR_ENABLED);
		/* Bits 1-5 are reserved by the ABI and must be zero. */
		KUNIT_EXPECT_EQ(test, msr & 0x3eULL, 0ULL);
		KUNIT_EXPECT_EQ(test, msr & ~0x3fULL, (u64)slow_virt_to_phys(st));
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

static void hotplug_unregisters_and_keeps_the_count(struct kunit *test)
{
	struct kvm_steal_time *st;
	unsigned int cpu;
	u64 before;
	int ret;

	if (!kvm_steal_time_active())
		kunit_skip(test, "host offers no KVM steal time (TCG, or kvm-steal-time=off)");
	cpu = cpumask_last(cpu_online_mask);
	if (!cpu)
		kunit_skip(test, "needs a second online CPU to unplug");

	st = per_cpu_ptr(&kvm_steal_area, cpu);
	ret = remove_cpu(cpu);
	if (ret)
		kunit_skip(test, "CPU%u cannot be unplugged here (%d)", cpu, ret);
	KUNIT_EXPECT_FALSE(test, steal_time_cpu_registered(cpu));
	before = READ_ONCE(st->steal);

	KUNIT_ASSERT_EQ(test, add_cpu(cpu), 0);
	expect_registered(test, cpu);
	/* The area was not zeroed again: the host kept adding to it. */
	KUNIT_EXPECT_GE(test, READ_ONCE(st->steal), before);
	KUNIT_EXPECT_GT(test, READ_ONCE(st->version), 0U);
}

static struct kunit_case kvm_steal_time_cases[] = {
	KUNIT_CASE(snapshot_accepts_even_version),
	KUNIT_CASE(snapshot_rejects_odd_version),
	KUNIT_CASE_SLOW(read_is_never_torn_while_host_writes),
	KUNIT_CASE(area_is_aligned_and_msr_value_is_address_plus_enable),
	KUNIT_CASE(every_online_cpu_is_registered),
	KUNIT_CASE(hotplug_unregisters_and_keeps_the_count),
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
