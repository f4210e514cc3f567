// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the paravirtual steal time core: the steal clock's read
 * policy and the per-CPU lifecycle, against a simulated host backend.
 */
#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
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
	u64 epoch;		/* moves the token without moving the counter */
	int fail_reads;		/* reads to refuse before one succeeds; <0: all */
	int reads;
	int prepares;
	int enables;
	int disables;
	int enable_ret;
	u64 on_enable;		/* published when the area is registered */
	u64 stale_once;		/* returned by the next read only, if set */
	bool nested;		/* the next read is interrupted by a read */
	u64 nested_value;
} host;

static void fake_prepare(unsigned int cpu)
{
	host.prepares++;
	host.steal = 0;
}

static int fake_enable(unsigned int cpu)
{
	host.enables++;
	if (!host.enable_ret)
		host.steal += host.on_enable;
	return host.enable_ret;
}

static void fake_disable(unsigned int cpu)
{
	host.disables++;
}

static u64 read_clock(void);

/* The token is the counter, as for an ABI without a version, and an epoch. */
static bool fake_read(unsigned int cpu, u64 *steal, u64 *token)
{
	host.reads++;
	if (host.nested) {
		/* As an NMI would, in the middle of an update. */
		host.nested = false;
		host.nested_value = read_clock();
	}
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
	*token = *steal ^ host.epoch;
	return true;
}

static u64 fake_token(unsigned int cpu)
{
	return host.fail_reads ? U64_MAX : host.steal ^ host.epoch;
}

static const struct steal_time_ops fake_ops = {
	.name = "fake",
	.prepare = fake_prepare,
	.enable = fake_enable,
	.disable = fake_disable,
	.read = fake_read,
};

static u64 fake_now;
static int clock_reads;

static u64 fake_clock(void)
{
	clock_reads++;
	return fake_now;
}

static struct steal_time_cpu stc;

/*
 * The simulated CPU's number: no real CPU has it, so the tracepoint probes
 * below can tell its events from those of the live steal clock, which
 * fire on a host that offers steal time.
 */
#define FAKE_CPU	NR_CPUS

/* As the simulated CPU itself reads its clock. */
static u64 read_clock(void)
{
	return steal_time_read_cpu(&fake_ops, &stc, FAKE_CPU, fake_clock, true);
}

/* As any other CPU reads the simulated CPU's clock. */
static u64 read_remote(void)
{
	return steal_time_read_cpu(&fake_ops, &stc, FAKE_CPU, fake_clock, false);
}

/* Registered at time 0; it is 10 s later now. */
static int steal_time_test_init(struct kunit *test)
{
	memset(&host, 0, sizeof(host));
	steal_time_cpu_init(&stc, true);
	fake_now = 10ULL * NSEC_PER_SEC;
	clock_reads = 0;
	return 0;
}

static unsigned long stat(unsigned long *counter)
{
	return *counter;
}

static u64 dropped(void)
{
	return u64_stats_read(&stc.stats.dropped_ns);
}

static void read_returns_host_value(struct kunit *test)
{
	host.steal = 123456789;
	KUNIT_EXPECT_EQ(test, read_clock(), 123456789ULL);

	/* Nothing new from the host: same answer, remotely too. */
	KUNIT_EXPECT_EQ(test, read_clock(), 123456789ULL);
	KUNIT_EXPECT_EQ(test, read_remote(), 123456789ULL);
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
	host.fail_reads = 0;
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
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.retries), 3UL);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.stuck), 0UL);
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
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.stuck), 1UL);

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
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.stuck), 0UL);
}

static void backwards_host_neither_lowers_nor_recharges(struct kunit *test)
{
	host.steal = 1000000;
	KUNIT_EXPECT_EQ(test, read_clock(), 1000000ULL);

	/* Restored from an older snapshot: the counter drops. */
	host.steal = 400000;
	fake_now += NSEC_PER_SEC;
	KUNIT_EXPECT_EQ(test, read_clock(), 1000000ULL);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.backwards), 1UL);

	/* New steal after the drop counts; the old steal is not charged twice. */
	host.steal = 400000 + 250000;
	fake_now += NSEC_PER_SEC;
	KUNIT_EXPECT_EQ(test, read_clock(), 1250000ULL);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.backwards), 1UL);
}

