/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Architecture-independent core for paravirtual steal time.
 *
 * A hypervisor ABI backend (x86 KVM, arm64 PV_TIME, RISC-V SBI STA) knows
 * only its wire protocol. The core owns what every ABI needs: the per-CPU
 * lifecycle, the CPU hotplug, reboot and suspend hooks, and the steal
 * clock the scheduler calls.
 */
#ifndef _LINUX_STEAL_TIME_H
#define _LINUX_STEAL_TIME_H

#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/percpu-defs.h>
#include <linux/seqlock.h>
#include <linux/time64.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>
#include <asm/barrier.h>

/**
 * struct steal_time_ops - what a hypervisor ABI backend provides
 * @name:	short name used in log messages, e.g. "kvm"
 * @prepare:	called once per CPU, before the first @enable of that CPU,
 *		on that CPU in process context (it may sleep); brings the
 *		CPU's area into its initial state (the KVM ABI wants it
 *		zeroed; arm64 asks the hypervisor where it is and maps it).
 *		Never called again for that CPU, because the host adds to
 *		what is in the area and the scheduler assumes the counter
 *		never goes backwards.
 * @enable:	called on the CPU itself with interrupts disabled; tells the
 *		host where that CPU's area is. Returns 0 or a negative errno.
 * @disable:	called on the CPU itself with interrupts disabled, also from
 *		reboot and crash paths; the host must stop writing the area.
 * @read:	one attempt to take a consistent snapshot of @cpu's raw
 *		steal counter in nanoseconds, from any CPU and any context
 *		(including NMI), and of its token: a value that changes
 *		whenever the host changes the counter (the KVM area's
 *		version; for an ABI without one, the counter itself).
 *		Returns false when the host was updating the area; the core
 *		decides whether to try again.
 * @clock:	optional: the scheduler's steal clock, built by the backend
 *		with steal_time_clock_fast() and an inline function that
 *		reads @cpu's token alone. Without it the core's clock calls
 *		@read, one call and a whole snapshot more on every read.
 */
struct steal_time_ops {
	const char *name;
	void (*prepare)(unsigned int cpu);
	int (*enable)(unsigned int cpu);
	void (*disable)(unsigned int cpu);
	bool (*read)(unsigned int cpu, u64 *steal, u64 *token);
	u64 (*clock)(int cpu);
};

/**
 * struct steal_time_stats - what happened on one CPU, for diagnosis
 * @retries:	snapshots spoiled because the host was writing the area
 * @stuck:	reads that gave up after %STEAL_TIME_READ_TRIES snapshots
 * @backwards:	times the host's counter was found lower than before
 * @clamped:	updates that would have run ahead of the CPU's clock
 * @registrations:	times the host accepted this CPU's area
 * @refusals:	times the host refused it
 * @unregistrations:	times the host was told to stop writing it
 * @dropped_ns:	steal beyond %STEAL_TIME_CARRY_MAX_NS, never accounted
 * @syncp:	lets other CPUs read @dropped_ns whole on 32-bit
 *
 * Written only by the CPU itself, so plain counters suffice: no atomic
 * read-modify-write on the cache line the steal clock reads.
 */
struct steal_time_stats {
	unsigned long retries;
	unsigned long stuck;
	unsigned long backwards;
	unsigned long clamped;
	unsigned long registrations;
	unsigned long refusals;
	unsigned long unregistrations;
	u64_stats_t dropped_ns;
	struct u64_stats_sync syncp;
};

/**
 * struct steal_time_cpu - the core's per-CPU state for one backend
 * @raw:	the host's counter when @value was last updated
 * @value:	what the steal clock returns for this CPU; never decreases
 * @token:	the backend's token of the snapshot @raw came from: while
 *		the host's token is still this one, @value is the answer;
 *		%STEAL_TIME_NO_TOKEN while @carry waits to be released
 * @horizon:	the CPU's clock when accounting started, plus all steal
 *		accounted since: @value may not run ahead of the clock
 * @seen:	the CPU's clock when it was last read, which is not on every
 *		update: a lower bound of the clock now
 * @carry:	steal the host reported faster than time passed, held back
 *		to be released as time passes
 * @folding:	the CPU is updating the fields above; an NMI that reads
 *		the clock meanwhile takes @value as it is
 * @prepared:	@prepare has run for this CPU
 * @started:	accounting started: the host accepted the area once
 * @registered:	the host currently has this CPU's area
 * @stats:	counters for diagnosis
 * @latch:	on 32-bit, where a 64-bit load is two loads, what lets
 *		other CPUs and NMIs take a whole @value from @latched
 * @latched:	two copies of @value behind @latch
 *
 * Only the CPU itself writes it, with interrupts off (KUnit's simulated
 * CPUs are driven the same way, by one thread); other CPUs read @value,
 * @token, @registered and @stats.
 */
struct steal_time_cpu {
	u64 raw;
	u64 value;
	u64 token;
	u64 horizon;
	u64 seen;
	u64 carry;
	bool folding;
	bool prepared;
	bool started;
	bool registered;
	struct steal_time_stats stats;
#if BITS_PER_LONG == 32
	seqcount_latch_t latch;
	u64 latched[2];
#endif
};

/**
 * steal_time_value() - the steal clock's last value for one CPU, whole
 * @stc: the core's state for that CPU
 *
 * Any CPU, any context. On 64-bit one load. On 32-bit a plain load could
 * tear while another CPU updates @stc->value, and a value 2^32 ns too low
 * would make the scheduler account a tick of steal on every tick until
 * it caught up; a latch instead of a sequence count, because a reader in
 * NMI may have interrupted the writer on its own CPU.
 *
 * Return: a value the steal clock had, in nanoseconds.
 */
