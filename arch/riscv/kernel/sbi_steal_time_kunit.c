// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the RISC-V SBI steal time backend: the STA area's read
 * protocol (against a concurrent writer in the core's suite, whose reader
 * it shares) and, where the SBI offers the extension, the registration of
 * every online CPU.
 */
#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/steal_time.h>
#include <asm/sbi.h>
#include <asm/sbi_steal_time.h>

/* As sbi_sta_read() reads an area: the core's versioned reader. */
static bool snapshot(struct sbi_sta_struct *st, u64 *steal)
{
	return steal_time_read_versioned((const u32 *)&st->sequence,
					 (const u64 *)&st->steal, steal);
}

static void snapshot_takes_an_even_sequence(struct kunit *test)
{
	struct sbi_sta_struct st = {
		.sequence = cpu_to_le32(6),
		.steal = cpu_to_le64(0x100000002ULL),
	};
	u64 steal = 0;

	KUNIT_EXPECT_TRUE(test, snapshot(&st, &steal));
	KUNIT_EXPECT_EQ(test, steal, 0x100000002ULL);
}

static void snapshot_refuses_an_odd_sequence(struct kunit *test)
{
	struct sbi_sta_struct st = { .sequence = cpu_to_le32(7) };
	u64 steal;

	KUNIT_EXPECT_FALSE(test, snapshot(&st, &steal));
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
