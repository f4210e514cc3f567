/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the paravirtual steal time core: every update of a CPU's
 * steal clock, and every anomaly the core corrects. Disabled, each costs a
 * patched-out branch on the update path only; reads that find nothing new
 * never reach them.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM steal_time

#if !defined(_TRACE_STEAL_TIME_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_STEAL_TIME_H

#include <linux/steal_time.h>
#include <linux/tracepoint.h>

/* So that perf and trace-cmd can print the kinds by name, too. */
TRACE_DEFINE_ENUM(STEAL_TIME_STUCK);
TRACE_DEFINE_ENUM(STEAL_TIME_BACKWARDS);
TRACE_DEFINE_ENUM(STEAL_TIME_CLAMPED);

/*
 * steal_time_update - a CPU's steal clock advanced
 * @cpu: CPU whose steal time this is
 * @raw: the host's counter, in nanoseconds
 * @value: the steal clock after the update, what the scheduler accounts
 * @added: nanoseconds added by this update
 * @carry: nanoseconds held back for later updates
 */
TRACE_EVENT(steal_time_update,
	    TP_PROTO(unsigned int cpu, u64 raw, u64 value, u64 added, u64 carry),
	    TP_ARGS(cpu, raw, value, added, carry),
	    TP_STRUCT__entry(__field(unsigned int, cpu)
			     __field(u64, raw)
			     __field(u64, value)
			     __field(u64, added)
			     __field(u64, carry)),
	    TP_fast_assign(__entry->cpu = cpu;
			   __entry->raw = raw;
			   __entry->value = value;
			   __entry->added = added;
			   __entry->carry = carry;),
	    TP_printk("cpu=%u raw=%llu steal=%llu added=%llu carry=%llu",
		      __entry->cpu, __entry->raw, __entry->value, __entry->added,
		      __entry->carry)
);

/*
 * steal_time_anomaly - the host's counter could not be taken as it was
 * @cpu: CPU whose steal time this is
 * @kind: enum steal_time_anomaly: stuck (no consistent snapshot),
 *	backwards, or clamped (would have run ahead of the CPU's clock)
 * @raw: the host's counter, in nanoseconds (the last trusted one if stuck)
 * @value: the steal clock, what the scheduler accounts
 */
TRACE_EVENT(steal_time_anomaly,
	    TP_PROTO(unsigned int cpu, unsigned int kind, u64 raw, u64 value),
	    TP_ARGS(cpu, kind, raw, value),
	    TP_STRUCT__entry(__field(unsigned int, cpu)
			     __field(unsigned int, kind)
			     __field(u64, raw)
			     __field(u64, value)),
	    TP_fast_assign(__entry->cpu = cpu;
			   __entry->kind = kind;
			   __entry->raw = raw;
			   __entry->value = value;),
	    TP_printk("cpu=%u %s raw=%llu steal=%llu", __entry->cpu,
		      __print_symbolic(__entry->kind,
				       { STEAL_TIME_STUCK, "stuck" },
				       { STEAL_TIME_BACKWARDS, "backwards" },
				       { STEAL_TIME_CLAMPED, "clamped" }),
		      __entry->raw, __entry->value)
);

#endif /* _TRACE_STEAL_TIME_H */

#include <trace/define_trace.h>