/*
 * The sequence a bound per interval between folds got wrong: the host
 * moves the token without new steal (an entry with nothing to report),
 * the vCPU then waits 300 ms, another CPU reads its clock halfway, and
 * the host publishes all 300 ms when the vCPU enters again.
 */
static void wait_read_remotely_halfway_is_all_accounted(struct kunit *test)
{
	u64 start;

	host.steal = NSEC_PER_MSEC;
	start = read_clock();
	host.epoch++;
	fake_now += NSEC_PER_MSEC;
	KUNIT_EXPECT_EQ(test, read_clock(), start);

	fake_now += 150 * NSEC_PER_MSEC;
	KUNIT_EXPECT_EQ(test, read_remote(), start);

	fake_now += 150 * NSEC_PER_MSEC;
	host.steal += 300 * NSEC_PER_MSEC;
	KUNIT_EXPECT_EQ(test, read_clock(), start + 300 * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, read_remote(), start + 300 * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.clamped), 0UL);
	KUNIT_EXPECT_EQ(test, stc.carry, 0ULL);
	KUNIT_EXPECT_EQ(test, dropped(), 0ULL);
}

/*
 * A publication that covers more than the time since this CPU last read
 * its clock, but not more than it has been registered: hosts publish at
 * entry, for waits that began before our last read could see them.
 */
static void late_publication_within_uptime_is_accounted(struct kunit *test)
{
	host.steal = 2 * NSEC_PER_MSEC;
	KUNIT_EXPECT_EQ(test, read_clock(), 2 * NSEC_PER_MSEC);
	fake_now += NSEC_PER_MSEC;
	host.steal += 500 * NSEC_PER_MSEC;
	KUNIT_EXPECT_EQ(test, read_clock(), 502 * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.clamped), 0UL);
}

/* The bound costs a clock read only when the steal nears it. */
static void clock_is_read_only_near_the_bound(struct kunit *test)
{
	host.steal = 5 * NSEC_PER_MSEC;
	KUNIT_EXPECT_EQ(test, read_clock(), 5 * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, clock_reads, 1);

	fake_now += 5 * NSEC_PER_MSEC;
	host.steal += 5 * NSEC_PER_MSEC;
	KUNIT_EXPECT_EQ(test, read_clock(), 10 * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, clock_reads, 1);

	/* Beyond what the last reading allows: read it, and it allows. */
	fake_now += 20ULL * NSEC_PER_SEC;
	host.steal += 15ULL * NSEC_PER_SEC;
	KUNIT_EXPECT_EQ(test, read_clock(), 15ULL * NSEC_PER_SEC + 10 * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, clock_reads, 2);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.clamped), 0UL);
}

/* A CPU that was stolen from all the time: every update within the bound. */
static void full_steal_is_never_clamped(struct kunit *test)
{
	int i;

	stc.horizon = fake_now;		/* registered just now */
	for (i = 0; i < 1000; i++) {
		fake_now += 4 * NSEC_PER_MSEC;
		host.steal += 4 * NSEC_PER_MSEC;
		KUNIT_ASSERT_EQ(test, read_clock(), host.steal);
	}
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.clamped), 0UL);
}

static void jump_beyond_elapsed_time_is_clamped(struct kunit *test)
{
	u64 value;
	int i;

	stc.horizon = fake_now;		/* registered just now */
	fake_now += 10 * NSEC_PER_MSEC;
	host.steal = 5 * NSEC_PER_MSEC;
	KUNIT_EXPECT_EQ(test, read_clock(), 5 * NSEC_PER_MSEC);

	/* 10 ms later the host claims 5 s more steal. */
	fake_now += 10 * NSEC_PER_MSEC;
	host.steal += 5ULL * NSEC_PER_SEC;
	value = 20 * NSEC_PER_MSEC + STEAL_TIME_SLACK_NS;
	KUNIT_EXPECT_EQ(test, read_clock(), value);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.clamped), 1UL);
	KUNIT_EXPECT_EQ(test, stc.carry, (u64)STEAL_TIME_CARRY_MAX_NS);
	KUNIT_EXPECT_EQ(test, dropped(),
			5ULL * NSEC_PER_SEC + 5 * NSEC_PER_MSEC - value -
			STEAL_TIME_CARRY_MAX_NS);

	/* Reading again and again releases nothing while no time passes. */
	for (i = 0; i < 10; i++)
		KUNIT_EXPECT_EQ(test, read_clock(), value);

	/*
	 * Time releases the carry, on the next read: the host need not
	 * publish again, and a remote reader sees it after that read.
	 */
	fake_now += 50 * NSEC_PER_MSEC;
	KUNIT_EXPECT_EQ(test, read_remote(), value);
	KUNIT_EXPECT_EQ(test, read_clock(), value + 50 * NSEC_PER_MSEC);
	fake_now += NSEC_PER_SEC;
	KUNIT_EXPECT_EQ(test, read_clock(), value + STEAL_TIME_CARRY_MAX_NS);
	KUNIT_EXPECT_EQ(test, read_remote(), value + STEAL_TIME_CARRY_MAX_NS);
	KUNIT_EXPECT_EQ(test, stc.carry, 0ULL);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.clamped), 1UL);
}

