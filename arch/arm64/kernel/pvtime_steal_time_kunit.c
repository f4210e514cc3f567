// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the arm64 stolen time backend: the area's read protocol
 * and revision check, the steal clock built on them against a simulated
 * hypervisor writing from another CPU and, where the hypervisor offers
 * stolen time, the registration of every online CPU.
 */
#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/steal_time.h>
#include <asm/pvtime_steal_time.h>

static void snapshot_reads_the_counter_as_its_token(struct kunit *test)
{
	struct pvclock_vcpu_stolen_time st = {
		.stolen_time = cpu_to_le64(0x100000002ULL),
	};
	u64 steal = 0, token = 0;

	KUNIT_EXPECT_TRUE(test, pvtime_snapshot(&st, &steal, &token));
	KUNIT_EXPECT_EQ(test, steal, 0x100000002ULL);
	KUNIT_EXPECT_EQ(test, token, 0x100000002ULL);
}

static void only_revision_0_without_attributes_is_usable(struct kunit *test)
{
	struct pvclock_vcpu_stolen_time st = {};

	KUNIT_EXPECT_TRUE(test, pvtime_area_usable(&st));
	st.revision = cpu_to_le32(1);
	KUNIT_EXPECT_FALSE(test, pvtime_area_usable(&st));
	st.revision = 0;
	st.attributes = cpu_to_le32(1);
	KUNIT_EXPECT_FALSE(test, pvtime_area_usable(&st));
}

/*
 * The simulated hypervisor: its clock moves first, then the counter, by
 * the same step, as a vCPU that waited that long; one 64-bit store each.
 */
static struct {
	struct pvclock_vcpu_stolen_time area;
	u64 now;
} sim __aligned(64);

static struct steal_time_cpu stc;

static bool sim_read(unsigned int cpu, u64 *steal, u64 *token)
{
	return pvtime_snapshot(&sim.area, steal, token);
}

static u64 sim_clock(void)
{
	return READ_ONCE(sim.now);
}

static u64 sim_token(unsigned int cpu)
{
	return le64_to_cpu(READ_ONCE(sim.area.stolen_time));
}

static const struct steal_time_ops sim_ops = {
	.name = "sim-pvtime",
	.read = sim_read,
};

static u64 sim_published(void)
{
	return sim_token(0);
}

static int sim_hypervisor(void *unused)
{
	unsigned long n = 0;
	u64 steal = 0;

	while (!kthread_should_stop()) {
		u64 step = 1 + (n % 5000);

		WRITE_ONCE(sim.now, sim.now + step);
		/* The clock before the counter that it bounds. */
		smp_wmb();
		steal += step;
		WRITE_ONCE(sim.area.stolen_time, cpu_to_le64(steal));
		if (!(++n & 1023))
			cond_resched();
	}
	return 0;
}

static u64 read_local(void)
{
	return steal_time_read_cpu(&sim_ops, &stc, 0, sim_clock, true);
}

/*
 * The token logic with the counter as token: an unchanged counter is
 * served from what the core folded, a changed one is not, until the CPU
 * itself folds it in.
 */
static void unchanged_counter_is_served_inline(struct kunit *test)
{
	u64 value = 0;

	memset(&sim, 0, sizeof(sim));
	steal_time_cpu_init(&stc, true);
	WRITE_ONCE(sim.now, 10000);
	WRITE_ONCE(sim.area.stolen_time, cpu_to_le64(4000));
	KUNIT_EXPECT_FALSE(test, steal_time_unchanged(sim_token, &stc, 0, &value));
	KUNIT_EXPECT_EQ(test, read_local(), 4000ULL);
	KUNIT_EXPECT_TRUE(test, steal_time_unchanged(sim_token, &stc, 0, &value));
	KUNIT_EXPECT_EQ(test, value, 4000ULL);

	WRITE_ONCE(sim.now, 20000);
	WRITE_ONCE(sim.area.stolen_time, cpu_to_le64(9000));
	KUNIT_EXPECT_FALSE(test, steal_time_unchanged(sim_token, &stc, 0, &value));
	KUNIT_EXPECT_EQ(test, steal_time_read_cpu(&sim_ops, &stc, 0, sim_clock, false),
			4000ULL);
	KUNIT_EXPECT_EQ(test, read_local(), 9000ULL);
	KUNIT_EXPECT_TRUE(test, steal_time_unchanged(sim_token, &stc, 0, &value));
	KUNIT_EXPECT_EQ(test, value, 9000ULL);
}

/*
 * This thread folds as the simulated CPU while the hypervisor writes from
 * another CPU: the clock never goes back, and once the hypervisor stops,
 * every nanosecond it published is accounted.
 */
static void clock_follows_the_hypervisor_from_another_cpu(struct kunit *test)
{
	unsigned long reads = 0, backwards = 0, ahead = 0;
	struct task_struct *hv;
	u64 last = 0, v;
	unsigned long end;
	int hv_cpu;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs a second online CPU for the simulated hypervisor");
	memset(&sim, 0, sizeof(sim));
	steal_time_cpu_init(&stc, true);
	hv_cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	hv = kthread_create_on_cpu(sim_hypervisor, NULL, hv_cpu, "kunit-sim-pvtime/%u");
	KUNIT_ASSERT_FALSE(test, IS_ERR(hv));
	wake_up_process(hv);

	end = jiffies + HZ / 2;
	while (time_before(jiffies, end)) {
		v = read_local();
		if (v < last)
			backwards++;
		/* Read after the value: the hypervisor has published at least it. */
		smp_rmb();
		if (v > sim_published())
			ahead++;
		last = v;
		if (!(++reads & 1023))
			cond_resched();
	}
	kthread_stop(hv);

	v = read_local();
	kunit_info(test, "%lu reads, hypervisor published %llu ns, accounted %llu\n",
		   reads, sim_published(), v);
	KUNIT_EXPECT_GT(test, sim_published(), 0ULL);
	KUNIT_EXPECT_EQ(test, v, sim_published());
	KUNIT_EXPECT_EQ(test, backwards, 0UL);
	KUNIT_EXPECT_EQ(test, ahead, 0UL);
}

static void every_online_cpu_is_registered(struct kunit *test)
{
	unsigned int cpu;

	if (!pvtime_steal_time_active())
		kunit_skip(test, "the hypervisor offers no stolen time (TCG, or no PV_TIME)");
	for_each_online_cpu(cpu)
		KUNIT_EXPECT_TRUE_MSG(test, steal_time_cpu_registered(cpu),
				      "CPU%u", cpu);
}

static struct kunit_case pvtime_steal_time_cases[] = {
	KUNIT_CASE(snapshot_reads_the_counter_as_its_token),
	KUNIT_CASE(only_revision_0_without_attributes_is_usable),
	KUNIT_CASE(unchanged_counter_is_served_inline),
	KUNIT_CASE(clock_follows_the_hypervisor_from_another_cpu),
	KUNIT_CASE(every_online_cpu_is_registered),
	{}
};

static struct kunit_suite pvtime_steal_time_suite = {
	.name = "pvtime_steal_time",
	.test_cases = pvtime_steal_time_cases,
};

kunit_test_suite(pvtime_steal_time_suite);

MODULE_DESCRIPTION("KUnit tests for arm64 stolen time");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
