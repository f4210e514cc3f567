// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the paravirtual steal time core and the scheduler's
 * steal clock consumers: the bounded read and the versioned read protocol
 * against a simulated host, the per-CPU lifecycle against a simulated
 * backend, and steal_clock_fit()'s policy. Unplugging CPUs and the reboot
 * path are tested end to end, from outside the guest.
 */
#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/moduleparam.h>
#include <linux/sched/cputime.h>
#include <linux/seq_file.h>
#include <linux/steal_time.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <trace/events/steal_time.h>
#include "steal_time_internal.h"

/*
 * Attaching a probe patches kernel text at run time, briefly planting an
 * INT3 that some instruction emulators cannot run, so the tracepoint
 * case runs only when asked: steal_time_kunit.trace=1.
 */
static bool trace;
module_param(trace, bool, 0444);
MODULE_PARM_DESC(trace, "also test the tracepoints (patches kernel text)");

/* What the simulated host has done and will do; tests run one at a time. */
static struct {
	u64 steal;		/* the area's counter */
	int fail_reads;		/* reads to spoil before one succeeds; <0: all */
	int reads;
	int prepares;
	int enables;
	int disables;
	int enable_ret;
	bool zero_on_enable;	/* starts the counter again, as RISC-V's KVM */
	u64 on_enable;		/* published when the area is registered */
} host;

static void fake_prepare(unsigned int cpu)
{
	host.prepares++;
	host.steal = 0;
}

static int fake_enable(unsigned int cpu)
{
	host.enables++;
	if (host.enable_ret)
		return host.enable_ret;
	if (host.zero_on_enable)
		host.steal = 0;
	host.steal += host.on_enable;
	return host.enable_ret;
}

static void fake_disable(unsigned int cpu)
{
	host.disables++;
}

/* A spoiled snapshot still stores what it read, as the real ones do. */
static bool fake_read(unsigned int cpu, u64 *steal)
{
	host.reads++;
	*steal = host.steal;
	if (host.fail_reads) {
		if (host.fail_reads > 0)
			host.fail_reads--;
		return false;
	}
	return true;
}

static u64 base;

static u64 *fake_base(unsigned int cpu)
{
	return &base;
}

static const struct steal_time_ops fake_ops = {
	.name = "fake",
	.prepare = fake_prepare,
	.enable = fake_enable,
	.disable = fake_disable,
	.read = fake_read,
	.base = fake_base,
};

static struct steal_time_cpu stc;

/*
 * The simulated CPU's number: no real CPU has it, so the tracepoint probes
 * below can tell its events from those of live CPUs.
 */
#define FAKE_CPU	NR_CPUS

/* As a backend's clock reads: one attempt, then the core's retries. */
static u64 read_clock(void)
{
	u64 steal;

	if (!fake_read(FAKE_CPU, &steal))
		steal = steal_time_read_retry(&fake_ops, &stc, FAKE_CPU, true);
	return steal - base;
}

static int online(void)
{
	return steal_time_cpu_online(&fake_ops, &stc, FAKE_CPU);
}

static int steal_time_test_init(struct kunit *test)
{
	memset(&host, 0, sizeof(host));
	memset(&stc, 0, sizeof(stc));
	base = 0;
	return 0;
}

static long retries(void)
{
	return atomic_long_read(&stc.retries);
}

static long stuck(void)
{
	return atomic_long_read(&stc.stuck);
}

static void read_returns_host_value_since_base(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, online(), 0);
	host.steal = 8000;
	KUNIT_EXPECT_EQ(test, read_clock(), 8000ULL);
	KUNIT_EXPECT_EQ(test, host.reads, 2);	/* one at registration */
	KUNIT_EXPECT_EQ(test, retries(), 0L);
}

static void read_retries_while_host_updates(struct kunit *test)
{
	host.steal = 5000;
	host.fail_reads = 3;
	KUNIT_EXPECT_EQ(test, read_clock(), 5000ULL);
	KUNIT_EXPECT_EQ(test, host.reads, 4);
	KUNIT_EXPECT_EQ(test, retries(), 3L);
	KUNIT_EXPECT_EQ(test, stuck(), 0L);
}

