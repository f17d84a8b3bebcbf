/* bzimage -- the setup header of a Linux bzImage (boot protocol 2.15,
 * Documentation/arch/x86/boot.rst) and both entries of its protected-mode
 * kernel: the 32-bit one at its start (code32_start), the 64-bit one
 * 0x200 further.  Each calls main(boot_params, 32 or 64).  Fields the
 * loader must rewrite hold junk here (heap_end_ptr, CAN_USE_HEAP). */
#include "long32.h"

	.section .setup, "a"
	.org	0x1f1
	.byte	1		/* setup_sects */
	.word	0		/* root_flags */
	.long	bz_syssize	/* syssize, 16-byte units (bzimage.ld) */
	.word	0		/* ram_size */
	.word	0xffff		/* vid_mode */
	.word	0		/* root_dev */
	.word	0xaa55		/* boot_flag */
	.byte	0xeb, hdr_end - 1f	/* jump over the header */
1:	.ascii	"HdrS"
	.word	0x020f		/* version 2.15 */
	.long	0		/* realmode_swtch */
	.word	0		/* start_sys_seg */
	.word	0		/* kernel_version */
	.byte	0		/* type_of_loader */
	.byte	0x81		/* loadflags: LOADED_HIGH | CAN_USE_HEAP */
	.word	0		/* setup_move_size */
	.long	0x100000	/* code32_start */
	.long	0, 0		/* ramdisk_image, ramdisk_size */
	.long	0		/* bootsect_kludge */
	.word	0x1234		/* heap_end_ptr */
	.byte	0, 0		/* ext_loader_ver, ext_loader_type */
	.long	0		/* cmd_line_ptr */
	.long	0x7fffffff	/* initrd_addr_max */
	.long	0x200000	/* kernel_alignment */
	.byte	1		/* relocatable_kernel */
	.byte	12		/* min_alignment */
	.word	3		/* xloadflags: KERNEL_64 | CAN_BE_LOADED_ABOVE_4G */
	.long	255		/* cmdline_size */
	.long	0		/* hardware_subarch */
	.quad	0		/* hardware_subarch_data */
	.long	0, 0		/* payload_offset, payload_length */
	.quad	0		/* setup_data */
	.quad	0x100000	/* pref_address */
	.long	bz_init_size	/* init_size */
	.long	0		/* handover_offset */
	.long	0		/* kernel_info_offset */
	.org	0x26c		/* the 2.15 header ends here */
hdr_end:

	.section .text.entry, "ax"
	.code32
	.globl _start
_start:				/* 32-bit: esi = boot_params, paging off */
	mov	$32, %ebp
	LONG32_ENTER from32

	.org	0x200
	.code64
startup_64:			/* 64-bit: rsi = boot_params */
	mov	$64, %ebp
	jmp	common
from32:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%esi, %esi
common:
	lea	stack_top(%rip), %rsp
	mov	%rsi, %rdi
	mov	%ebp, %esi
	call	main
2:	cli
	hlt
	jmp	2b

	LONG32_DATA
