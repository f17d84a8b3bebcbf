/* smp: the 64-bit entry (as hello64) and the AP trampoline the BSP copies
 * below 1 MiB.  An AP starts there in real mode after INIT-SIPI-SIPI
 * (cs = vector << 8, ip = 0): it reads its APIC id with cpuid, prints
 * "cpu N up" under a spin lock, counts itself in tr_count and halts. */
	.section .text.entry, "ax"
	.code64
	.globl _start
_start:
	lea	stack_top(%rip), %rsp
	mov	%rsi, %rdi
	call	main
1:	cli
	hlt
	jmp	1b

	.data
	.globl trampoline, trampoline_end, tr_count
	.code16
trampoline:
	cli
	mov	%cs, %ax
	mov	%ax, %ds
	mov	$1, %eax
	cpuid
	shr	$24, %ebx		/* initial APIC id */
1:	mov	$1, %al
	xchg	%al, (tr_lock - trampoline)
	test	%al, %al
	jz	2f
	pause
	jmp	1b
2:	mov	$(msg_cpu - trampoline), %si
	call	puts16
	mov	%bl, %al
	xor	%ah, %ah
	mov	$10, %cl
	div	%cl			/* al = id / 10, ah = id % 10 */
	test	%al, %al
	jz	3f
	add	$'0', %al
	call	putc16
3:	mov	%ah, %al
	add	$'0', %al
	call	putc16
	mov	$(msg_up - trampoline), %si
	call	puts16
	lock incl (tr_count - trampoline)
	movb	$0, (tr_lock - trampoline)
4:	cli
	hlt
	jmp	4b

putc16:				/* al to the UART once it takes it */
	push	%dx
	push	%ax
	mov	$0x3fd, %dx
5:	in	%dx, %al
	test	$0x20, %al
	jz	5b
	pop	%ax
	mov	$0x3f8, %dx
	out	%al, %dx
	pop	%dx
	ret

puts16:				/* ds:si, NUL-terminated */
	lodsb
	test	%al, %al
	jz	6f
	call	putc16
	jmp	puts16
6:	ret

msg_cpu: .asciz "cpu "
msg_up:	.asciz " up\n"
	.balign 4
tr_lock: .long 0
tr_count: .long 0
trampoline_end:
	.code64

	.bss
	.balign 16
	.skip 8192
stack_top:
