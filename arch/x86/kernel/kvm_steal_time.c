// SPDX-License-Identifier: GPL-2.0
/*
 * x86 KVM steal time backend: detect KVM_FEATURE_STEAL_TIME, hand each
 * CPU's area to the host through MSR_KVM_STEAL_TIME, read the counter.
 * Everything else is policy and lives in kernel/steal_time.c.
 *
 * See Documentation/virt/kvm/x86/steal-time.rst.
 */
#define pr_fmt(fmt) "kvm-steal-time: " fmt

#include <linux/build_bug.h>
#include <linux/init.h>
#include <linux/kvm_para.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/stddef.h>
#include <linux/steal_time.h>
#include <linux/string.h>
#include <kunit/visibility.h>
#include <asm/kvm_steal_time.h>
#include <asm/msr.h>
#include <asm/pgtable_types.h>

/*
 * Decrypted: on memory-encrypted guests the host must be able to write the
 * area; kvm.c maps it shared for every possible CPU before the boot CPU
 * registers. Aligned to the area's size so that it never crosses a page.
 */
DEFINE_PER_CPU_DECRYPTED(struct kvm_steal_percpu, kvm_steal_area) __aligned(64) __visible;

static_assert(sizeof(struct kvm_steal_time) == 64);
static_assert(offsetof(struct kvm_steal_time, steal) == 0);
static_assert(offsetof(struct kvm_steal_time, version) == 8);
static_assert(offsetof(struct kvm_steal_time, flags) == 12);
static_assert(offsetof(struct kvm_steal_time, preempted) == 16);
static_assert(offsetof(struct kvm_steal_percpu, st) == 0);

static bool kvm_st_active __ro_after_init;

/**
 * kvm_steal_time_msr_value() - what to write to MSR_KVM_STEAL_TIME
 * @cpu: CPU whose area is meant
 *
 * Return: the guest-physical address of @cpu's area with the enable bit.
 */
u64 kvm_steal_time_msr_value(unsigned int cpu)
{
	return slow_virt_to_phys(&per_cpu_ptr(&kvm_steal_area, cpu)->st) |
	       KVM_MSR_ENABLED;
}
EXPORT_SYMBOL_IF_KUNIT(kvm_steal_time_msr_value);

static void kvm_st_prepare(unsigned int cpu)
{
	memset(&per_cpu_ptr(&kvm_steal_area, cpu)->st, 0, sizeof(struct kvm_steal_time));
}

static int kvm_st_enable(unsigned int cpu)
{
	u64 want = kvm_steal_time_msr_value(cpu), old;

	/*
	 * The core takes the area back before every registration but the
	 * first, and a fresh vCPU starts with the MSR clear. Set here means
	 * a kernel that ran before us (kexec) never took its area back, and
	 * the host was writing into memory that is ours now, even if the
	 * address is the same. Say so, without the address: the log may be
	 * readable by everyone.
	 */
	if (!rdmsrl_safe(MSR_KVM_STEAL_TIME, &old) && (old & KVM_MSR_ENABLED))
		pr_warn("CPU%u: the host was still writing steal time for a previous kernel\n",
			cpu);
	return wrmsrl_safe(MSR_KVM_STEAL_TIME, want);
}

static void kvm_st_disable(unsigned int cpu)
{
	wrmsrl_safe(MSR_KVM_STEAL_TIME, 0);
}

static bool kvm_st_read(unsigned int cpu, u64 *steal)
{
	struct kvm_steal_time *st = &per_cpu_ptr(&kvm_steal_area, cpu)->st;

	return steal_time_read_versioned(&st->version, &st->steal, steal);
}

static u64 *kvm_st_base(unsigned int cpu)
{
	return &per_cpu_ptr(&kvm_steal_area, cpu)->base;
}

/*
 * What the scheduler calls: one snapshot less the base, inlined, from one
 * address; the core retries a snapshot the host spoiled.
 */
static u64 kvm_st_clock(int cpu)
{
	struct kvm_steal_percpu *p = per_cpu_ptr(&kvm_steal_area, cpu);
	u64 steal;

	if (likely(steal_time_read_versioned(&p->st.version, &p->st.steal, &steal)))
		return steal - p->base;
	return steal_time_read_slow(cpu);
}

static const struct steal_time_ops kvm_st_ops = {
	.name = "kvm",
	.prepare = kvm_st_prepare,
	.enable = kvm_st_enable,
	.disable = kvm_st_disable,
	.read = kvm_st_read,
	.base = kvm_st_base,
	.clock = kvm_st_clock,
};

/**
 * kvm_steal_time_init() - offer KVM steal time to the core if the host has it
 *
 * Called from kvm_guest_init(), before SMP bring-up.
 *
 * Return: true if the per-CPU areas will be registered with the host, which
 * is what vcpu_is_preempted() and PV TLB flush rely on.
 */
bool __init kvm_steal_time_init(void)
{
	if (!kvm_para_has_feature(KVM_FEATURE_STEAL_TIME))
		return false;
	if (steal_time_register(&kvm_st_ops))
		return false;
	kvm_st_active = true;
	return true;
}

/**
 * kvm_steal_time_active() - whether this backend drives steal time
 *
 * Return: true after kvm_steal_time_init() succeeded.
 */
bool kvm_steal_time_active(void)
{
	return kvm_st_active;
}
EXPORT_SYMBOL_IF_KUNIT(kvm_steal_time_active);
