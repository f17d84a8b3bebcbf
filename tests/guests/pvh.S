/* PVH entry: the Xen ELF note XEN_ELFNOTE_PHYS32_ENTRY points at
 * pvh_start32, entered in 32-bit flat protected mode without paging,
 * ebx = hvm_start_info.  It builds its own identity map (1 GiB of 2 MiB
 * pages), enters long mode and calls main(info) -- what Linux's
 * arch/x86/platform/pvh/head.S does, in small. */
#include "long32.h"

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
	LONG32_ENTER start64

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

	LONG32_DATA
