// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the arm64 stolen time backend: the area's revision
 * check and, where the hypervisor offers stolen time, the registration of
 * every online CPU. The counter is one single-copy atomic load: there is
 * no protocol to race with.
 */
#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/steal_time.h>
#include <asm/pvtime_steal_time.h>

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
	KUNIT_CASE(only_revision_0_without_attributes_is_usable),
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
