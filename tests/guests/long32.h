/* long32.h -- from 32-bit flat protected mode without paging to long mode,
 * for the guests entered in 32-bit mode (pvh.S, bzimage.S): an identity
 * map of the first 1 GiB in 2 MiB pages, PAE, EFER.LME, paging on, then a
 * far jump to the 64-bit code at \target (segments still to be loaded
 * there: data selector 0x10).  Clobbers eax, ecx, edx; keeps esi, ebx, ebp.
 * LONG32_DATA puts the GDT, the page tables and a 8 KiB stack (stack_top)
 * where the file using it wants them. */
.macro LONG32_ENTER target
	movl	$pdpt + 3, pml4
	movl	$pd + 3, pdpt
	xor	%ecx, %ecx
1:	mov	%ecx, %eax
	shl	$21, %eax
	or	$0x83, %eax
	mov	%eax, pd(, %ecx, 8)
	inc	%ecx
	cmp	$512, %ecx
	jne	1b
	mov	$pml4, %eax
	mov	%eax, %cr3
	mov	%cr4, %eax
	or	$0x20, %eax		/* PAE */
	mov	%eax, %cr4
	mov	$0xc0000080, %ecx	/* EFER.LME */
	rdmsr
	or	$0x100, %eax
	wrmsr
	mov	%cr0, %eax
	or	$0x80000001, %eax	/* PG | PE */
	mov	%eax, %cr0
	lgdt	gdt_desc
	ljmp	$0x08, $\target
.endm

.macro LONG32_DATA
	.section .rodata
	.balign 8
gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad	0x00cf92000000ffff	/* 0x10: data */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	.bss
	.balign 4096
pml4:	.skip 4096
pdpt:	.skip 4096
pd:	.skip 4096
	.skip 8192
stack_top:
.endm
