/*
 * initramfs -- `strata vm initramfs`: a small initramfs for a stock
 * kernel whose virtio drivers are modules (Debian's linux-image-amd64):
 * the host's static busybox, the kernel's own virtio modules with their
 * dependencies, and a generated /init that loads them and then runs the
 * user's script.
 */
#ifndef STRATA_VM_INITRAMFS_H
#define STRATA_VM_INITRAMFS_H

int vm_initramfs_main(int argc, char **argv);

#endif
