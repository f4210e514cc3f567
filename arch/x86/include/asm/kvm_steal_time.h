/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86 KVM steal time backend: the per-CPU area shared with the host.
 * kvm.c shares the same area for vcpu_is_preempted() and PV TLB flush.
 */
#ifndef _ASM_X86_KVM_STEAL_TIME_H
#define _ASM_X86_KVM_STEAL_TIME_H

#include <linux/percpu-defs.h>
#include <linux/types.h>
#include <uapi/asm/kvm_para.h>

/**
 * struct kvm_steal_percpu - a CPU's steal time area and where its clock starts
 * @st:		the area the host writes (first: the MSR and kvm.c's
 *		assembly address it at the per-CPU variable itself)
 * @base:	the counter right after the CPU's first accepted
 *		registration, which the steal clock subtracts; the guest's
 *		own, beyond the 64 bytes the host writes
 */
struct kvm_steal_percpu {
	struct kvm_steal_time st;
	u64 base;
};

#ifdef CONFIG_AMD_MEM_ENCRYPT
DECLARE_PER_CPU_DECRYPTED(struct kvm_steal_percpu, kvm_steal_area);
#else
DECLARE_PER_CPU(struct kvm_steal_percpu, kvm_steal_area);
#endif

bool kvm_steal_time_init(void);
bool kvm_steal_time_active(void);
u64 kvm_steal_time_msr_value(unsigned int cpu);

#endif /* _ASM_X86_KVM_STEAL_TIME_H */
