/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared between the steal time core and its debugfs view; not an API.
 */
#ifndef _KERNEL_STEAL_TIME_INTERNAL_H
#define _KERNEL_STEAL_TIME_INTERNAL_H

#include <linux/percpu-defs.h>
#include <linux/steal_time.h>

extern const struct steal_time_ops *steal_time_backend;
extern bool steal_time_acc;

#endif /* _KERNEL_STEAL_TIME_INTERNAL_H */
