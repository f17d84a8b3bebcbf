/* PVH entry: the Xen ELF note XEN_ELFNOTE_PHYS32_ENTRY points at
 * pvh_start32, entered in 32-bit flat protected mode without paging,
 * ebx = hvm_start_info.  It builds its own identity map (1 GiB of 2 MiB
 * pages), enters long mode and calls main(info) -- what Linux's
 * arch/x86/platform/pvh/head.S does, in small. */
	.section .note.Xen, "a"
	.balign 4
	.long	4		/* namesz: "Xen\0" */
	.long	4		/* descsz */
	.long	18		/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz	"Xen"
	.long	pvh_start32

	.section .text.entry, "ax"
	/* e_entry: only reached if the VMM ignored the note */
	.code64
	.globl _start
_start:
	mov	$99, %al
	mov	$0x501, %dx
	out	%al, %dx
	hlt

	.code32
pvh_start32:
	mov	%ebx, %esi
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
	ljmp	$0x08, $start64

	.code64
start64:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$stack_top, %rsp
	mov	%esi, %edi
	call	main
2:	cli
	hlt
	jmp	2b

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