/*
 * A host that holds the area mid-update never hangs the reader: after the
 * bounded tries, one more read that agrees with the last.
 */
static void area_left_odd_gives_up_after_bounded_tries(struct kunit *test)
{
	host.steal = 7000;
	host.fail_reads = -1;
	KUNIT_EXPECT_EQ(test, read_clock(), 7000ULL);
	KUNIT_EXPECT_EQ(test, host.reads, STEAL_TIME_READ_TRIES + 1);
	KUNIT_EXPECT_EQ(test, retries(), (long)STEAL_TIME_READ_TRIES);
	KUNIT_EXPECT_EQ(test, stuck(), 1L);
}

/* Another CPU meeting an update that takes long is not the host's fault. */
static void remote_read_of_an_area_left_odd_is_not_stuck(struct kunit *test)
{
	host.steal = 7000;
	host.fail_reads = -1;
	KUNIT_EXPECT_EQ(test, steal_time_read_retry(&fake_ops, &stc, FAKE_CPU, false),
			7000ULL);
	KUNIT_EXPECT_EQ(test, stuck(), 0L);
	KUNIT_EXPECT_GE(test, retries(), (long)STEAL_TIME_READ_TRIES);
}

static void read_succeeds_on_last_try(struct kunit *test)
{
	host.steal = 9000;
	host.fail_reads = STEAL_TIME_READ_TRIES - 1;
	KUNIT_EXPECT_EQ(test, read_clock(), 9000ULL);
	KUNIT_EXPECT_EQ(test, host.reads, STEAL_TIME_READ_TRIES);
	KUNIT_EXPECT_EQ(test, stuck(), 0L);
}

static void online_prepares_only_once(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, online(), 0);
	KUNIT_EXPECT_EQ(test, host.prepares, 1);
	KUNIT_EXPECT_EQ(test, host.enables, 1);
	KUNIT_EXPECT_TRUE(test, stc.registered);

	host.steal = 3000;	/* the host accounts while registered */
	steal_time_cpu_offline(&fake_ops, &stc, FAKE_CPU);
	KUNIT_EXPECT_EQ(test, host.disables, 1);
	KUNIT_EXPECT_FALSE(test, stc.registered);
	host.on_enable = 1000;	/* and publishes once more, at registration */

	/* Re-registration neither zeroes the area nor moves the base. */
	KUNIT_EXPECT_EQ(test, online(), 0);
	KUNIT_EXPECT_EQ(test, host.prepares, 1);
	KUNIT_EXPECT_EQ(test, host.enables, 2);
	KUNIT_EXPECT_TRUE(test, stc.registered);
	KUNIT_EXPECT_EQ(test, base, 0ULL);
	KUNIT_EXPECT_EQ(test, read_clock(), 4000ULL);
	KUNIT_EXPECT_EQ(test, stc.registrations, 2UL);
	KUNIT_EXPECT_EQ(test, stc.unregistrations, 1UL);
}

/*
 * RISC-V's KVM zeroes the area whenever it is registered: after a CPU came
 * back the steal clock goes on from where it stopped, neither back to 0
 * nor, through the base, to nearly 2^64.
 */
static void reregistration_follows_a_host_that_restarts_the_counter(struct kunit *test)
{
	host.on_enable = 1000;
	KUNIT_ASSERT_EQ(test, online(), 0);
	host.steal = 5000;
	KUNIT_EXPECT_EQ(test, read_clock(), 4000ULL);
	steal_time_cpu_offline(&fake_ops, &stc, FAKE_CPU);

	host.zero_on_enable = true;
	host.on_enable = 200;
	KUNIT_ASSERT_EQ(test, online(), 0);
	KUNIT_EXPECT_EQ(test, read_clock(), 4000ULL);
	host.steal += 300;
	KUNIT_EXPECT_EQ(test, read_clock(), 4300ULL);

	/* And again, from a base that is now below the counter's zero. */
	steal_time_cpu_offline(&fake_ops, &stc, FAKE_CPU);
	KUNIT_ASSERT_EQ(test, online(), 0);
	host.steal += 50;
	KUNIT_EXPECT_EQ(test, read_clock(), 4350ULL);
	KUNIT_EXPECT_EQ(test, stc.registrations, 3UL);
}

