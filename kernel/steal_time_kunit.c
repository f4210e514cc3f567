// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the paravirtual steal time core: the steal clock's read
 * policy and the per-CPU lifecycle, against a simulated host backend.
 */
#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/steal_time.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <trace/events/steal_time.h>

/*
 * Attaching a probe patches kernel text at run time, briefly planting an
 * INT3 that some instruction emulators cannot run, so the tracepoint
 * cases run only when asked: steal_time_kunit.trace=1.
 */
static bool trace;
module_param(trace, bool, 0444);
MODULE_PARM_DESC(trace, "also test the tracepoints (patches kernel text)");

/* What the simulated host has done and will do; tests run one at a time. */
static struct {
	u64 steal;
	int fail_reads;		/* reads to refuse before one succeeds; <0: all */
	int reads;
	int prepares;
	int enables;
	int disables;
	int enable_ret;
	u64 stale_once;		/* returned by the next read only, if set */
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

/* The counter is its own token, as for an ABI without a version. */
static bool fake_read(unsigned int cpu, u64 *steal, u64 *token)
{
	host.reads++;
	if (host.fail_reads) {
		if (host.fail_reads > 0)
			host.fail_reads--;
		return false;
	}
	*steal = host.steal;
	if (host.stale_once) {
		*steal = host.stale_once;
		host.stale_once = 0;
	}
	*token = *steal;
	return true;
}

static u64 fake_token(unsigned int cpu)
{
	host.reads++;
	return host.fail_reads ? U64_MAX : host.steal;
}

static const struct steal_time_ops fake_ops = {
	.name = "fake",
	.prepare = fake_prepare,
	.enable = fake_enable,
	.disable = fake_disable,
	.read = fake_read,
};

static u64 fake_now;

static u64 fake_clock(void)
{
	return fake_now;
}

static struct steal_time_cpu stc;

/*
 * The simulated CPU's number: no real CPU has it, so the tracepoint probes
 * below can tell its events from those of the live steal clock, which
 * fire on a host that offers steal time.
 */
#define FAKE_CPU	NR_CPUS

static u64 read_clock(void)
{
	return steal_time_read_cpu(&fake_ops, &stc, FAKE_CPU, fake_clock);
}

static int steal_time_test_init(struct kunit *test)
{
	memset(&host, 0, sizeof(host));
	steal_time_cpu_init(&stc);
	fake_now = 10ULL * NSEC_PER_SEC;
	return 0;
}

static long stat(atomic_long_t *counter)
{
	return atomic_long_read(counter);
}

static void read_returns_host_value(struct kunit *test)
{
	host.steal = 123456789;
	KUNIT_EXPECT_EQ(test, read_clock(), 123456789ULL);
	KUNIT_EXPECT_EQ(test, host.reads, 2);	/* once more under the lock */

	/* Nothing new from the host: one snapshot, same answer. */
	KUNIT_EXPECT_EQ(test, read_clock(), 123456789ULL);
	KUNIT_EXPECT_EQ(test, host.reads, 3);
}

static void unchanged_counter_is_served_inline(struct kunit *test)
{
	u64 value = 0;

	/* A counter the core has not folded in yet is not the common case. */
	host.steal = 7000;
	KUNIT_EXPECT_FALSE(test, steal_time_unchanged(fake_token, &stc, 0, &value));
	KUNIT_EXPECT_EQ(test, read_clock(), 7000ULL);
	KUNIT_EXPECT_TRUE(test, steal_time_unchanged(fake_token, &stc, 0, &value));
	KUNIT_EXPECT_EQ(test, value, 7000ULL);

	/* Nor is a host that moved on, or one caught mid-update. */
	host.steal = 9000;
	KUNIT_EXPECT_FALSE(test, steal_time_unchanged(fake_token, &stc, 0, &value));
	host.steal = 7000;
	host.fail_reads = 1;
	KUNIT_EXPECT_FALSE(test, steal_time_unchanged(fake_token, &stc, 0, &value));

	/* After the core applied a policy, the inline answer is the policy's. */
	host.steal = 1000;
	KUNIT_EXPECT_EQ(test, read_clock(), 7000ULL);
	value = 0;
	KUNIT_EXPECT_TRUE(test, steal_time_unchanged(fake_token, &stc, 0, &value));
	KUNIT_EXPECT_EQ(test, value, 7000ULL);
}

static void read_retries_while_host_updates(struct kunit *test)
{
	host.steal = 5000;
	host.fail_reads = 3;
	KUNIT_EXPECT_EQ(test, read_clock(), 5000ULL);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.retries), 3);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.stuck), 0);
}

static void read_gives_up_after_bounded_tries(struct kunit *test)
{
	host.steal = 777;
	KUNIT_EXPECT_EQ(test, read_clock(), 777ULL);

	/* A host that never finishes its update must not hang the tick. */
	host.steal = 999999;
	host.fail_reads = -1;
	host.reads = 0;
	KUNIT_EXPECT_EQ(test, read_clock(), 777ULL);
	KUNIT_EXPECT_EQ(test, host.reads, STEAL_TIME_READ_TRIES);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.stuck), 1);

	/* Once the host is sane again, accounting goes on. */
	host.fail_reads = 0;
	fake_now += NSEC_PER_SEC;
	KUNIT_EXPECT_EQ(test, read_clock(), 999999ULL);
}