static void absurd_jump_does_not_overflow(struct kunit *test)
{
	u64 before, after;

	stc.horizon = fake_now;		/* registered just now */
	fake_now += NSEC_PER_SEC;
	host.steal = NSEC_PER_MSEC;
	before = read_clock();
	host.steal = U64_MAX;
	after = read_clock();
	KUNIT_EXPECT_GE(test, after, before);
	KUNIT_EXPECT_LE(test, after, (u64)(NSEC_PER_SEC + STEAL_TIME_SLACK_NS));
	/* and again, backwards, with a full carry pending */
	fake_now += NSEC_PER_SEC;
	host.steal = 0;
	KUNIT_EXPECT_GE(test, read_clock(), after);
	KUNIT_EXPECT_LE(test, read_clock(),
			(u64)(2 * NSEC_PER_SEC + STEAL_TIME_SLACK_NS));
}

static void stale_snapshot_neither_lowers_nor_recharges(struct kunit *test)
{
	host.steal = 2000;
	KUNIT_EXPECT_EQ(test, read_clock(), 2000ULL);

	/*
	 * A snapshot older than the last one folded in looks like a lower
	 * counter; it is taken as a counter going backwards, which neither
	 * lowers the clock nor is accounted twice once the host moves on.
	 */
	host.stale_once = 1500;
	host.epoch++;
	KUNIT_EXPECT_EQ(test, read_clock(), 2000ULL);
	host.steal = 2600;
	KUNIT_EXPECT_EQ(test, read_clock(), 2000ULL + 1100ULL);
}

/* An NMI that reads the clock while this CPU folds gets the value before. */
static void read_nested_in_an_update_takes_the_old_value(struct kunit *test)
{
	host.steal = 3000;
	KUNIT_EXPECT_EQ(test, read_clock(), 3000ULL);
	host.steal = 8000;
	host.nested = true;
	KUNIT_EXPECT_EQ(test, read_clock(), 8000ULL);
	KUNIT_EXPECT_FALSE(test, host.nested);
	KUNIT_EXPECT_EQ(test, host.nested_value, 3000ULL);
	KUNIT_EXPECT_FALSE(test, stc.folding);
}

static void online_prepares_only_once(struct kunit *test)
{
	steal_time_cpu_init(&stc, false);
	KUNIT_EXPECT_EQ(test, steal_time_cpu_online(&fake_ops, &stc, 0, fake_now), 0);
	KUNIT_EXPECT_EQ(test, host.prepares, 1);
	KUNIT_EXPECT_EQ(test, host.enables, 1);
	KUNIT_EXPECT_TRUE(test, stc.registered);

	host.steal = 3000;	/* the host accounts while registered */
	steal_time_cpu_offline(&fake_ops, &stc, 0);
	KUNIT_EXPECT_EQ(test, host.disables, 1);
	KUNIT_EXPECT_FALSE(test, stc.registered);
	host.steal = 4000;	/* and publishes once more, at registration */

	/* Re-registration must not zero what the host accumulated. */
	KUNIT_EXPECT_EQ(test, steal_time_cpu_online(&fake_ops, &stc, 0, fake_now), 0);
	KUNIT_EXPECT_EQ(test, host.prepares, 1);
	KUNIT_EXPECT_EQ(test, host.enables, 2);
	KUNIT_EXPECT_TRUE(test, stc.registered);
	KUNIT_EXPECT_EQ(test, read_clock(), 4000ULL);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.registrations), 2UL);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.unregistrations), 1UL);
}

