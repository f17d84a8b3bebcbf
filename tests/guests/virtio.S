/* 64-bit entry as strata vm sets it up (see hello64.S): own stack, then
 * main(info). */
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

	.bss
	.balign 16
	.skip 8192
stack_top:
