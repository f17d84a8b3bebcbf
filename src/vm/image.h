/*
 * image -- `strata vm image riscv64`: builds, once, the reference riscv64
 * guest (a Linux kernel from Debian's linux-source-6.1 with virtio built
 * in, a busybox initramfs and an ext4 root disk from Debian's busybox
 * source package) and caches it under $STRATA_ROOT/images/riscv64/.
 */
#ifndef STRATA_VM_IMAGE_H
#define STRATA_VM_IMAGE_H

/* Exit status: 0 built or cached (paths on stdout), 1 the build failed,
 * 2 usage error, 3 --cached and nothing is built yet. */
int vm_image_main(int argc, char **argv);

#endif
