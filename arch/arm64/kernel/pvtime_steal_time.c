// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 stolen time (SMCCC PV_TIME, Arm DEN0057A) backend: probe the
 * hypervisor call, map the area the hypervisor keeps for each vCPU, read
 * the counter. Everything else is policy and lives in kernel/steal_time.c.
 *
 * Unlike the x86 and RISC-V ABIs the guest does not hand memory to the
 * host: the hypervisor owns each vCPU's area, outside the guest's RAM,
 * and tells the vCPU where it is. There is nothing to take back on
 * reboot, kexec or crash, and no version field: the counter is a 64-bit
 * little-endian number of nanoseconds read with one single-copy atomic
 * load.
 *
 * See Documentation/virt/steal-time.rst.
 */
#define pr_fmt(fmt) "arm-pv: " fmt

#include <linux/arm-smccc.h>
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/stddef.h>
#include <linux/steal_time.h>
#include <kunit/visibility.h>
#include <asm/paravirt.h>
#include <asm/pvclock-abi.h>
#include <asm/pvtime_steal_time.h>

static_assert(sizeof(struct pvclock_vcpu_stolen_time) == 64);
static_assert(offsetof(struct pvclock_vcpu_stolen_time, stolen_time) == 8);

/*
 * Where a CPU's area is mapped, and where its steal clock starts: the
 * clock finds both from one address. Until the area is mapped a zeroed
 * stand-in, so that the steal clock needs no test for a missing mapping:
 * it reads 0, as the CPU's base is until its first registration.
 */
struct pvtime_percpu {
	const struct pvclock_vcpu_stolen_time *area;
	u64 base;
};

static const struct pvclock_vcpu_stolen_time pvtime_unmapped;
static DEFINE_PER_CPU(struct pvtime_percpu, pvtime_state) = {
	.area = &pvtime_unmapped,
};

static bool pvtime_active __ro_after_init;

/*
 * The hypervisor answers PV_TIME_ST with the calling vCPU's area, so this
 * runs on the CPU itself; it runs once, in process context, and the
 * mapping stays for good: other CPUs read the area at any time, and it
 * does not move while this kernel runs.
 */
static void pvtime_prepare(unsigned int cpu)
{
	struct pvclock_vcpu_stolen_time *st;
	struct arm_smccc_res res;

	arm_smccc_1_1_invoke(ARM_SMCCC_HV_PV_TIME_ST, &res);
	if ((long)res.a0 < 0) {
		pr_warn("CPU%u: the hypervisor gave no stolen time area (%ld)\n",
			cpu, (long)res.a0);
		return;
	}
	st = memremap(res.a0, sizeof(*st), MEMREMAP_WB);
	if (!st) {
		pr_warn("CPU%u: cannot map the stolen time area\n", cpu);
		return;
	}
	WRITE_ONCE(per_cpu_ptr(&pvtime_state, cpu)->area, st);
}

/**
 * pvtime_area_usable() - whether an area speaks the revision we know
 * @st: the area
 *
 * Revision 0 with no attributes is the only layout DEN0057A defines; a
 * counter in any other layout could mean anything.
 *
 * Return: true if the counter can be read.
 */
bool pvtime_area_usable(const struct pvclock_vcpu_stolen_time *st)
{
	return !le32_to_cpu(READ_ONCE(st->revision)) &&
	       !le32_to_cpu(READ_ONCE(st->attributes));
}
EXPORT_SYMBOL_IF_KUNIT(pvtime_area_usable);

/* The hypervisor writes the area from the start; the guest only checks it. */
static int pvtime_enable(unsigned int cpu)
{
	const struct pvclock_vcpu_stolen_time *st = per_cpu(pvtime_state, cpu).area;

	if (st == &pvtime_unmapped)
		return -ENXIO;
	if (!pvtime_area_usable(st)) {
		pr_warn_once("CPU%u: stolen time area of revision %u, attributes %#x; only revision 0 is known\n",
			     cpu, le32_to_cpu(st->revision),
			     le32_to_cpu(st->attributes));
		return -EPROTO;
	}
	return 0;
}

/*
 * Nothing to tell the hypervisor: it writes memory of its own, never this
 * kernel's or the next one's. The core stops reading it.
 */
static void pvtime_disable(unsigned int cpu)
{
}

/*
 * One 64-bit load, which arm64 makes single-copy atomic: it cannot tear,
 * and there is no update in progress to see.
 */
static __always_inline u64 pvtime_counter(const struct pvtime_percpu *p)
{
	return le64_to_cpu(READ_ONCE(READ_ONCE(p->area)->stolen_time));
}

static bool pvtime_read(unsigned int cpu, u64 *steal)
{
	*steal = pvtime_counter(per_cpu_ptr(&pvtime_state, cpu));
	return true;
}

static u64 *pvtime_base(unsigned int cpu)
{
	return &per_cpu_ptr(&pvtime_state, cpu)->base;
}

static u64 pvtime_clock(int cpu)
{
	const struct pvtime_percpu *p = per_cpu_ptr(&pvtime_state, cpu);

	return pvtime_counter(p) - p->base;
}

static const struct steal_time_ops pvtime_ops = {
	.name = "pvtime",
	.prepare = pvtime_prepare,
	.enable = pvtime_enable,
	.disable = pvtime_disable,
	.read = pvtime_read,
	.base = pvtime_base,
	.clock = pvtime_clock,
};

static bool __init pvtime_offered(void)
{
	struct arm_smccc_res res;

	/* Without SMCCC 1.1 this answers SMCCC_RET_NOT_SUPPORTED itself. */
	arm_smccc_1_1_invoke(ARM_SMCCC_ARCH_FEATURES_FUNC_ID,
			     ARM_SMCCC_HV_PV_TIME_FEATURES, &res);
	if (res.a0 != SMCCC_RET_SUCCESS)
		return false;
	arm_smccc_1_1_invoke(ARM_SMCCC_HV_PV_TIME_FEATURES,
			     ARM_SMCCC_HV_PV_TIME_ST, &res);
	return res.a0 == SMCCC_RET_SUCCESS;
}

/**
 * pv_time_init() - offer arm64 stolen time to the core if the hypervisor has it
 *
 * Called from time_init(), before SMP bring-up.
 *
 * Return: 0; a hypervisor without stolen time only means no steal time.
 */
int __init pv_time_init(void)
{
	if (!pvtime_offered())
		return 0;
	if (!steal_time_register(&pvtime_ops)) {
		pvtime_active = true;
		pr_info("using stolen time PV\n");
	}
	return 0;
}

/**
 * pvtime_steal_time_active() - whether this backend drives steal time
 *
 * Return: true after pv_time_init() registered it with the core.
 */
bool pvtime_steal_time_active(void)
{
	return pvtime_active;
}
EXPORT_SYMBOL_IF_KUNIT(pvtime_steal_time_active);
