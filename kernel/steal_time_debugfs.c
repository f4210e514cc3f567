// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs view of the steal time core, for root only:
 *
 *   /sys/kernel/debug/steal_time/status  backend, accounting mode, limits
 *   /sys/kernel/debug/steal_time/cpus    one line per possible CPU
 *
 * Counters are in nanoseconds or events. No addresses are shown.
 * See Documentation/admin-guide/steal-time.rst.
 */
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/seq_file.h>
#include <linux/static_call.h>
#include <linux/sched/cputime.h>
#include <kunit/visibility.h>
#include <asm/paravirt.h>
#include "steal_time_internal.h"

static int status_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "backend: %s\n", steal_time_backend ? steal_time_backend->name : "none");
	/* Without a backend of ours, another hypervisor's code may be it. */
	seq_printf(m, "steal clock: %ps\n", static_call_query(pv_steal_clock));
	seq_printf(m, "steal in task run time: %s\n",
		   steal_time_acc ? "excluded" : "included (no-steal-acc)");
	seq_printf(m, "read tries: %d\n", STEAL_TIME_READ_TRIES);
	seq_printf(m, "carry max ns: %llu\n", (u64)STEAL_CLOCK_CARRY_MAX_NS);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(status);

/**
 * steal_time_cpus_show() - render the cpus file
 * @m: where the text goes
 * @unused: seq_file's private pointer
 *
 * Not static under KUnit, which renders it to check it against the state
 * it shows and, on a KVM host, prints it for the host to compare.
 *
 * Return: 0.
 */
VISIBLE_IF_KUNIT int steal_time_cpus_show(struct seq_file *m, void *unused)
{
	unsigned int cpu;

	seq_puts(m, "cpu registered host_ns base_ns steal_ns retries stuck registrations refusals unregistrations tick_carried tick_backwards tick_dropped task_carried task_backwards task_dropped\n");
	for_each_possible_cpu(cpu) {
		struct steal_time_cpu *stc = per_cpu_ptr(&steal_time_state, cpu);
		struct steal_clock_stats *sc = per_cpu_ptr(&steal_clock_stats, cpu);
		u64 host, base = 0;

		seq_printf(m, "%u %d ", cpu, READ_ONCE(stc->registered));
		/* The host's own counter, one snapshot, outside the policies. */
		if (steal_time_backend && steal_time_backend->read(cpu, &host))
			seq_printf(m, "%llu ", host);
		else
			seq_puts(m, "- ");
		if (steal_time_backend)
			/* Set once, as the CPU's first registration ends. */
			base = data_race(*steal_time_backend->base(cpu));
		seq_printf(m, "%llu %llu %ld %ld %lu %lu %lu %lu %lu %lu %lu %lu %lu\n",
			   base,
			   paravirt_steal_clock(cpu),
			   atomic_long_read(&stc->retries),
			   atomic_long_read(&stc->stuck),
			   READ_ONCE(stc->registrations),
			   READ_ONCE(stc->refusals), READ_ONCE(stc->unregistrations),
			   READ_ONCE(sc->carried[STEAL_CLOCK_TICK]),
			   READ_ONCE(sc->backwards[STEAL_CLOCK_TICK]),
			   READ_ONCE(sc->dropped[STEAL_CLOCK_TICK]),
			   READ_ONCE(sc->carried[STEAL_CLOCK_TASK]),
			   READ_ONCE(sc->backwards[STEAL_CLOCK_TASK]),
			   READ_ONCE(sc->dropped[STEAL_CLOCK_TASK]));
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(steal_time_cpus_show);

static int cpus_show(struct seq_file *m, void *unused)
{
	return steal_time_cpus_show(m, unused);
}
DEFINE_SHOW_ATTRIBUTE(cpus);

/* Also without a backend: "backend: none" is an answer too. */
static int __init steal_time_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("steal_time", NULL);

	debugfs_create_file("status", 0400, dir, NULL, &status_fops);
	debugfs_create_file("cpus", 0400, dir, NULL, &cpus_fops);
	return 0;
}
late_initcall(steal_time_debugfs_init);
