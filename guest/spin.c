// SPDX-License-Identifier: GPL-2.0
/*
 * /init for the PVM test host, where guest user space cannot make system
 * calls: it keeps its vCPU busy and never enters the kernel.
 */
void _start(void)
{
	for (;;)
		__asm__ volatile("pause");
}