static void read_succeeds_on_last_try(struct kunit *test)
{
	host.steal = 42;
	host.fail_reads = STEAL_TIME_READ_TRIES - 1;
	KUNIT_EXPECT_EQ(test, read_clock(), 42ULL);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.stuck), 0);
}

static void backwards_host_neither_lowers_nor_recharges(struct kunit *test)
{
	host.steal = 1000000;
	KUNIT_EXPECT_EQ(test, read_clock(), 1000000ULL);

	/* Restored from an older snapshot: the counter drops. */
	host.steal = 400000;
	fake_now += NSEC_PER_SEC;
	KUNIT_EXPECT_EQ(test, read_clock(), 1000000ULL);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.backwards), 1);

	/* New steal after the drop counts; the old steal is not charged twice. */
	host.steal = 400000 + 250000;
	fake_now += NSEC_PER_SEC;
	KUNIT_EXPECT_EQ(test, read_clock(), 1250000ULL);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.backwards), 1);
}

static void jump_beyond_elapsed_time_is_clamped(struct kunit *test)
{
	u64 start;

	host.steal = 5 * NSEC_PER_MSEC;
	start = read_clock();

	/* 10 ms later the host claims 5 s more steal. */
	fake_now += 10 * NSEC_PER_MSEC;
	host.steal += 5ULL * NSEC_PER_SEC;
	KUNIT_EXPECT_EQ(test, read_clock(),
			start + 10 * NSEC_PER_MSEC + STEAL_TIME_SLACK_NS);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.clamped), 1);
	KUNIT_EXPECT_EQ(test, stc.carry, (u64)STEAL_TIME_CARRY_MAX_NS);
	KUNIT_EXPECT_EQ(test, atomic64_read(&stc.stats.dropped_ns),
			(s64)(5ULL * NSEC_PER_SEC - 11 * NSEC_PER_MSEC -
			      STEAL_TIME_CARRY_MAX_NS));

	/* A second later, the carry is released with the next update. */
	fake_now += NSEC_PER_SEC;
	host.steal += 2 * NSEC_PER_MSEC;
	KUNIT_EXPECT_EQ(test, read_clock(),
			start + 11 * NSEC_PER_MSEC + STEAL_TIME_CARRY_MAX_NS +
			2 * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, stc.carry, 0ULL);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.clamped), 1);
}

static void absurd_jump_does_not_overflow(struct kunit *test)
{
	u64 before, after;

	host.steal = NSEC_PER_SEC;
	before = read_clock();
	fake_now += NSEC_PER_SEC;
	host.steal = U64_MAX;
	after = read_clock();
	KUNIT_EXPECT_GE(test, after, before);
	KUNIT_EXPECT_LE(test, after - before, (u64)(NSEC_PER_SEC + STEAL_TIME_SLACK_NS));
	/* and again, with a full carry already pending */
	fake_now += NSEC_PER_SEC;
	host.steal = 0;
	KUNIT_EXPECT_GE(test, read_clock(), after);
}

static void stale_first_snapshot_is_not_backwards(struct kunit *test)
{
	host.steal = 2000;
	KUNIT_EXPECT_EQ(test, read_clock(), 2000ULL);

	/*
	 * A reader whose first snapshot predates another reader's update
	 * looks at a lower counter; the snapshot under the lock is current.
	 */
	host.stale_once = 1500;
	KUNIT_EXPECT_EQ(test, read_clock(), 2000ULL);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.backwards), 0);
}

static void online_prepares_only_once(struct kunit *test)
{
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
	KUNIT_EXPECT_EQ(test, read_clock(), 3000ULL);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.registrations), 2);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.unregistrations), 1);
}

static void online_survives_host_refusal(struct kunit *test)
{
	host.enable_ret = -EIO;
	KUNIT_EXPECT_EQ(test, steal_time_cpu_online(&fake_ops, &stc, 0), 0);
	KUNIT_EXPECT_TRUE(test, stc.prepared);
	KUNIT_EXPECT_FALSE(test, stc.registered);

	host.enable_ret = 0;
	KUNIT_EXPECT_EQ(test, steal_time_cpu_online(&fake_ops, &stc, 0), 0);
	KUNIT_EXPECT_TRUE(test, stc.registered);
	KUNIT_EXPECT_EQ(test, host.prepares, 1);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.refusals), 1);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.registrations), 1);
}

static struct {
	int updates;
	u64 added;
	u64 value;
	int anomalies[STEAL_TIME_CLAMPED + 1];
} seen;

static void probe_update(void *data, unsigned int cpu, u64 raw, u64 value,
			 u64 added, u64 carry)
{
	if (cpu != FAKE_CPU)
		return;
	seen.updates++;
	seen.added += added;
	seen.value = value;
}

