// SPDX-License-Identifier: GPL-2.0
/*
 * RISC-V SBI steal-time accounting (STA) backend: probe the extension,
 * hand each CPU's shared memory to the SBI implementation, read the
 * counter. Everything else is policy and lives in kernel/steal_time.c.
 *
 * See Documentation/virt/steal-time.rst.
 */
#define pr_fmt(fmt) "riscv-pv: " fmt

#include <linux/build_bug.h>
#include <linux/init.h>
#include <linux/percpu.h>
#include <linux/pgtable.h>
#include <linux/printk.h>
#include <linux/stddef.h>
#include <linux/steal_time.h>
#include <linux/string.h>
#include <linux/wordpart.h>
#include <kunit/visibility.h>
#include <asm/page.h>
#include <asm/paravirt.h>
#include <asm/sbi.h>
#include <asm/sbi_steal_time.h>

/*
 * A CPU's area, aligned to its size as the SBI specification requires, and
 * beyond it, the guest's own, where the CPU's steal clock starts: the
 * clock finds both from one address.
 */
struct sbi_sta_percpu {
	struct sbi_sta_struct st;
	u64 base;
};

static DEFINE_PER_CPU(struct sbi_sta_percpu, sbi_sta_area) __aligned(64);

static_assert(sizeof(struct sbi_sta_struct) == 64);
static_assert(offsetof(struct sbi_sta_struct, sequence) == 0);
static_assert(offsetof(struct sbi_sta_struct, steal) == 8);

static bool sbi_sta_active __ro_after_init;

static int sbi_sta_set_shmem(unsigned long lo, unsigned long hi)
{
	struct sbiret ret;

	ret = sbi_ecall(SBI_EXT_STA, SBI_EXT_STA_STEAL_TIME_SET_SHMEM,
			lo, hi, 0, 0, 0, 0);
	return ret.error ? sbi_err_map_linux_errno(ret.error) : 0;
}

static void sbi_sta_prepare(unsigned int cpu)
{
	memset(&per_cpu_ptr(&sbi_sta_area, cpu)->st, 0, sizeof(struct sbi_sta_struct));
}

static int sbi_sta_enable(unsigned int cpu)
{
	u64 pa = __pa(&per_cpu_ptr(&sbi_sta_area, cpu)->st);

	/* The address in XLEN-bit halves: all of it in the low one on RV64. */
	return sbi_sta_set_shmem((unsigned long)pa,
				 IS_ENABLED(CONFIG_32BIT) ? upper_32_bits(pa) : 0);
}

static void sbi_sta_disable(unsigned int cpu)
{
	sbi_sta_set_shmem(SBI_SHMEM_DISABLE, SBI_SHMEM_DISABLE);
}

/*
 * The area's fields are little-endian, as is every RISC-V Linux kernel:
 * the shared reader takes them as they are.
 */
static_assert(!IS_ENABLED(CONFIG_CPU_BIG_ENDIAN));

static bool sbi_sta_read(unsigned int cpu, u64 *steal)
{
	struct sbi_sta_struct *st = &per_cpu_ptr(&sbi_sta_area, cpu)->st;

	return steal_time_read_versioned((const u32 *)&st->sequence,
					 (const u64 *)&st->steal, steal);
}

static u64 *sbi_sta_base(unsigned int cpu)
{
	return &per_cpu_ptr(&sbi_sta_area, cpu)->base;
}

/* One snapshot less the base, inlined; the core retries a spoiled one. */
static u64 sbi_sta_clock(int cpu)
{
	struct sbi_sta_percpu *p = per_cpu_ptr(&sbi_sta_area, cpu);
	u64 steal;

	if (likely(steal_time_read_versioned((const u32 *)&p->st.sequence,
					     (const u64 *)&p->st.steal, &steal)))
		return steal - p->base;
	return steal_time_read_slow(cpu);
}

static const struct steal_time_ops sbi_sta_ops = {
	.name = "sbi-sta",
	.prepare = sbi_sta_prepare,
	.enable = sbi_sta_enable,
	.disable = sbi_sta_disable,
	.read = sbi_sta_read,
	.base = sbi_sta_base,
	.clock = sbi_sta_clock,
};

/**
 * pv_time_init() - offer SBI steal time to the core if the SBI has it
 *
 * Called from time_init(), before SMP bring-up.
 *
 * Return: 0; a missing extension only means no steal time.
 */
int __init pv_time_init(void)
{
	if (sbi_spec_version < sbi_mk_version(2, 0) ||
	    sbi_probe_extension(SBI_EXT_STA) <= 0)
		return 0;
	pr_info("SBI STA extension detected\n");
	if (!steal_time_register(&sbi_sta_ops))
		sbi_sta_active = true;
	return 0;
}

/**
 * sbi_sta_steal_time_active() - whether this backend drives steal time
 *
 * Return: true after pv_time_init() registered it with the core.
 */
bool sbi_sta_steal_time_active(void)
{
	return sbi_sta_active;
}
EXPORT_SYMBOL_IF_KUNIT(sbi_sta_steal_time_active);
