/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the paravirtual steal time core: registrations of a CPU's
 * area, and reads that found the host's counter held mid-update. Neither
 * is on the steal clock's common path.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM steal_time

#if !defined(_TRACE_STEAL_TIME_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_STEAL_TIME_H

#include <linux/tracepoint.h>

/*
 * steal_time_registration - a CPU's area was offered to the host
 * @cpu: CPU whose area it is
 * @ret: 0 if the host accepted it, else the backend's negative errno
 * @base: the counter accounting started from (0 until accepted once)
 */
TRACE_EVENT(steal_time_registration,
	    TP_PROTO(unsigned int cpu, int ret, u64 base),
	    TP_ARGS(cpu, ret, base),
	    TP_STRUCT__entry(__field(unsigned int, cpu)
			     __field(int, ret)
			     __field(u64, base)),
	    TP_fast_assign(__entry->cpu = cpu;
			   __entry->ret = ret;
			   __entry->base = base;),
	    TP_printk("cpu=%u ret=%d base=%llu", __entry->cpu, __entry->ret,
		      __entry->base)
);

/*
 * steal_time_stuck - no consistent snapshot in STEAL_TIME_READ_TRIES tries
 * @cpu: CPU whose area it is
 * @steal: the host's counter as read, unverified, which the read returned
 */
TRACE_EVENT(steal_time_stuck,
	    TP_PROTO(unsigned int cpu, u64 steal),
	    TP_ARGS(cpu, steal),
	    TP_STRUCT__entry(__field(unsigned int, cpu)
			     __field(u64, steal)),
	    TP_fast_assign(__entry->cpu = cpu;
			   __entry->steal = steal;),
	    TP_printk("cpu=%u steal=%llu", __entry->cpu, __entry->steal)
);

#endif /* _TRACE_STEAL_TIME_H */

#include <trace/define_trace.h>
