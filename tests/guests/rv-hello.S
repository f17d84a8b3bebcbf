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