/*
 * What the host publishes at the first registration (the vCPU's wait since
 * it was created, firmware and boot included) is not this kernel's steal.
 */
static void accounting_starts_at_registration(struct kunit *test)
{
	host.on_enable = 2ULL * NSEC_PER_SEC;
	KUNIT_ASSERT_EQ(test, online(), 0);
	KUNIT_EXPECT_EQ(test, base, 2ULL * NSEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, read_clock(), 0ULL);

	host.steal += 20 * NSEC_PER_MSEC;
	KUNIT_EXPECT_EQ(test, read_clock(), 20 * NSEC_PER_MSEC);
}

/*
 * After kexec the area's memory may hold what the previous kernel's host
 * kept writing there: preparing the area clears it, and the base is what
 * the host publishes once this kernel registers.
 */
static void registration_after_kexec_starts_from_the_new_area(struct kunit *test)
{
	host.steal = 7ULL * NSEC_PER_SEC;	/* the previous kernel's */
	host.on_enable = 300;
	KUNIT_ASSERT_EQ(test, online(), 0);
	KUNIT_EXPECT_EQ(test, host.prepares, 1);
	KUNIT_EXPECT_EQ(test, base, 300ULL);
	host.steal += 500;
	KUNIT_EXPECT_EQ(test, read_clock(), 500ULL);
}

/* The base is set at the first registration the host accepts, from a whole snapshot. */
static void online_survives_host_refusal(struct kunit *test)
{
	host.enable_ret = -EIO;
	host.on_enable = 5000;
	KUNIT_EXPECT_EQ(test, online(), 0);
	KUNIT_EXPECT_TRUE(test, stc.prepared);
	KUNIT_EXPECT_FALSE(test, stc.registered);
	KUNIT_EXPECT_FALSE(test, stc.started);

	host.enable_ret = 0;
	host.fail_reads = 2;	/* the host is still writing it */
	KUNIT_EXPECT_EQ(test, online(), 0);
	KUNIT_EXPECT_TRUE(test, stc.registered);
	KUNIT_EXPECT_EQ(test, host.prepares, 1);
	KUNIT_EXPECT_EQ(test, stc.refusals, 1UL);
	KUNIT_EXPECT_EQ(test, stc.registrations, 1UL);
	KUNIT_EXPECT_EQ(test, base, 5000ULL);
	host.steal += 300;
	KUNIT_EXPECT_EQ(test, read_clock(), 300ULL);
}

/* steal_clock_fit() as one consumer calls it, interval after interval. */
static struct {
	u64 prev;
	enum steal_clock_anomaly anomaly;
} consumer;

static u64 take(u64 clock, u64 limit)
{
	consumer.anomaly = STEAL_CLOCK_NONE;
	return steal_clock_fit(clock, &consumer.prev, limit, &consumer.anomaly);
}

static void consumer_takes_growth_within_the_interval(struct kunit *test)
{
	consumer.prev = 1000;
	KUNIT_EXPECT_EQ(test, take(1000, 4000), 0ULL);
	KUNIT_EXPECT_EQ(test, take(3000, 4000), 2000ULL);
	KUNIT_EXPECT_EQ(test, take(7000, 4000), 4000ULL);	/* all of it */
	KUNIT_EXPECT_EQ(test, consumer.prev, 7000ULL);
	KUNIT_EXPECT_EQ(test, consumer.anomaly, STEAL_CLOCK_NONE);
}

