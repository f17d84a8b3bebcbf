/*
 * hello64 -- a 64-bit ELF guest: prints "hello from 64-bit" on the UART,
 * then ends the way its command line says: "end=reset" (default, i8042
 * 0xfe), "end=exit:N" (debug-exit port), "end=halt" (cli; hlt), or
 * "end=spin" (loops forever, for --timeout), or "end=echo" (prints each
 * byte the UART receives as "[c]" until a 'q', then resets: the console
 * of strata vm attach), or "end=echo-irq" (the same, but the guest sleeps
 * in hlt and takes the UART's receive interrupt, IRQ 4 through the I/O
 * APIC, as a Linux guest's 8250 driver does).
 */
#include "guest.h"

void main(const struct hvm_start_info *si);

#define UART_VECTOR	0x44

static volatile char rx[256];
static volatile unsigned int rx_head, rx_tail;
static struct { u16 lo, sel; u8 ist, attr; u16 mid; u32 hi, zero; } idt[256]
	__attribute__((aligned(16)));

void uart_irq(void);

/* Drain the receiver, EOI the local APIC (IRQ 4 is edge-triggered). */
void uart_irq(void)
{
	while (inb(0x3f8 + 5) & 0x01)
		rx[rx_tail++ % sizeof(rx)] = inb(0x3f8);
	*(volatile u32 *)0xfee000b0 = 0;
}

__asm__(".text\n.globl uart_entry\nuart_entry:\n"
	"push %rax\npush %rcx\npush %rdx\npush %rsi\npush %rdi\n"
	"push %r8\npush %r9\npush %r10\npush %r11\n"
	"call uart_irq\n"
	"pop %r11\npop %r10\npop %r9\npop %r8\n"
	"pop %rdi\npop %rsi\npop %rdx\npop %rcx\npop %rax\niretq\n");
void uart_entry(void);

/* IDT gate, PICs masked, LAPIC on, I/O APIC pin 4 (edge, active high)
 * to the boot CPU, the UART's receive interrupt enabled. */
static void uart_irq_on(void)
{
	struct { u16 limit; u64 base; } __attribute__((packed)) idtr = {
		sizeof(idt) - 1, (u64)idt };
	volatile u32 *sel = (volatile u32 *)0xfec00000, *win = sel + 4;
	u64 h = (u64)uart_entry;
	u16 cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	idt[UART_VECTOR].lo = h;
	idt[UART_VECTOR].sel = cs;
	idt[UART_VECTOR].attr = 0x8e;
	idt[UART_VECTOR].mid = h >> 16;
	idt[UART_VECTOR].hi = h >> 32;
	__asm__ volatile("lidt %0" : : "m"(idtr));
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	*(volatile u32 *)0xfee00350 = 0x10000;	/* LVT LINT0 masked */
	*(volatile u32 *)0xfee000f0 = 0x1ff;	/* APIC software enable */
	*sel = 0x11 + 2 * 4;
	*win = 0;
	*sel = 0x10 + 2 * 4;
	*win = UART_VECTOR;
	outb(0x3f8 + 4, 0x08);	/* MCR: OUT2, as PC drivers set */
	outb(0x3f8 + 1, 0x01);	/* IER: received data available */
}

/* Sleep in hlt; print what the interrupt handler received. */
static void echo_irq_until_q(void)
{
	char out[4] = "[x]";

	uart_irq_on();
	puts("echo-irq ready\n");
	for (;;) {
		__asm__ volatile("cli");
		if (rx_head == rx_tail) {
			__asm__ volatile("sti; hlt");	/* sti shadow: no lost wake-up */
			continue;
		}
		__asm__ volatile("sti");
		out[1] = rx[rx_head++ % sizeof(rx)];
		if (out[1] == 'q')
			return;
		puts(out);
	}
}

static void echo_until_q(void)
{
	char out[4] = "[x]";

	puts("echo ready\n");
	for (;;) {
		if (!(inb(0x3f8 + 5) & 0x01)) {	/* LSR.DR */
			for (int i = 0; i < 1000; i++)
				__asm__ volatile("pause");
			continue;
		}
		out[1] = inb(0x3f8);
		if (out[1] == 'q')
			return;
		puts(out);
	}
}

void main(const struct hvm_start_info *si)
{
	const char *cl = si && si->magic == 0x336ec578 ?
			 (const char *)si->cmdline_paddr : 0;
	const char *end = cmdline_arg(cl, "end=");
	unsigned int code = 0;

	puts("hello from 64-bit\n");
	if (end && streq_prefix(end, "exit:")) {
		for (end += 5; *end >= '0' && *end <= '9'; end++)
			code = code * 10 + (*end - '0');
		debug_exit(code);
	} else if (end && streq_prefix(end, "halt")) {
		halt_forever();
	} else if (end && streq_prefix(end, "echo-irq")) {
		echo_irq_until_q();
		puts("\nbye\n");
	} else if (end && streq_prefix(end, "echo")) {
		echo_until_q();
		puts("\nbye\n");
	} else if (end && streq_prefix(end, "spin")) {
		for (;;)
			__asm__ volatile("pause");
	}
	i8042_reset();
	halt_forever();
}
