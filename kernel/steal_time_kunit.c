// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the paravirtual steal time core: the steal clock's read
 * policy and the per-CPU lifecycle, against a simulated host backend.
 */
#include <kunit/test.h>
#include <linux/steal_time.h>

/* What the simulated host has done and will do; tests run one at a time. */
static struct {
	u64 steal;
	int fail_reads;		/* reads to refuse before one succeeds; <0: all */
	int reads;
	int prepares;
	int enables;
	int disables;
	int enable_ret;
} host;

static void fake_prepare(unsigned int cpu)
{
	host.prepares++;
	host.steal = 0;
}

static int fake_enable(unsigned int cpu)
{
	host.enables++;
	return host.enable_ret;
}

static void fake_disable(unsigned int cpu)
{
	host.disables++;
}

static bool fake_read(unsigned int cpu, u64 *steal)
{
	host.reads++;
	if (host.fail_reads) {
		if (host.fail_reads > 0)
			host.fail_reads--;
		return false;
	}
	*steal = host.steal;
	return true;
}

static const struct steal_time_ops fake_ops = {
	.name = "fake",
	.prepare = fake_prepare,
	.enable = fake_enable,
	.disable = fake_disable,
	.read = fake_read,
};

static int steal_time_test_init(struct kunit *test)
{
	memset(&host, 0, sizeof(host));
	return 0;
}

static void read_returns_host_value(struct kunit *test)
{
	struct steal_time_cpu stc = {};

	host.steal = 123456789;
	KUNIT_EXPECT_EQ(test, steal_time_read_cpu(&fake_ops, &stc, 0), 123456789ULL);
	KUNIT_EXPECT_EQ(test, host.reads, 1);
	KUNIT_EXPECT_EQ(test, stc.last, 123456789ULL);
}

static void read_retries_while_host_updates(struct kunit *test)
{
	struct steal_time_cpu stc = {};

	host.steal = 5000;
	host.fail_reads = 3;
	KUNIT_EXPECT_EQ(test, steal_time_read_cpu(&fake_ops, &stc, 0), 5000ULL);
	KUNIT_EXPECT_EQ(test, host.reads, 4);
}

static void read_gives_up_after_bounded_tries(struct kunit *test)
{
	struct steal_time_cpu stc = { .last = 777 };

	host.steal = 999999;
	host.fail_reads = -1;
	KUNIT_EXPECT_EQ(test, steal_time_read_cpu(&fake_ops, &stc, 0), 777ULL);
	KUNIT_EXPECT_EQ(test, host.reads, STEAL_TIME_READ_TRIES);
	KUNIT_EXPECT_EQ(test, stc.last, 777ULL);
}

static void read_succeeds_on_last_try(struct kunit *test)
{
	struct steal_time_cpu stc = { .last = 1 };

	host.steal = 42;
	host.fail_reads = STEAL_TIME_READ_TRIES - 1;
	KUNIT_EXPECT_EQ(test, steal_time_read_cpu(&fake_ops, &stc, 0), 42ULL);
	KUNIT_EXPECT_EQ(test, host.reads, STEAL_TIME_READ_TRIES);
}

static void read_never_goes_backwards(struct kunit *test)
{
	struct steal_time_cpu stc = {};

	host.steal = 1000;
	KUNIT_EXPECT_EQ(test, steal_time_read_cpu(&fake_ops, &stc, 0), 1000ULL);
	host.steal = 400;
	KUNIT_EXPECT_EQ(test, steal_time_read_cpu(&fake_ops, &stc, 0), 1000ULL);
	host.steal = 1500;
	KUNIT_EXPECT_EQ(test, steal_time_read_cpu(&fake_ops, &stc, 0), 1500ULL);
	KUNIT_EXPECT_EQ(test, stc.last, 1500ULL);
}

static void online_prepares_only_once(struct kunit *test)
{
	struct steal_time_cpu stc = {};

	KUNIT_EXPECT_EQ(test, steal_time_cpu_online(&fake_ops, &stc, 0), 0);
	KUNIT_EXPECT_EQ(test, host.prepares, 1);
	KUNIT_EXPECT_EQ(test, host.enables, 1);
	KUNIT_EXPECT_TRUE(test, stc.registered);

	host.steal = 3000;	/* the host accounts while registered */
	steal_time_cpu_offline(&fake_ops, &stc, 0);
	KUNIT_EXPECT_EQ(test, host.disables, 1);
	KUNIT_EXPECT_FALSE(test, stc.registered);

	/* Re-registration must not zero what the host accumulated. */
	KUNIT_EXPECT_EQ(test, steal_time_cpu_online(&fake_ops, &stc, 0), 0);
	KUNIT_EXPECT_EQ(test, host.prepares, 1);
	KUNIT_EXPECT_EQ(test, host.enables, 2);
	KUNIT_EXPECT_TRUE(test, stc.registered);
	KUNIT_EXPECT_EQ(test, steal_time_read_cpu(&fake_ops, &stc, 0), 3000ULL);
}

static void online_survives_host_refusal(struct kunit *test)
{
	struct steal_time_cpu stc = {};

	host.enable_ret = -EIO;
	KUNIT_EXPECT_EQ(test, steal_time_cpu_online(&fake_ops, &stc, 0), 0);
	KUNIT_EXPECT_TRUE(test, stc.prepared);
	KUNIT_EXPECT_FALSE(test, stc.registered);

	host.enable_ret = 0;
	KUNIT_EXPECT_EQ(test, steal_time_cpu_online(&fake_ops, &stc, 0), 0);
	KUNIT_EXPECT_TRUE(test, stc.registered);
	KUNIT_EXPECT_EQ(test, host.prepares, 1);
}

static struct kunit_case steal_time_core_cases[] = {
	KUNIT_CASE(read_returns_host_value),
	KUNIT_CASE(read_retries_while_host_updates),
	KUNIT_CASE(read_gives_up_after_bounded_tries),
	KUNIT_CASE(read_succeeds_on_last_try),
	KUNIT_CASE(read_never_goes_backwards),
	KUNIT_CASE(online_prepares_only_once),
	KUNIT_CASE(online_survives_host_refusal),
	{}
};

static struct kunit_suite steal_time_core_suite = {
	.name = "steal_time_core",
	.init = steal_time_test_init,
	.test_cases = steal_time_core_cases,
};

kunit_test_suite(steal_time_core_suite);

MODULE_DESCRIPTION("KUnit tests for the paravirtual steal time core");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
