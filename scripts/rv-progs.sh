#!/bin/sh
# Real programs nobody on the team wrote, for tests/system/t-emu-real.sh:
# Lua 5.4, the SQLite shell, zlib's example and minigzip, and xz, each built
# from its Debian source package for riscv64 (cross compiler, against the
# sysroot /usr/riscv64-linux-gnu) and for this host (x86-64, the native
# reference the test also compares with).
#
#   scripts/rv-progs.sh [PKG...]           build what is missing; print one
#                                          line "PKG FOLDER" per package
#   scripts/rv-progs.sh --cached [PKG...]  the cached builds only: never a
#                                          fetch or a compiler
#
# PKG: lua5.4 sqlite3 zlib xz-utils (default all four).  FOLDER holds
#   riscv64/bin/  lua (dynamic), lua-static, sqlite3 (dynamic, threads),
#                 sqlite3-threadtest3 (SQLite's threads test),
#                 zlib-example, minigzip (dynamic against riscv64/lib/libz.so.1
#                 through an $ORIGIN rpath), zlib-example-static,
#                 xz (threads: -T), xz-test_* (its unit tests)
#   riscv64/lib/  libz.so.1
#   x86_64/bin/   the same programs for this host
#   share/xz/files  xz's test files
# Cached in $RV_PROGS_CACHE (default build/cache/rv-progs) under the source
# version and the recipe's revision: a second run costs no fetch and no
# compiler.
#
# Exit: 0 all built or cached; 3 one cannot be built here (says why on
# stderr; the others are still printed); 1 a build failure.
set -eu
cd "$(dirname "$0")/.."
TOP=$PWD
CACHE=${RV_PROGS_CACHE:-$TOP/build/cache/rv-progs}
CROSS=${RV_CROSS:-riscv64-linux-gnu-}
JOBS=${RV_PROGS_JOBS:-2}
# the recipe's revision, in the cache key: a change of what is built
# here (flags, programs) makes the next run build again
RECIPE=2
DEB_SRC_WHO=rv-progs
. scripts/deb-src.sh
cached=
if [ "${1:-}" = --cached ]; then
	cached=1
	shift