/* A host restored from an older state: nothing taken, nothing taken twice. */
static void consumer_resumes_from_a_clock_that_went_back(struct kunit *test)
{
	consumer.prev = 10ULL * NSEC_PER_SEC;
	KUNIT_EXPECT_EQ(test, take(9ULL * NSEC_PER_SEC, NSEC_PER_SEC), 0ULL);
	KUNIT_EXPECT_EQ(test, consumer.anomaly, STEAL_CLOCK_BACKWARDS);
	KUNIT_EXPECT_EQ(test, consumer.prev, 9ULL * NSEC_PER_SEC);
	/* Growth from there is taken, once. */
	KUNIT_EXPECT_EQ(test, take(9ULL * NSEC_PER_SEC + 500, NSEC_PER_SEC), 500ULL);
	KUNIT_EXPECT_EQ(test, consumer.anomaly, STEAL_CLOCK_NONE);
	/* Far back, as a counter restarting from 0 would be. */
	KUNIT_EXPECT_EQ(test, take(0, NSEC_PER_SEC), 0ULL);
	KUNIT_EXPECT_EQ(test, consumer.anomaly, STEAL_CLOCK_BACKWARDS);
}

/*
 * Steal published late (the clock lagged, or was read before the host
 * published) is taken in the next intervals: over the stretch, all of it.
 */
static void consumer_carries_late_steal_to_the_next_intervals(struct kunit *test)
{
	u64 taken = 0;
	int i;

	consumer.prev = 0;
	/* 30 ms of steal arrive in an interval of 4 ms... */
	taken += take(30 * NSEC_PER_MSEC, 4 * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, taken, 4 * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, consumer.anomaly, STEAL_CLOCK_CARRIED);
	/* ...and the clock catches up over the next intervals. */
	for (i = 0; i < 10; i++)
		taken += take(30 * NSEC_PER_MSEC, 4 * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, taken, 30 * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, consumer.prev, 30 * NSEC_PER_MSEC);
	/* The last interval had room for the rest: nothing carried. */
	KUNIT_EXPECT_EQ(test, consumer.anomaly, STEAL_CLOCK_NONE);
}

/*
 * A jump far beyond the interval (a host reporting an hour): the interval
 * is taken, STEAL_CLOCK_CARRY_MAX_NS is carried, the rest dropped, so a
 * task clock loses at most the carry, once.
 */
static void consumer_bounds_the_carry_of_a_forward_jump(struct kunit *test)
{
	u64 hour = 3600ULL * NSEC_PER_SEC, taken = 0, clock;
	int i;

	consumer.prev = 0;
	taken += take(hour, 4 * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, taken, 4 * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, consumer.anomaly, STEAL_CLOCK_DROPPED);
	KUNIT_EXPECT_EQ(test, hour - consumer.prev, STEAL_CLOCK_CARRY_MAX_NS);

	/* From then on, the host behaves: no steal, 1 ms intervals. */
	for (i = 0; i < 200; i++)
		taken += take(hour, NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, consumer.anomaly, STEAL_CLOCK_NONE);
	KUNIT_EXPECT_EQ(test, taken, 4 * NSEC_PER_MSEC + STEAL_CLOCK_CARRY_MAX_NS);
	/* Once the carry is gone, new steal is taken as it comes. */
	clock = hour + 700;
	KUNIT_EXPECT_EQ(test, take(clock, NSEC_PER_MSEC), 700ULL);
}

/* No arithmetic on the way overflows, whatever the clock holds. */
static void consumer_survives_absurd_values(struct kunit *test)
{
	consumer.prev = 0;
	KUNIT_EXPECT_EQ(test, take(U64_MAX / 2, U64_MAX), U64_MAX / 2);
	consumer.prev = 5;
	KUNIT_EXPECT_EQ(test, take(U64_MAX, NSEC_PER_SEC), 0ULL);
	KUNIT_EXPECT_EQ(test, consumer.anomaly, STEAL_CLOCK_BACKWARDS);
	consumer.prev = 0;
	KUNIT_EXPECT_EQ(test, take(S64_MAX, 0), 0ULL);
	KUNIT_EXPECT_EQ(test, consumer.anomaly, STEAL_CLOCK_DROPPED);
	KUNIT_EXPECT_EQ(test, consumer.prev, S64_MAX - STEAL_CLOCK_CARRY_MAX_NS);
}

