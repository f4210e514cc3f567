/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The steal time core's internals, shared with its debugfs view and its
 * KUnit suite; not an API.
 */
#ifndef _KERNEL_STEAL_TIME_INTERNAL_H
#define _KERNEL_STEAL_TIME_INTERNAL_H

#include <linux/atomic.h>
#include <linux/percpu-defs.h>
#include <linux/steal_time.h>

/**
 * struct steal_time_cpu - the core's lifecycle state of one CPU's area
 * @prepared:	&steal_time_ops.prepare has run for this CPU
 * @started:	the host accepted the area once: its base is set
 * @registered:	the host has the area now
 * @retries:	snapshots spoiled because the host was writing the area
 * @stuck:	reads of the CPU's own area that took the counter
 *		unverified after %STEAL_TIME_READ_TRIES snapshots
 * @registrations:	times the host accepted the area
 * @refusals:	times the host refused it
 * @unregistrations:	times the host was told to stop writing it
 *
 * The CPU itself writes the lifecycle fields and their counters, with
 * interrupts off; any reader of the area may count @retries, which only
 * a host that is writing, or misbehaving, makes it do.
 */
struct steal_time_cpu {
	bool prepared;
	bool started;
	bool registered;
	atomic_long_t retries;
	atomic_long_t stuck;
	unsigned long registrations;
	unsigned long refusals;
	unsigned long unregistrations;
};

DECLARE_PER_CPU(struct steal_time_cpu, steal_time_state);
extern const struct steal_time_ops *steal_time_backend;
extern bool steal_time_acc;

#if IS_ENABLED(CONFIG_KUNIT)
/* Static without KUnit; its suite drives them with a simulated backend. */
u64 steal_time_read_retry(const struct steal_time_ops *ops,
			  struct steal_time_cpu *stc, unsigned int cpu,
			  bool local);
int steal_time_cpu_online(const struct steal_time_ops *ops,
			  struct steal_time_cpu *stc, unsigned int cpu);
void steal_time_cpu_offline(const struct steal_time_ops *ops,
			    struct steal_time_cpu *stc, unsigned int cpu);

struct seq_file;
int steal_time_cpus_show(struct seq_file *m, void *unused);
#endif

#endif /* _KERNEL_STEAL_TIME_INTERNAL_H */