fi
[ $# -gt 0 ] || set -- lua5.4 sqlite3 zlib xz-utils

fail() {
	echo "rv-progs: $*" >&2
	exit 1
}

# both targets of a package: riscv64 with the cross compiler, x86_64 with
# the host's; each build function takes ARCH CC OUT
each_arch() {	# each_arch FUNCTION OUT
	"$1" riscv64 "${CROSS}gcc" "$2/riscv64"
	"$1" x86_64 "${HOST_CC:-cc}" "$2/x86_64"
}

# Lua: the interpreter is lua.c with every library file but luac.c.
# Debian's luaconf.h patch wants a header its rules write (the module
# folder of the multiarch triplet).
lua_arch() {
	mkdir -p "$3/bin" "obj-$1"
	echo "#define DEB_HOST_MULTIARCH \"$1-linux-gnu\"" >src/lua5.4-deb-multiarch.h
	for c in src/*.c; do
		case $c in src/luac.c) continue ;; esac
		echo "$c"
	done | xargs -P "$JOBS" -I{} sh -c \
		'$0 -O2 -std=gnu99 -DLUA_COMPAT_5_3 -DLUA_USE_LINUX -c {} -o "$1/$(basename {} .c).o"' \
		"$2" "obj-$1" || fail "lua ($1) does not compile"
	$2 -Wl,-E obj-"$1"/*.o -o "$3/bin/lua" -lm -ldl || fail "lua ($1) does not link"
	$2 -static obj-"$1"/*.o -o "$3/bin/lua-static" -lm 2>/dev/null ||
		fail "lua-static ($1) does not link"
}
build_lua() {
	each_arch lua_arch "$1"
}

# SQLite: the amalgamation (sqlite3.c, shell.c) is generated on the host
# (tclsh, a native lemon), then compiled for each target as Debian's
# configure would: threads, pread, fdatasync, the math functions, FTS5.
# Beside the shell, SQLite's own multi-threaded test, test/threadtest3.c.
sqlite_arch() {
	mkdir -p "$3/bin" "obj-$1"
	f="-O2 -DSQLITE_THREADSAFE=1 -DUSE_PREAD -DHAVE_USLEEP -DHAVE_FDATASYNC
		-DHAVE_LOCALTIME_R -DHAVE_GMTIME_R -DSQLITE_ENABLE_MATH_FUNCTIONS
		-DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_RTREE"
	libs="-lpthread -ldl -lm"
	# shellcheck disable=SC2086
	{ $2 $f -c gen/sqlite3.c -o "obj-$1/sqlite3.o" &&
	  $2 $f gen/shell.c "obj-$1/sqlite3.o" -o "$3/bin/sqlite3" $libs &&
	  $2 $f -Igen -Isrc -Itest test/threadtest3.c src/test_multiplex.c \
		"obj-$1/sqlite3.o" -o "$3/bin/sqlite3-threadtest3" $libs; } ||
		fail "sqlite3 ($1) does not compile"
}
build_sqlite() {
	command -v tclsh >/dev/null || cannot "no tclsh for sqlite3's amalgamation (apt-get install tcl)"
	mkdir -p gen
	(cd gen && ../configure --disable-tcl >configure.log 2>&1 &&
		make sqlite3.c shell.c >make.log 2>&1) || {
		tail -n 20 gen/configure.log gen/make.log >&2 2>/dev/null
		fail "sqlite3's amalgamation was not generated"
	}
	# two compilers of one 9 MB file each: the two targets side by side
	sqlite_arch riscv64 "${CROSS}gcc" "$1/riscv64" &
	rv=$!
	sqlite_arch x86_64 "${HOST_CC:-cc}" "$1/x86_64"
	wait "$rv" || exit 1
}

# zlib: its own configure and Makefile build the libraries; the test
# programs are linked against them, dynamically through an $ORIGIN rpath
# (the dynamic loader finds the program's own library folder)
zlib_arch() {
	make -s distclean >/dev/null 2>&1 || true
	CC=$2 CFLAGS=-O2 ./configure >configure.log 2>&1 || fail "zlib ($1): configure failed"
	make -s -j"$JOBS" libz.a libz.so.1.2.13 >make.log 2>&1 || {
		tail -n 20 make.log >&2
		fail "zlib ($1) does not build"
	}
	mkdir -p "$3/bin" "$3/lib"
	cp libz.so.1.2.13 "$3/lib/libz.so.1"
	$2 -O2 -I. test/example.c -L. -lz -Wl,-rpath,'$ORIGIN/../lib' -o "$3/bin/zlib-example" &&
	$2 -O2 -I. test/minigzip.c -L. -lz -Wl,-rpath,'$ORIGIN/../lib' -o "$3/bin/minigzip" &&
	$2 -O2 -I. -static test/example.c libz.a -o "$3/bin/zlib-example-static" ||
		fail "zlib ($1): the test programs do not link"
}
build_zlib() {
	each_arch zlib_arch "$1"
}

# xz: liblzma and xz (static liblzma: no libtool wrappers), and the
# unit test programs of its tests/ folder (tuktest), each target in a
# build folder of its own; the test files (good-*, bad-*) are copied
# beside, as share/xz/files, where the test programs look (srcdir)
XZ_TESTS="test_check test_hardware test_stream_flags test_filter_flags test_block_header
	test_index test_index_hash test_bcj_exact_size test_memlimit test_lzip_decoder test_vli"
xz_arch() {
	mkdir -p "b-$1" "$3/bin"
	host=
	[ "$1" = riscv64 ] && host=--host=riscv64-linux-gnu
	# shellcheck disable=SC2086
	(cd "b-$1" && CC=$2 ../configure $host --disable-shared --disable-nls --disable-doc \
		--disable-scripts --disable-lzmadec --disable-lzmainfo --disable-xzdec \
		>configure.log 2>&1) || { tail -n 20 "b-$1/configure.log" >&2; fail "xz ($1): configure failed"; }
	# shellcheck disable=SC2086
	{ make -s -C "b-$1" -j"$JOBS" >"b-$1/make.log" 2>&1 &&
	  make -s -C "b-$1/tests" -j"$JOBS" $XZ_TESTS >>"b-$1/make.log" 2>&1; } ||
		{ tail -n 20 "b-$1/make.log" >&2; fail "xz ($1) does not build"; }
	cp "b-$1/src/xz/xz" "$3/bin/xz"
	for t in $XZ_TESTS; do
		cp "b-$1/tests/$t" "$3/bin/xz-$t"
	done
}
build_xz() {
	each_arch xz_arch "$1"
	mkdir -p "$1/share/xz"
	cp -r tests/files "$1/share/xz/files"
}

# the build function of a package: build_RECIPE
recipe() {
	case $1 in
	lua5.4) echo lua ;;
	sqlite3) echo sqlite ;;
	xz-utils) echo xz ;;
	*) echo "$1" ;;
	esac
}

# the program whose presence says a package is built
main_prog() {
	case $1 in
	lua5.4) echo lua ;;
	sqlite3) echo sqlite3 ;;
	zlib) echo minigzip ;;
	xz-utils) echo xz ;;
	esac
}

build() {	# build PKG VERSION OUT
	work=$(mktemp -d /var/tmp/rv-progs.XXXXXX)
	stage="$3.tmp.$$"
	trap 'rm -rf "$work" "$stage"' EXIT
	src=$(fetch_source "$1" "$2" "$work")
	rm -rf "$stage"
	(cd "$src"; "build_$(recipe "$1")" "$stage")
	for p in "$stage"/riscv64/bin/*; do
		is_riscv64 "$p" || fail "$p is not a riscv64 program"
	done
	rm -rf "$3"
	mv "$stage" "$3"
	rm -rf "$work"
	trap - EXIT
}

# one PKG: build it when it is not cached; print its folder
one() {
	prog=$(main_prog "$1")
	[ -n "$prog" ] || fail "unknown package $1 (lua5.4, sqlite3, zlib, xz-utils)"
	ver=$(src_version "$1")
	out="$CACHE/${1}_$(cache_key "$ver")-r$RECIPE"
	if [ ! -x "$out/riscv64/bin/$prog" ]; then
		[ -z "$cached" ] || cannot "$1 not built yet (make rv-progs)"
		mkdir -p "$CACHE"
		t0=$(date +%s)
		echo "rv-progs: building $1 $ver for riscv64 and x86_64 (once)" >&2
		build "$1" "$ver" "$out" >&2
		echo "rv-progs: $1 built in $(($(date +%s) - t0)) s" >&2
	fi
	echo "$out"
}

command -v "${CROSS}gcc" >/dev/null || cannot "no ${CROSS}gcc (scripts/deps.sh test)"
rc=0
for pkg in "$@"; do
	# a package that cannot be built here does not stop the others; set -e
	# holds inside (it would not on the left of a ||)
	set +e
	out=$(set -e; one "$pkg")
	r=$?
	set -e
	case $r in
	0) echo "$pkg $out" ;;
	3) rc=3 ;;
	*) exit "$r" ;;
	esac
done
exit "$rc"
