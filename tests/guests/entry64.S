/* 64-bit entry as strata vm sets it up: long mode, identity paging,
 * rsi = hvm_start_info.  Own stack, then main(info).  Shared by every
 * guest that has no X.S of its own (hello64, crash, virtio). */
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