static __always_inline u64 steal_time_value(const struct steal_time_cpu *stc)
{
#if BITS_PER_LONG == 32
	unsigned int seq;
	u64 value;

	do {
		seq = raw_read_seqcount_latch(&stc->latch);
		value = stc->latched[seq & 1];
	} while (raw_read_seqcount_latch_retry(&stc->latch, seq));
	return value;
#else
	return READ_ONCE(stc->value);
#endif
}

/*
 * How many snapshots the clock attempts before it gives up and returns the
 * last value it trusted. A well-behaved host finishes an update in well
 * under a microsecond, and never while the vCPU reading its own area runs.
 */
#define STEAL_TIME_READ_TRIES	64

/*
 * A vCPU cannot have been kept from running for longer than the time that
 * passed since its area was registered. Steal beyond that, plus this slack
 * for the host's clock and ours, is held back in @carry, and carry beyond
 * STEAL_TIME_CARRY_MAX_NS dropped.
 */
#define STEAL_TIME_SLACK_NS	(1ULL * NSEC_PER_MSEC)
#define STEAL_TIME_CARRY_MAX_NS	(100ULL * NSEC_PER_MSEC)

/* No token a host can publish: makes every read go to the core. */
#define STEAL_TIME_NO_TOKEN	U64_MAX

/* What the steal_time_anomaly tracepoint reports; values are ABI for tools. */
enum steal_time_anomaly {
	STEAL_TIME_STUCK = 1,
	STEAL_TIME_BACKWARDS = 2,
	STEAL_TIME_CLAMPED = 3,
};

/**
 * steal_time_unchanged() - the steal clock's common case, in a few loads
 * @token: reads @cpu's token from the area, inlined (see
 *	   &steal_time_ops.read); one load, no snapshot needed
 * @stc: the core's state for @cpu
 * @cpu: CPU whose steal time is read
 * @value: where the steal clock's answer goes, if true is returned
 *
 * Between two host updates, which is nearly every call, the area still
 * carries the token of the snapshot the core last folded in, and the
 * answer is the value computed then. A token taken in the middle of an
 * update never matches: the core only keeps tokens of good snapshots.
 *
 * Return: true if *@value is the steal clock's answer.
 */
static __always_inline bool steal_time_unchanged(u64 (*token)(unsigned int cpu),
						 struct steal_time_cpu *stc,
						 unsigned int cpu, u64 *value)
{
	/*
	 * A plain load, which the compiler may fold into the compare: a
	 * stale token only sends the reader the long way, to the core.
	 */
	if (token(cpu) != data_race(stc->token))
		return false;
	/* Pairs with the smp_wmb() between @value and @token in the core. */
	smp_rmb();
	*value = steal_time_value(stc);
	return true;
}

#ifdef CONFIG_STEAL_TIME
DECLARE_PER_CPU(struct steal_time_cpu, steal_time_state);
u64 steal_time_clock_slow(unsigned int cpu);

/**
 * steal_time_clock_fast() - a backend's steal clock, common case inlined
 * @token: reads @cpu's token from the area (see steal_time_unchanged())
 * @cpu: CPU whose steal time is read
 *
 * For &steal_time_ops.clock: cheaper than a snapshot of the area when the
 * host has nothing new; anything else goes to the core, with the same
 * policies as every other read.
 *
 * Return: steal time of @cpu in nanoseconds.
 */
static __always_inline u64 steal_time_clock_fast(u64 (*token)(unsigned int cpu),
						 unsigned int cpu)
{
	struct steal_time_cpu *stc = per_cpu_ptr(&steal_time_state, cpu);
	u64 value;

	if (likely(steal_time_unchanged(token, stc, cpu, &value)))
		return value;
	return steal_time_clock_slow(cpu);
}

int steal_time_register(const struct steal_time_ops *ops);
bool steal_time_active(void);
bool steal_time_cpu_registered(unsigned int cpu);
void steal_time_cpu_shutdown(void);
#else
static inline int steal_time_register(const struct steal_time_ops *ops)
{
	return -ENODEV;
}

static inline bool steal_time_active(void)
{
	return false;
}

static inline bool steal_time_cpu_registered(unsigned int cpu)
{
	return false;
}

static inline void steal_time_cpu_shutdown(void) { }
#endif

#if IS_ENABLED(CONFIG_KUNIT)
/* The core's building blocks, reachable by its KUnit suite only. */
void steal_time_cpu_init(struct steal_time_cpu *stc, bool registered);
u64 steal_time_read_cpu(const struct steal_time_ops *ops,
			struct steal_time_cpu *stc, unsigned int cpu,
			u64 (*clock)(void), bool local);
int steal_time_cpu_online(const struct steal_time_ops *ops,
			  struct steal_time_cpu *stc, unsigned int cpu, u64 now);
void steal_time_cpu_offline(const struct steal_time_ops *ops,
			    struct steal_time_cpu *stc, unsigned int cpu);
struct notifier_block;
int steal_time_reboot(struct notifier_block *nb, unsigned long code,
		      void *unused);
void steal_time_online_this_cpu(void *unused);
u64 steal_time_sched_clock(int cpu);
struct seq_file;
int steal_time_cpus_show(struct seq_file *m, void *unused);
#endif

#endif /* _LINUX_STEAL_TIME_H */
