/*
 * rv-hello entry: a Linux RISC-V Image header (so the same code boots as
 * an Image and as an ELF), then a stack and main(hartid, dtb).
 */
	.option norvc
	.section .text.entry, "ax"
	.globl _start
_start:
	j	1f			/* code0 */
	.word	0			/* code1 */
	.dword	0x200000		/* text_offset */
	.dword	_end - _start		/* image_size */
	.dword	0			/* flags: little endian */
	.word	2			/* version 0.2 */
	.word	0
	.dword	0
	.ascii	"RISCV\0\0\0"		/* magic, deprecated */
	.ascii	"RSC\x05"		/* magic2 */
	.word	0
1:
	la	sp, stack_top
	call	rv_main
2:	wfi
	j	2b

/* secondary harts (SBI HSM hart_start): a0 = hartid, a1 = opaque;
 * a 4 KiB stack each from rv_stacks */
	.globl	rv_secondary_entry
rv_secondary_entry:
	la	sp, rv_stacks
	addi	t0, a0, 1
	slli	t0, t0, 12
	add	sp, sp, t0
	call	rv_secondary
3:	wfi
	j	3b