static void probe_anomaly(void *data, unsigned int cpu, unsigned int kind,
			  u64 raw, u64 value)
{
	if (cpu == FAKE_CPU && kind < ARRAY_SIZE(seen.anomalies))
		seen.anomalies[kind]++;
}

static void tracepoints_report_updates_and_anomalies(struct kunit *test)
{
	if (!trace)
		kunit_skip(test, "boot with steal_time_kunit.trace=1 to patch in probes");

	memset(&seen, 0, sizeof(seen));
	KUNIT_ASSERT_EQ(test, register_trace_steal_time_update(probe_update, NULL), 0);
	KUNIT_ASSERT_EQ(test, register_trace_steal_time_anomaly(probe_anomaly, NULL), 0);

	host.steal = 3000;
	read_clock();
	read_clock();			/* nothing new: no event */
	host.steal = 1000;		/* backwards */
	fake_now += NSEC_PER_SEC;
	read_clock();
	host.steal += 10ULL * NSEC_PER_SEC;	/* faster than time */
	fake_now += NSEC_PER_MSEC;
	read_clock();
	host.fail_reads = -1;		/* stuck */
	read_clock();

	unregister_trace_steal_time_anomaly(probe_anomaly, NULL);
	unregister_trace_steal_time_update(probe_update, NULL);
	tracepoint_synchronize_unregister();

	KUNIT_EXPECT_EQ(test, seen.updates, 3);
	KUNIT_EXPECT_EQ(test, seen.value, stc.value);
	KUNIT_EXPECT_EQ(test, seen.added, stc.value);
	KUNIT_EXPECT_EQ(test, seen.anomalies[STEAL_TIME_BACKWARDS], 1);
	KUNIT_EXPECT_EQ(test, seen.anomalies[STEAL_TIME_CLAMPED], 1);
	KUNIT_EXPECT_EQ(test, seen.anomalies[STEAL_TIME_STUCK], 1);
}

/*
 * The debugfs cpus file, rendered from the live state: one row per
 * possible CPU that agrees with that state. With a backend every online
 * CPU is registered and no anomaly happened; the rows are also printed,
 * for comparison with what the host shows. Without a backend, nothing is
 * registered.
 */
static void debugfs_cpus_view_shows_live_state(struct kunit *test)
{
	struct seq_file m = { .size = PAGE_SIZE };
	unsigned int rows = 0;
	char *text, *line;

	if (!IS_ENABLED(CONFIG_STEAL_TIME_DEBUGFS))
		kunit_skip(test, "CONFIG_STEAL_TIME_DEBUGFS is off");
	m.buf = kunit_kzalloc(test, m.size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m.buf);
	KUNIT_ASSERT_EQ(test, steal_time_cpus_show(&m, NULL), 0);
	KUNIT_ASSERT_FALSE(test, seq_has_overflowed(&m));

	text = m.buf;
	line = strsep(&text, "\n");
	KUNIT_EXPECT_TRUE(test, str_has_prefix(line, "cpu registered host_ns steal_ns "));
	while ((line = strsep(&text, "\n")) && *line) {
		unsigned long long steal, carry, stuck, back, regs;
		unsigned int cpu;
		char host[24];
		int reg, fields;

		kunit_info(test, "cpus: %s\n", line);
		fields = sscanf(line, "%u %d %23s %llu %llu %*u %llu %llu %*u %*u %llu",
				&cpu, &reg, host, &steal, &carry, &stuck, &back, &regs);
		KUNIT_ASSERT_EQ(test, fields, 8);
		rows++;
		KUNIT_EXPECT_EQ(test, reg, (int)steal_time_cpu_registered(cpu));
		if (!steal_time_active()) {
			KUNIT_EXPECT_STREQ(test, host, "-");
			KUNIT_EXPECT_EQ(test, reg, 0);
			continue;
		}
		if (!cpu_online(cpu))
			continue;
		KUNIT_EXPECT_EQ(test, reg, 1);
		KUNIT_EXPECT_GE(test, regs, 1ULL);
		KUNIT_EXPECT_EQ(test, stuck, 0ULL);
		KUNIT_EXPECT_EQ(test, back, 0ULL);
	}
	KUNIT_EXPECT_EQ(test, rows, num_possible_cpus());
}

static struct kunit_case steal_time_core_cases[] = {
	KUNIT_CASE(read_returns_host_value),
	KUNIT_CASE(unchanged_counter_is_served_inline),
	KUNIT_CASE(read_retries_while_host_updates),
	KUNIT_CASE(read_gives_up_after_bounded_tries),
	KUNIT_CASE(read_succeeds_on_last_try),
	KUNIT_CASE(backwards_host_neither_lowers_nor_recharges),
	KUNIT_CASE(jump_beyond_elapsed_time_is_clamped),
	KUNIT_CASE(absurd_jump_does_not_overflow),
	KUNIT_CASE(stale_first_snapshot_is_not_backwards),
	KUNIT_CASE(online_prepares_only_once),
	KUNIT_CASE(online_survives_host_refusal),
	KUNIT_CASE(tracepoints_report_updates_and_anomalies),
	KUNIT_CASE(debugfs_cpus_view_shows_live_state),
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