/*
 * A versioned area as the x86 KVM and RISC-V SBI STA ABIs lay it out, but
 * for the order of the fields, which the reader does not care about.
 */
static struct {
	u64 steal;
	u32 version;
} sim_area __aligned(64);

/*
 * The simulated host writes steal as two 32-bit halves that always hold the
 * same number, so a reader that took a value in the middle of an update
 * sees two different halves: no snapshot the protocol accepts may.
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

static bool sim_read(unsigned int cpu, u64 *steal)
{
	return steal_time_read_versioned(&sim_area.version, &sim_area.steal,
					 steal);
}

static const struct steal_time_ops sim_ops = {
	.name = "sim",
	.read = sim_read,
};

struct sim_reader {
	struct task_struct *task;
	struct steal_time_cpu stc;	/* its own: stuck counts its reads */
	unsigned long reads;
	unsigned long torn;
	unsigned long backwards;
	unsigned long torn_unverified;
	u64 last;
};

static int sim_reader(void *data)
{
	struct sim_reader *r = data;
	long stuck;
	u64 v;

	while (!kthread_should_stop()) {
		/* As kvm_st_clock() reads: one attempt, then the core. */
		stuck = atomic_long_read(&r->stc.stuck);
		if (!sim_read(0, &v))
			v = steal_time_read_retry(&sim_ops, &r->stc, 0, true);
		if (atomic_long_read(&r->stc.stuck) != stuck) {
			/*
			 * The host was held half way for all the tries (a
			 * preempted kthread): the counter as read, which
			 * this host, storing it in two halves, may leave
			 * torn; a 64-bit KVM host stores it in one piece.
			 */
			if (upper_32_bits(v) != lower_32_bits(v))
				r->torn_unverified++;
		} else {
			if (upper_32_bits(v) != lower_32_bits(v))
				r->torn++;
			if (v < r->last)
				r->backwards++;
			r->last = v;
		}
		if (!(++r->reads & 1023))
			cond_resched();
	}
	return 0;
}

static void versioned_readers_never_see_torn_values(struct kunit *test)
{
	struct task_struct *host;
	struct sim_reader *readers;
	unsigned long total = 0, torn_unverified = 0;
	unsigned int cpu, n = 0, host_cpu;
	long retries = 0, stuck = 0;
	u64 last = 0;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs a second online CPU for the simulated host");

	readers = kunit_kcalloc(test, nr_cpu_ids, sizeof(*readers), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, readers);
	memset(&sim_area, 0, sizeof(sim_area));

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
		retries += atomic_long_read(&r->stc.retries);
		stuck += atomic_long_read(&r->stc.stuck);
		torn_unverified += r->torn_unverified;
		last = max(last, r->last);
		KUNIT_EXPECT_EQ_MSG(test, r->torn, 0UL, "reader on CPU%u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, r->backwards, 0UL, "reader on CPU%u", cpu);
	}
	kthread_stop(host);

	kunit_info(test, "%u readers, %lu reads, %ld retries, %ld gave up (%lu of those torn), last value %u\n",
		   n, total, retries, stuck, torn_unverified, lower_32_bits(last));
	KUNIT_EXPECT_GT(test, n, 0U);
	/* The host must really have raced with the readers. */
	KUNIT_EXPECT_GT(test, lower_32_bits(last), 0U);
	KUNIT_EXPECT_GT(test, retries, 0L);
}

static struct {
	int registrations;
	u64 base;
	int stuck;
	u64 stuck_steal;
} seen;

static void probe_registration(void *data, unsigned int cpu, int ret, u64 base)
{
	if (cpu != FAKE_CPU)
		return;
	seen.registrations++;
	seen.base = base;
}

static void probe_stuck(void *data, unsigned int cpu, u64 steal)
{
	if (cpu != FAKE_CPU)
		return;
	seen.stuck++;
	seen.stuck_steal = steal;
}

