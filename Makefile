# strata -- one Makefile.
#
#   make            release build: build/release/strata (+ strata-emu, static)
#   make debug      ASan + UBSan build: build/debug/strata (the tests use it)
#   make check      build debug (+ fuzz with clang), run unit, fuzz, system tests;
#                   last line "N passed, N failed"
#   make fuzz       libFuzzer targets (clang): build/fuzz/fuzz_*
#   make run        build release, run an interactive busybox container with its own IP
#   make bench      benchmarks against runc, qemu-user, KVM floor, qemu-system (ratios)
#   make rv-busybox a static riscv64 busybox from Debian's source (cached)
#   make rv-progs   Lua, SQLite, zlib, xz from Debian's sources, riscv64 + x86_64 (cached)
#   make rv-image   the reference riscv64 guest (strata vm image riscv64, cached)
#   V=1             show the commands

CC      ?= cc
PKGS    := jansson libmnl libseccomp libcap zlib
WARN    := -Wall -Wextra -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
           -Wundef -Wshadow -Wno-unused-parameter
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 $(WARN) -Isrc $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -ljansson -lmnl -lseccomp -lcap -lz)
LDLIBS  += -lm	# emu: fma, sqrt, rounding for the RISC-V F/D extensions
ifeq ($(CI),true)
CFLAGS  += -Werror
endif
SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

