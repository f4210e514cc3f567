/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Architecture-independent core for paravirtual steal time.
 *
 * A hypervisor ABI backend (x86 KVM, arm64 PV_TIME, RISC-V SBI STA) knows
 * only its wire protocol. The core owns what every ABI needs: the per-CPU
 * lifecycle, the CPU hotplug, reboot and suspend hooks, and where each
 * CPU's accounting starts.
 *
 * The steal clock is stateless: the host's counter minus the value it had
 * when the CPU's area was first registered (the base: what the host
 * reports from before, firmware or a previous kernel, is not this
 * kernel's to account). It writes nothing, so any CPU reads any CPU's
 * clock in any context and sees what the host published. The base is set
 * once per CPU, by that CPU coming up; another CPU reading the clock at
 * that moment may see the new counter with the old base of 0 (or, on
 * 32-bit, half of the new base), a jump that the scheduler bounds like
 * any other.
 * What a consumer does with a counter that misbehaves is the scheduler's
 * business (steal_clock_take()), the same for every steal clock.
 */
#ifndef _LINUX_STEAL_TIME_H
#define _LINUX_STEAL_TIME_H

#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/types.h>
#include <asm/barrier.h>

/**
 * struct steal_time_ops - what a hypervisor ABI backend provides
 * @name:	short name used in log messages, e.g. "kvm"
 * @prepare:	called once per CPU, before the first @enable of that CPU,
 *		on that CPU in process context (it may sleep); brings the
 *		CPU's area into its initial state (the KVM ABI wants it
 *		zeroed; arm64 asks the hypervisor where it is and maps it).
 *		Never called again for that CPU.
 * @enable:	called on the CPU itself with interrupts disabled; tells the
 *		host where that CPU's area is. Returns 0 or a negative errno.
 * @disable:	called on the CPU itself with interrupts disabled, also from
 *		reboot and crash paths; the host must stop writing the area.
 * @read:	one attempt to take a consistent snapshot of @cpu's counter,
 *		in nanoseconds, from any CPU and any context (including NMI).
 *		Stores the counter as read even when it returns false, which
 *		it does when the host was updating the area.
 * @base:	where the backend keeps @cpu's base, the counter right after
 *		@cpu's first accepted registration, which the core sets and
 *		moves back when a later registration finds the counter lower
 *		than the host left it: next to the area, so that @clock finds
 *		both from one address.
 * @clock:	the scheduler's steal clock: one inlined attempt of @read
 *		minus the base, steal_time_read_slow() when it fails.
 */
struct steal_time_ops {
	const char *name;
	void (*prepare)(unsigned int cpu);
	int (*enable)(unsigned int cpu);
	void (*disable)(unsigned int cpu);
	bool (*read)(unsigned int cpu, u64 *steal);
	u64 *(*base)(unsigned int cpu);
	u64 (*clock)(int cpu);
};

/*
 * How many snapshots a read attempts before it takes the counter as it
 * finds it. A well-behaved host finishes an update in well under a
 * microsecond, and never while the vCPU reading its own area runs.
 */
#define STEAL_TIME_READ_TRIES	64

/**
 * steal_time_read_versioned() - one attempt at a versioned snapshot
 * @version: the area's version: odd while the host writes, moved on by
 *	     two with every update
 * @counter: the area's steal counter, in nanoseconds
 * @steal: where the counter goes, also when the attempt fails
 *
 * The protocol of the x86 KVM and RISC-V SBI STA areas: version, counter,
 * version, each load ordered after the one before; the counter was not
 * written in between if both versions are equal and even. READ_ONCE(),
 * or a load after a barrier, because the host changes the memory behind
 * the compiler's back.
 *
 * Return: true if *@steal is a value the host finished writing.
 */
static __always_inline bool steal_time_read_versioned(const u32 *version,
						      const u64 *counter,
						      u64 *steal)
{
	u32 v = READ_ONCE(*version);

	/* The counter not before the version that vouches for it, */
	virt_rmb();
	*steal = READ_ONCE(*counter);
	/* nor the closing version before the counter. */
	virt_rmb();
	/* The barrier makes it a fresh load: a plain one x86 can compare. */
	return !(v & 1) && v == data_race(*version);
}

#ifdef CONFIG_STEAL_TIME
u64 steal_time_read_slow(unsigned int cpu);

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

#endif /* _LINUX_STEAL_TIME_H */
