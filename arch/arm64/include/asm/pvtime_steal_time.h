/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arm64 stolen time backend (arch/arm64/kernel/pvtime_steal_time.c).
 */
#ifndef _ASM_ARM64_PVTIME_STEAL_TIME_H
#define _ASM_ARM64_PVTIME_STEAL_TIME_H

#include <linux/types.h>
#include <asm/pvclock-abi.h>

bool pvtime_area_usable(const struct pvclock_vcpu_stolen_time *st);
bool pvtime_steal_time_active(void);

#endif /* _ASM_ARM64_PVTIME_STEAL_TIME_H */