/*
 * What the area holds before registration (a previous kernel's host
 * writing into this memory after a kexec) and what the host publishes at
 * registration (a wait from before it) is not this kernel's steal.
 */
static void accounting_starts_at_registration(struct kunit *test)
{
	steal_time_cpu_init(&stc, false);
	host.steal = 7ULL * NSEC_PER_SEC;
	KUNIT_EXPECT_EQ(test, read_clock(), 0ULL);

	host.on_enable = 2ULL * NSEC_PER_SEC;
	steal_time_cpu_online(&fake_ops, &stc, 0, fake_now);
	KUNIT_EXPECT_EQ(test, host.steal, 2ULL * NSEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, read_clock(), 0ULL);

	fake_now += 20 * NSEC_PER_MSEC;
	host.steal += 20 * NSEC_PER_MSEC;
	KUNIT_EXPECT_EQ(test, read_clock(), 20 * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.backwards), 0UL);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.clamped), 0UL);
	KUNIT_EXPECT_EQ(test, dropped(), 0ULL);
}

static void online_survives_host_refusal(struct kunit *test)
{
	steal_time_cpu_init(&stc, false);
	host.enable_ret = -EIO;
	host.on_enable = 5000;
	KUNIT_EXPECT_EQ(test, steal_time_cpu_online(&fake_ops, &stc, 0, fake_now), 0);
	KUNIT_EXPECT_TRUE(test, stc.prepared);
	KUNIT_EXPECT_FALSE(test, stc.registered);

	host.enable_ret = 0;
	KUNIT_EXPECT_EQ(test, steal_time_cpu_online(&fake_ops, &stc, 0, fake_now), 0);
	KUNIT_EXPECT_TRUE(test, stc.registered);
	KUNIT_EXPECT_EQ(test, host.prepares, 1);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.refusals), 1UL);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.registrations), 1UL);
	/* Accounting started at the registration the host accepted. */
	host.steal += 300;
	fake_now += NSEC_PER_MSEC;
	KUNIT_EXPECT_EQ(test, read_clock(), 300ULL);
}

/*
 * A simulated host on one CPU publishes steal with a sequence count, as
 * fast as it can, and advances the simulated CPU's clock by as much first;
 * the simulated CPU (this thread) folds, another CPU reads remotely. The
 * remote reader never sees the clock go back or get ahead of the host,
 * and in the end every nanosecond published is accounted, none clamped.
 */
static struct {
	u64 steal;
	u64 now;
	unsigned int seq;
	bool stop;
} sim;

static bool sim_read(unsigned int cpu, u64 *steal, u64 *token)
{
	/* The counter is read after the sequence that vouches for it... */
	unsigned int seq = smp_load_acquire(&sim.seq);

	*steal = READ_ONCE(sim.steal);
	/* ...and before the sequence that closes it. */
	smp_rmb();
	*token = seq;
	return !(seq & 1) && seq == READ_ONCE(sim.seq);
}

static u64 sim_clock(void)
{
	return READ_ONCE(sim.now);
}

static const struct steal_time_ops sim_ops = {
	.name = "sim",
	.read = sim_read,
};

/* What the host has published by now, read as the protocol wants it. */
static u64 sim_published(void)
{
	u64 steal, token;

	while (!sim_read(0, &steal, &token))
		cpu_relax();
	return steal;
}

static int sim_host(void *unused)
{
	unsigned long n = 0;

	while (!kthread_should_stop()) {
		u64 step = 1 + (n % 5000);

		WRITE_ONCE(sim.now, sim.now + step);
		WRITE_ONCE(sim.seq, sim.seq + 1);
		/* The odd sequence is visible before the counter changes... */
		smp_wmb();
		WRITE_ONCE(sim.steal, sim.steal + step);
		/* ...and the new counter before the even one. */
		smp_store_release(&sim.seq, sim.seq + 1);
		if (!(++n & 1023))
			cond_resched();
	}
	return 0;
}

struct sim_remote {
	unsigned long reads;
	unsigned long backwards;
	unsigned long ahead;
};