static void tracepoints_report_registration_and_stuck_reads(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_TRACEPOINTS))
		kunit_skip(test, "kernel built without tracepoints");
	if (!trace)
		kunit_skip(test, "boot with steal_time_kunit.trace=1 to patch in probes");

	memset(&seen, 0, sizeof(seen));
	KUNIT_ASSERT_EQ(test, register_trace_steal_time_registration(probe_registration, NULL), 0);
	KUNIT_ASSERT_EQ(test, register_trace_steal_time_stuck(probe_stuck, NULL), 0);

	host.on_enable = 1234;
	online();
	host.steal = 5678;
	read_clock();			/* a good read: no event */
	host.fail_reads = -1;
	read_clock();

	unregister_trace_steal_time_stuck(probe_stuck, NULL);
	unregister_trace_steal_time_registration(probe_registration, NULL);
	tracepoint_synchronize_unregister();

	KUNIT_EXPECT_EQ(test, seen.registrations, 1);
	KUNIT_EXPECT_EQ(test, seen.base, 1234ULL);
	KUNIT_EXPECT_EQ(test, seen.stuck, 1);
	KUNIT_EXPECT_EQ(test, seen.stuck_steal, 5678ULL);
}

/*
 * The debugfs cpus file, rendered from the live state: one row per
 * possible CPU that agrees with that state. With a backend every online
 * CPU is registered, its clock is its counter less its base, and no read
 * gave up; the rows are also printed, for comparison with what the host
 * shows. Without a backend, nothing is registered.
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
	KUNIT_EXPECT_TRUE(test, str_has_prefix(line, "cpu registered host_ns base_ns steal_ns "));
	while ((line = strsep(&text, "\n")) && *line) {
		unsigned long long base_ns, steal, stuck_reads, regs, host_ns;
		unsigned int cpu;
		char host[24];
		int reg, fields;

		kunit_info(test, "cpus: %s\n", line);
		fields = sscanf(line, "%u %d %23s %llu %llu %*d %llu %llu",
				&cpu, &reg, host, &base_ns, &steal, &stuck_reads,
				&regs);
		KUNIT_ASSERT_EQ(test, fields, 7);
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
		KUNIT_EXPECT_EQ(test, stuck_reads, 0ULL);
		/* The host's counter, read first, was at least base + steal then. */
		KUNIT_ASSERT_EQ(test, kstrtoull(host, 10, &host_ns), 0);
		KUNIT_EXPECT_LE(test, base_ns, host_ns);
		KUNIT_EXPECT_LE(test, host_ns - base_ns, steal);
	}
	KUNIT_EXPECT_EQ(test, rows, num_possible_cpus());
}

static struct kunit_case steal_time_core_cases[] = {
	KUNIT_CASE(read_returns_host_value_since_base),
	KUNIT_CASE(read_retries_while_host_updates),
	KUNIT_CASE(area_left_odd_gives_up_after_bounded_tries),
	KUNIT_CASE(remote_read_of_an_area_left_odd_is_not_stuck),
	KUNIT_CASE(read_succeeds_on_last_try),
	KUNIT_CASE_SLOW(versioned_readers_never_see_torn_values),
	KUNIT_CASE(online_prepares_only_once),
	KUNIT_CASE(accounting_starts_at_registration),
	KUNIT_CASE(reregistration_follows_a_host_that_restarts_the_counter),
	KUNIT_CASE(registration_after_kexec_starts_from_the_new_area),
	KUNIT_CASE(online_survives_host_refusal),
	KUNIT_CASE(consumer_takes_growth_within_the_interval),
	KUNIT_CASE(consumer_resumes_from_a_clock_that_went_back),
	KUNIT_CASE(consumer_carries_late_steal_to_the_next_intervals),
	KUNIT_CASE(consumer_bounds_the_carry_of_a_forward_jump),
	KUNIT_CASE(consumer_survives_absurd_values),
	KUNIT_CASE(tracepoints_report_registration_and_stuck_reads),
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
