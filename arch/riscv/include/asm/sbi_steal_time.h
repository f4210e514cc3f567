/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RISC-V SBI steal-time accounting backend (arch/riscv/kernel/sbi_steal_time.c).
 */
#ifndef _ASM_RISCV_SBI_STEAL_TIME_H
#define _ASM_RISCV_SBI_STEAL_TIME_H

#include <linux/types.h>
#include <asm/sbi.h>

bool sbi_sta_steal_time_active(void);

#endif /* _ASM_RISCV_SBI_STEAL_TIME_H */