static int sim_remote_reader(void *data)
{
	struct sim_remote *r = data;
	u64 last = 0, v;

	while (!kthread_should_stop()) {
		v = steal_time_read_cpu(&sim_ops, &stc, FAKE_CPU, sim_clock, false);
		if (v < last)
			r->backwards++;
		/* Read after the value: the host has published at least it. */
		smp_rmb();
		if (v > sim_published())
			r->ahead++;
		last = v;
		if (!(++r->reads & 1023))
			cond_resched();
	}
	return 0;
}

static void local_and_remote_reads_while_host_writes(struct kunit *test)
{
	struct task_struct *host_task, *remote_task;
	struct sim_remote remote = {};
	unsigned int host_cpu, remote_cpu;
	unsigned long folds = 0;
	u64 last = 0, v;
	unsigned long end;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs a second online CPU for the simulated host");
	memset(&sim, 0, sizeof(sim));
	steal_time_cpu_init(&stc, true);

	host_cpu = cpumask_first(cpu_online_mask);
	remote_cpu = cpumask_next(host_cpu, cpu_online_mask);
	host_task = kthread_create_on_cpu(sim_host, NULL, host_cpu, "kunit-sim-host/%u");
	KUNIT_ASSERT_FALSE(test, IS_ERR(host_task));
	remote_task = kthread_create_on_cpu(sim_remote_reader, &remote, remote_cpu,
					    "kunit-sim-remote/%u");
	KUNIT_ASSERT_FALSE(test, IS_ERR(remote_task));
	wake_up_process(host_task);
	wake_up_process(remote_task);

	end = jiffies + HZ / 2;
	while (time_before(jiffies, end)) {
		v = steal_time_read_cpu(&sim_ops, &stc, FAKE_CPU, sim_clock, true);
		KUNIT_ASSERT_GE(test, v, last);
		last = v;
		if (!(++folds & 1023))
			cond_resched();
	}
	kthread_stop(host_task);
	kthread_stop(remote_task);

	v = steal_time_read_cpu(&sim_ops, &stc, FAKE_CPU, sim_clock, true);
	kunit_info(test, "%lu local reads, %lu remote, host published %llu ns, accounted %llu\n",
		   folds, remote.reads, sim.steal, v);
	KUNIT_EXPECT_GT(test, sim.steal, 0ULL);
	KUNIT_EXPECT_EQ(test, v, sim.steal);
	KUNIT_EXPECT_EQ(test, remote.backwards, 0UL);
	KUNIT_EXPECT_EQ(test, remote.ahead, 0UL);
	KUNIT_EXPECT_GT(test, remote.reads, 0UL);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.clamped), 0UL);
	KUNIT_EXPECT_EQ(test, stat(&stc.stats.backwards), 0UL);
	KUNIT_EXPECT_EQ(test, dropped(), 0ULL);
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
	if (!IS_ENABLED(CONFIG_TRACEPOINTS))
		kunit_skip(test, "kernel built without tracepoints");
	if (!trace)
		kunit_skip(test, "boot with steal_time_kunit.trace=1 to patch in probes");

	memset(&seen, 0, sizeof(seen));
	stc.horizon = fake_now;		/* registered just now */
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
		/*
		 * Only a CPU takes snapshots of its own area, and the host
		 * writes it only while that vCPU is out of the guest: a read
		 * can never find it mid-update, however busy the host.
		 */
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
	KUNIT_CASE(wait_read_remotely_halfway_is_all_accounted),
	KUNIT_CASE(late_publication_within_uptime_is_accounted),
	KUNIT_CASE(clock_is_read_only_near_the_bound),
	KUNIT_CASE(full_steal_is_never_clamped),
	KUNIT_CASE(jump_beyond_elapsed_time_is_clamped),
	KUNIT_CASE(absurd_jump_does_not_overflow),
	KUNIT_CASE(stale_snapshot_neither_lowers_nor_recharges),
	KUNIT_CASE(read_nested_in_an_update_takes_the_old_value),
	KUNIT_CASE(online_prepares_only_once),
	KUNIT_CASE(accounting_starts_at_registration),
	KUNIT_CASE(online_survives_host_refusal),
	KUNIT_CASE(local_and_remote_reads_while_host_writes),
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
