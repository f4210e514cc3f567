// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the RISC-V SBI steal time backend: the STA area's read
 * protocol, alone and against a simulated SBI implementation writing from
 * another CPU, and, where the SBI offers the extension, the registration
 * of every online CPU.
 */
#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/steal_time.h>
#include <linux/wordpart.h>
#include <asm/sbi.h>
#include <asm/sbi_steal_time.h>

static struct sbi_sta_struct sim_sta __aligned(64);

static void snapshot_takes_an_even_sequence(struct kunit *test)
{
	struct sbi_sta_struct st = {
		.sequence = cpu_to_le32(6),
		.steal = cpu_to_le64(0x100000002ULL),
	};
	u32 sequence = 0;
	u64 steal = 0;

	KUNIT_EXPECT_TRUE(test, sbi_sta_snapshot(&st, &steal, &sequence));
	KUNIT_EXPECT_EQ(test, steal, 0x100000002ULL);
	KUNIT_EXPECT_EQ(test, sequence, 6U);
}

static void snapshot_refuses_an_odd_sequence(struct kunit *test)
{
	struct sbi_sta_struct st = { .sequence = cpu_to_le32(7) };
	u32 sequence;
	u64 steal;

	KUNIT_EXPECT_FALSE(test, sbi_sta_snapshot(&st, &steal, &sequence));
}

/*
 * Writes the counter as two 32-bit halves holding the same number, the
 * sequence odd around them, as an SBI implementation updates the area:
 * a snapshot taken across an update would show two different halves.
 */
static int sim_sbi(void *unused)
{
	__le32 *half = (__le32 *)&sim_sta.steal;
	u32 seq = 0, n = 0;

	while (!kthread_should_stop()) {
		n++;
		WRITE_ONCE(sim_sta.sequence, cpu_to_le32(++seq));
		/* The odd sequence is visible before the counter changes, */
		smp_wmb();
		WRITE_ONCE(half[0], cpu_to_le32(n));
		cpu_relax();
		WRITE_ONCE(half[1], cpu_to_le32(n));
		/* and the whole counter before the even one. */
		smp_wmb();
		WRITE_ONCE(sim_sta.sequence, cpu_to_le32(++seq));
		if (!(n & 1023))
			cond_resched();
	}
	return 0;
}

static void snapshots_are_whole_while_the_sbi_writes(struct kunit *test)
{
	unsigned long taken = 0, refused = 0, torn = 0;
	struct task_struct *sbi;
	unsigned long end;
	int sbi_cpu;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs a second online CPU for the simulated SBI");
	memset(&sim_sta, 0, sizeof(sim_sta));
	sbi_cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	sbi = kthread_create_on_cpu(sim_sbi, NULL, sbi_cpu, "kunit-sim-sbi/%u");
	KUNIT_ASSERT_FALSE(test, IS_ERR(sbi));
	wake_up_process(sbi);

	end = jiffies + HZ / 2;
	while (time_before(jiffies, end)) {
		u32 sequence;
		u64 steal;

		if (!sbi_sta_snapshot(&sim_sta, &steal, &sequence)) {
			refused++;
		} else {
			taken++;
			if (upper_32_bits(steal) != lower_32_bits(steal))
				torn++;
		}
		if (!((taken + refused) & 1023))
			cond_resched();
	}
	kthread_stop(sbi);

	kunit_info(test, "%lu snapshots taken, %lu refused\n", taken, refused);
	KUNIT_EXPECT_EQ(test, torn, 0UL);
	KUNIT_EXPECT_GT(test, taken, 0UL);
	/* The simulated SBI must really have raced with the reader. */
	KUNIT_EXPECT_GT(test, refused, 0UL);
}

static void every_online_cpu_is_registered(struct kunit *test)
{
	unsigned int cpu;

	if (!sbi_sta_steal_time_active())
		kunit_skip(test, "SBI offers no steal time (TCG, or a host without STA)");
	for_each_online_cpu(cpu)
		KUNIT_EXPECT_TRUE_MSG(test, steal_time_cpu_registered(cpu),
				      "CPU%u", cpu);
}

static struct kunit_case sbi_steal_time_cases[] = {
	KUNIT_CASE(snapshot_takes_an_even_sequence),
	KUNIT_CASE(snapshot_refuses_an_odd_sequence),
	KUNIT_CASE(snapshots_are_whole_while_the_sbi_writes),
	KUNIT_CASE(every_online_cpu_is_registered),
	{}
};

static struct kunit_suite sbi_steal_time_suite = {
	.name = "sbi_steal_time",
	.test_cases = sbi_steal_time_cases,
};

kunit_test_suite(sbi_steal_time_suite);

MODULE_DESCRIPTION("KUnit tests for RISC-V SBI steal time");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
