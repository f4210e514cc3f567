// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the x86 KVM steal time backend: the read protocol on
 * the ABI's area, the registration value, and on a KVM host that offers
 * steal time, the live registration. The protocol under a concurrent
 * host is the core suite's; unplugging CPUs and the reboot path are
 * tested end to end, from outside the guest.
 */
#include <kunit/test.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/steal_time.h>
#include <asm/kvm_steal_time.h>
#include <asm/msr.h>

static bool snapshot(const struct kvm_steal_time *st, u64 *steal)
{
	return steal_time_read_versioned(&st->version, &st->steal, steal);
}

static void snapshot_accepts_even_version(struct kunit *test)
{
	struct kvm_steal_time st = { .steal = 5555, .version = 4 };
	u64 steal = 0;

	KUNIT_EXPECT_TRUE(test, snapshot(&st, &steal));
	KUNIT_EXPECT_EQ(test, steal, 5555ULL);
}

static void snapshot_rejects_odd_version(struct kunit *test)
{
	struct kvm_steal_time st = { .steal = 5555, .version = 5 };
	u64 steal;

	KUNIT_EXPECT_FALSE(test, snapshot(&st, &steal));
}

/* The version is 32 bits; after 2^31 updates it wraps through zero. */
static void snapshot_across_version_wrap(struct kunit *test)
{
	struct kvm_steal_time st = { .steal = 1000, .version = 0xfffffffe };
	u64 steal;

	KUNIT_EXPECT_TRUE(test, snapshot(&st, &steal));
	KUNIT_EXPECT_EQ(test, steal, 1000ULL);
	st.version = 0xffffffff;
	KUNIT_EXPECT_FALSE(test, snapshot(&st, &steal));
	st.steal = 1500;
	st.version = 0;
	KUNIT_EXPECT_TRUE(test, snapshot(&st, &steal));
	KUNIT_EXPECT_EQ(test, steal, 1500ULL);
}

/* The area as the host finds it: at the address the MSR value carries. */
static struct kvm_steal_time *area(unsigned int cpu)
{
	return phys_to_virt(kvm_steal_time_msr_value(cpu) & ~0x3fULL);
}

static void area_is_aligned_and_msr_value_is_address_plus_enable(struct kunit *test)
{
	unsigned int cpu, other;

	for_each_possible_cpu(cpu) {
		struct kvm_steal_time *st = area(cpu);
		u64 msr = kvm_steal_time_msr_value(cpu);

		KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)st, 64));
		KUNIT_EXPECT_LE(test, offset_in_page(st) + sizeof(*st), PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, msr & KVM_MSR_ENABLED, (u64)KVM_MSR_ENABLED);
		/* Bits 1-5 are reserved by the ABI and must be zero. */
		KUNIT_EXPECT_EQ(test, msr & 0x3eULL, 0ULL);
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

static struct kunit_case kvm_steal_time_cases[] = {
	KUNIT_CASE(snapshot_accepts_even_version),
	KUNIT_CASE(snapshot_rejects_odd_version),
	KUNIT_CASE(snapshot_across_version_wrap),
	KUNIT_CASE(area_is_aligned_and_msr_value_is_address_plus_enable),
	KUNIT_CASE(every_online_cpu_is_registered),
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
