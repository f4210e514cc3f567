/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86 KVM steal time backend: the per-CPU area shared with the host, and
 * the wire protocol for reading it. kvm.c shares the same area for
 * vcpu_is_preempted() and PV TLB flush.
 */
#ifndef _ASM_X86_KVM_STEAL_TIME_H
#define _ASM_X86_KVM_STEAL_TIME_H

#include <linux/compiler.h>
#include <linux/percpu-defs.h>
#include <linux/types.h>
#include <asm/barrier.h>
#include <uapi/asm/kvm_para.h>

#ifdef CONFIG_AMD_MEM_ENCRYPT
DECLARE_PER_CPU_DECRYPTED(struct kvm_steal_time, kvm_steal_area);
#else
DECLARE_PER_CPU(struct kvm_steal_time, kvm_steal_area);
#endif

bool kvm_steal_time_init(void);
bool kvm_steal_time_active(void);
u64 kvm_steal_time_msr_value(unsigned int cpu);
struct kvm_steal_time *kvm_steal_time_area(unsigned int cpu);

/**
 * kvm_steal_time_snapshot() - one attempt at a consistent read of an area
 * @st: the area, shared with a host that may be writing it right now
 * @steal: where the steal counter goes, valid only if true is returned
 * @version: where the version that vouches for it goes, likewise
 *
 * The host makes version odd, writes, then makes it even again. Reading
 * version, steal, version in that order, with the reads kept in order by
 * virt_rmb(), proves steal was not written in between if both versions
 * are equal and even. The reads are READ_ONCE() because the host changes
 * the memory behind the compiler's back.
 *
 * Return: true if *@steal is a value the host finished writing.
 */
static __always_inline bool kvm_steal_time_snapshot(const struct kvm_steal_time *st,
						    u64 *steal, u32 *version)
{
	*version = READ_ONCE(st->version);
	/* steal must not be read before the version that vouches for it */
	virt_rmb();
	*steal = READ_ONCE(st->steal);
	/* nor the closing version before steal */
	virt_rmb();
	return !(*version & 1) && *version == READ_ONCE(st->version);
}

#endif /* _ASM_X86_KVM_STEAL_TIME_H */