SRCS    := $(wildcard src/*.c src/lib/*.c src/ct/*.c src/emu/*.c src/vm/*.c src/dev/*.c \
                     src/virtio/*.c src/disk/*.c src/vm/rv/*.c)
LIBSRCS := $(filter-out src/main.c,$(SRCS))
UNITS   := $(wildcard tests/unit/*.c)
FUZZS   := $(wildcard tests/fuzz/*.c)

# riscv64 test programs for strata emu (gcc-riscv64-linux-gnu): each
# tests/emu/X.c is built twice, build/emu-tests/X-static and X-dynamic.
RV_CC    ?= riscv64-linux-gnu-gcc
EMUSRCS  := $(wildcard tests/emu/*.c)
EMUTESTS := $(EMUSRCS:tests/emu/%.c=build/emu-tests/%-static) \
            $(EMUSRCS:tests/emu/%.c=build/emu-tests/%-dynamic)
CHECK_EMU := $(if $(shell command -v $(RV_CC) 2>/dev/null),emu-tests rv-busybox rv-progs rv-image build/release/strata-emu)

# Fuzzing needs clang and its libFuzzer runtime (libclang-rt-14-dev);
# without them `make check` skips the fuzz targets.
FUZZ_CC  ?= clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer
# clang, unlike gcc, warns about vsnprintf(fmt) in err_vset() (no format
# attribute there); keep it a warning, not a -Werror stop, until it has one.
FUZZ_WARN := -Wno-error=format-nonliteral
FUZZ_RT  := $(wildcard $(shell $(FUZZ_CC) -print-resource-dir 2>/dev/null)/lib/linux/libclang_rt.fuzzer-$(shell uname -m).a)
CHECK_FUZZ := $(if $(FUZZ_RT),fuzz)

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all release debug check unit system run bench clean deps fuzz emu-tests guests rv-busybox rv-progs rv-image stock-kernel

all: release
release: build/release/strata build/release/strata-emu build/release/strata-ctwait
debug: build/debug/strata build/debug/strata-ctwait

build/release/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

build/debug/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC [san] $<")
	$(Q)$(CC) $(CFLAGS) -O1 $(SAN) -MMD -MP -c $< -o $@

build/release/strata: $(SRCS:%.c=build/release/%.o)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)
	$(Q)ln -sf strata build/release/strata-runc

# What stays resident of a running container (its pid 1 and the monitor
# of `run -d`), freestanding: no libc, no heap (src/ct/tiny/ctwait.c).
# strata looks for it next to its own binary and does without it.
CTWAIT_CFLAGS := -O2 $(WARN) -ffreestanding -fno-builtin \
                 -nostdlib -static -fno-pic -no-pie -fno-stack-protector \
                 -fno-asynchronous-unwind-tables -Wl,--build-id=none \
                 -Wl,-z,noexecstack -Wl,-z,max-page-size=4096 $(if $(filter true,$(CI)),-Werror)
build/%/strata-ctwait: src/ct/tiny/ctwait.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CTWAIT_CFLAGS) $< -o $@

# strata emu alone, static-pie: the binfmt_misc interpreter that also
# starts inside containers (src/emu/standalone/strata-emu.c).  An archive,
# so only the emu and lib objects it uses are linked.
EMU_STANDALONE := build/release/src/emu/standalone/strata-emu.o
build/release/libemu.a: $(filter build/release/src/emu/% build/release/src/lib/%,$(LIBSRCS:%.c=build/release/%.o))
	$(Q)rm -f $@ && ar rcs $@ $^

build/release/strata-emu: $(EMU_STANDALONE) build/release/libemu.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -static-pie $^ -o $@ -lm

build/debug/strata: $(SRCS:%.c=build/debug/%.o)
	@$(if $(Q),echo "  LD [san] $@")
	$(Q)$(CC) $(CFLAGS) $(SAN) $^ -o $@ $(LDLIBS)
	$(Q)ln -sf strata build/debug/strata-runc

# Each tests/unit/X.c is one program linked against the library objects.
build/debug/unit/%: tests/unit/%.c $(LIBSRCS:%.c=build/debug/%.o)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  UNIT    $@")
	$(Q)$(CC) $(CFLAGS) -O1 $(SAN) -Itests $^ -o $@ $(LDLIBS)

# Static helper programs run inside containers by the system tests.
build/tests/%: tests/system/%.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) -O2 -Wall -static $< -o $@

build/emu-tests/%-static: tests/emu/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  RVCC    $@")
	$(Q)$(RV_CC) -O2 -Wall -static $< -o $@ -lm

build/emu-tests/%-dynamic: tests/emu/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  RVCC    $@")
	$(Q)$(RV_CC) -O2 -Wall $< -o $@ -lm

emu-tests: $(EMUTESTS)

# A static riscv64 busybox from Debian's source package, built once and
# cached in build/cache/rv-busybox (the rv-busybox container template of
# tests/system/t-emu-ct.sh); strata-emu is its binfmt_misc interpreter.
# Exit 3 of the script is "cannot build here" (no deb-src reachable): the
# test then skips, saying so.
rv-busybox:
	$(Q)scripts/rv-busybox.sh >/dev/null || [ $$? = 3 ]

# Real programs from Debian's source packages (lua5.4, sqlite3, zlib,
# xz-utils), for riscv64 and this host, built once and cached in
# build/cache/rv-progs (2-4 min cold on 2 cores) for
# tests/system/t-emu-real.sh, which compares their runs under strata emu,
# qemu-riscv64 and natively.  Exit 3 of the
# script is "cannot build here": the test skips what is missing.
rv-progs:
	$(Q)scripts/rv-progs.sh >/dev/null || [ $$? = 3 ]

# The reference riscv64 guest (`strata vm image riscv64`: Linux from
# linux-source-6.1, busybox initramfs, ext4 disk), built once into
# build/cache/images before the system tests, which run in a network
# namespace with no route to the package archive.  A cold build takes
# ~6 min on 2 cores; t-vm-image.sh and t-vm-rv.sh use it.  When it cannot
# be built here the tests say so and skip.
rv-image: debug
	$(Q)STRATA_IMAGES=$(CURDIR)/build/cache/images build/debug/strata vm image riscv64 --jobs 2 >/dev/null || \
		echo "strata: the reference riscv64 guest was not built; its tests will skip"

# Debian's stock kernel (linux-image-amd64), fetched and unpacked once into
# build/cache/linux before the system tests (t-vm-linux.sh), which run in a
# network namespace with no route to the archive.
stock-kernel:
	$(Q)scripts/stock-kernel.sh >/dev/null || \
		echo "strata: the stock kernel was not fetched; its tests will skip"

# Tiny freestanding guests for strata vm (tests/guests/X.c, and X.S when
# there is one, linked by tests/guests/guest.ld at 1 MiB): build/guests/X.
GUEST_CFLAGS := -O2 -Wall -ffreestanding -nostdlib -static -fno-pic -no-pie \
                -fno-stack-protector -mno-red-zone -mgeneral-regs-only \
                -fno-asynchronous-unwind-tables -Wl,--build-id=none \
                -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments
GUESTS := $(patsubst tests/guests/%.c,build/guests/%,$(filter-out tests/guests/rv-%.c,$(wildcard tests/guests/*.c)))

# riscv64 guests for `strata vm run --arch riscv64` (tests/guests/rv-X.c
# and rv-X.S, linked at 0x80200000 by rv.ld): build/guests/rv-X (ELF) and
# rv-X.img (the same as a flat Image), when the cross compiler is there.
RV_GUEST_CFLAGS := -O2 -Wall -ffreestanding -nostdlib -static -fno-pic -no-pie \
                   -mcmodel=medany -march=rv64imac_zicsr -mabi=lp64 \
                   -fno-stack-protector -fno-asynchronous-unwind-tables \
                   -Wl,--build-id=none -Wl,--no-warn-rwx-segments
RV_GUESTS := $(if $(shell command -v $(RV_CC) 2>/dev/null),$(patsubst tests/guests/%.c,build/guests/%.img,$(wildcard tests/guests/rv-*.c)))

build/guests/%: tests/guests/%.c tests/guests/%.S tests/guests/guest.h tests/guests/guest.ld tests/guests/long32.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GUEST   $@")
	$(Q)$(CC) $(GUEST_CFLAGS) -T tests/guests/guest.ld tests/guests/$*.S $< -o $@

# a guest without an entry of its own starts at the shared 64-bit one
build/guests/%: tests/guests/%.c tests/guests/entry64.S tests/guests/guest.h tests/guests/guest.ld
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GUEST   $@")
	$(Q)$(CC) $(GUEST_CFLAGS) -T tests/guests/guest.ld tests/guests/entry64.S $< -o $@

# The bzImage-format guest is one flat file laid out by its own script.
build/guests/bzimage: tests/guests/bzimage.c tests/guests/bzimage.S tests/guests/guest.h tests/guests/bzimage.ld tests/guests/long32.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GUEST   $@")
	$(Q)$(CC) $(GUEST_CFLAGS) -T tests/guests/bzimage.ld tests/guests/bzimage.S $< -o $@

build/guests/rv-%.img: tests/guests/rv-%.c tests/guests/rv-%.S tests/guests/rv.ld
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  RVGUEST $@")
	$(Q)$(RV_CC) $(RV_GUEST_CFLAGS) -T tests/guests/rv.ld tests/guests/rv-$*.S $< -o build/guests/rv-$*
	$(Q)riscv64-linux-gnu-objcopy -O binary build/guests/rv-$* $@

guests: $(GUESTS) $(RV_GUESTS)

unit: $(UNITS:tests/unit/%.c=build/debug/unit/%)
system: debug guests build/tests/probe build/tests/httplog
check: debug unit guests stock-kernel $(CHECK_FUZZ) $(CHECK_EMU) build/tests/probe build/tests/httplog
	$(Q)tests/run.sh

# Library objects are built again for fuzzing (coverage instrumentation,
# no main); each tests/fuzz/X.c is one target linked against them.
build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC [fuzz] $<")
	$(Q)$(FUZZ_CC) $(CFLAGS) $(FUZZ_WARN) -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

build/fuzz/%: tests/fuzz/%.c $(LIBSRCS:%.c=build/fuzz/obj/%.o)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(FUZZ_CC) $(CFLAGS) $(FUZZ_WARN) -O1 $(FUZZ_SAN) -fsanitize=fuzzer $^ -o $@ $(LDLIBS)

# Only pattern rules name these objects: keep make from deleting them.
.SECONDARY: $(LIBSRCS:%.c=build/fuzz/obj/%.o)

fuzz: $(FUZZS:tests/fuzz/%.c=build/fuzz/%)

run: release
	$(Q)build/release/strata ct run -it --rm

bench: release
	$(Q)bench/run.sh
	$(Q)bench/oci.sh
	$(Q)bench/emu.sh
	$(Q)bench/vm.sh
	$(Q)bench/rv.sh

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
