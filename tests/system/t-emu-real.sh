# strata emu on real programs nobody on the team wrote: Lua 5.4, the
# SQLite shell and its threads test, zlib's example and minigzip, xz and
# its unit tests, built from Debian's source packages by
# scripts/rv-progs.sh (make rv-progs, cached), for riscv64 and for this
# host.  Each workload (tests/emu/real) runs under
# strata emu, under qemu-riscv64-static and natively: stdout and exit code
# must agree.  A "time" line per workload says how long each took (not a
# check: the debug strata carries ASan, the host is shared).
. "$(dirname "$0")/lib.sh"

TOP=$(cd "$(dirname "$0")/../.." && pwd)
REAL=$TOP/tests/emu/real
QEMU=qemu-riscv64-static
SYSROOT=/usr/riscv64-linux-gnu

if ! command -v "$QEMU" >/dev/null; then
	echo "skip: no $QEMU (scripts/deps.sh test)"
	exit 0
fi
# built in `make check` (target rv-progs): no network in the test's
# namespace, so only cached builds are used
progs=$("$TOP/scripts/rv-progs.sh" --cached 2>"$STRATA_ROOT/rv-progs.err")
[ -s "$STRATA_ROOT/rv-progs.err" ] && echo "skip: some programs: $(cat "$STRATA_ROOT/rv-progs.err")"
if [ -z "$progs" ]; then
	echo "skip: no real programs (make rv-progs)"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"; finish' EXIT
trap 'exit 1' INT TERM

pkgdir() {	# pkgdir PKG: the cached build of PKG, empty when there is none
	echo "$progs" | sed -n "s/^$1 //p"
}

now() {
	date +%s.%N
}

secs() {	# secs START END: seconds, one decimal
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'
}

# runs NAME STDIN ARCHDIR PROGRAM ARGS...: the program of PKG's riscv64/bin
# under strata and qemu, its x86_64/bin twin natively, each in a fresh
# folder of its own ($work/NAME.{strata,qemu,native}) with STDIN (a file or
# /dev/null); outputs in $work/NAME.{strata,qemu,native}.out, exit codes
# in $s_rc $q_rc $n_rc, and one time line.
runs() {
	_n=$1 _in=$2 _dir=$3 _p=$4
	shift 4
	for _w in strata qemu native; do
		rm -rf "$work/$_n.$_w"
		mkdir -p "$work/$_n.$_w"
	done
	_t0=$(now)
	(cd "$work/$_n.strata" && timeout 120 "$STRATA" emu run "$_dir/riscv64/bin/$_p" "$@" \
		<"$_in" >"$work/$_n.strata.out" 2>"$work/$_n.strata.err")
	s_rc=$?
	_t1=$(now)
	(cd "$work/$_n.qemu" && timeout 120 "$QEMU" -L "$SYSROOT" "$_dir/riscv64/bin/$_p" "$@" \
		<"$_in" >"$work/$_n.qemu.out" 2>"$work/$_n.qemu.err")
	q_rc=$?
	_t2=$(now)
	(cd "$work/$_n.native" && timeout 120 "$_dir/x86_64/bin/$_p" "$@" \
		<"$_in" >"$work/$_n.native.out" 2>"$work/$_n.native.err")
	n_rc=$?
	_t3=$(now)
	echo "time $_n: strata $(secs "$_t0" "$_t1") s, qemu $(secs "$_t1" "$_t2") s, native $(secs "$_t2" "$_t3") s"
}

# agree NAME WHAT: strata's stdout and exit code are qemu's and native's
agree() {
	if cmp -s "$work/$1.strata.out" "$work/$1.qemu.out" && [ "$s_rc" = "$q_rc" ]; then
		ok "$2: as under qemu (exit $s_rc)"
	else
		not_ok "$2: as under qemu" "strata exit $s_rc, qemu exit $q_rc
$(diff "$work/$1.qemu.out" "$work/$1.strata.out" | head -n 10)
$(head -n 4 "$work/$1.strata.err")"
	fi
	if cmp -s "$work/$1.strata.out" "$work/$1.native.out" && [ "$s_rc" = "$n_rc" ]; then
		ok "$2: as natively"
	else
		not_ok "$2: as natively" "strata exit $s_rc, native exit $n_rc
$(diff "$work/$1.native.out" "$work/$1.strata.out" | head -n 10)"
	fi
}

# interrupted NAME STDIN PROGRAM ARGS...: SIGINT ends PROGRAM through its
# own handler, sent once it has printed "ready" (its handler is in place:
# however slow the start, the signal does not come before) and a moment
# more; prints exit code and first stderr line
interrupted() {
	_n=$1 _in=$2
	shift 2
	# timeout passes the SIGINT on, and ends a program that ignores it;
	# --foreground: to the program only, once (without it a second copy
	# goes to the process group microseconds later, which natively always
	# merges with the first, still pending, but under strata and qemu at
	# times comes after the handler reset SIGINT to SIG_DFL: exit 130)
	timeout --foreground -s KILL 60 "$@" <"$_in" >"$work/$_n.int.out" 2>"$work/$_n.int.err" &
	_pid=$!
	for _i in $(seq 100); do
		grep -q ready "$work/$_n.int.out" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.3
	kill -INT "$_pid"
	wait "$_pid"
	echo "$? $(head -n 1 "$work/$_n.int.err" | sed 's/^[^:]*: //')"
}

lua=$(pkgdir lua5.4)
if [ -n "$lua" ]; then
	runs lua "/dev/null" "$lua" lua "$REAL/lua-work.lua"
	agree lua "lua5.4 (dynamic): strings, numbers, closures, coroutines, GC, io, os, load"
	expect_eq "lua5.4: every section passed" "done" "$(tail -n 1 "$work/lua.strata.out")"
	"$STRATA" emu run "$lua/riscv64/bin/lua-static" "$REAL/lua-work.lua" >"$work/lua-static.out" 2>&1
	expect_eq "lua5.4 (static): the same output" "0" "$?$(cmp "$work/lua-static.out" "$work/lua.qemu.out")"
	# lua.c catches SIGINT and stops the running script through a hook
	loop="print('ready') io.stdout:flush() local n = 0 while true do n = n + 1 end"
	s=$(interrupted lua-s /dev/null "$STRATA" emu run "$lua/riscv64/bin/lua" -e "$loop")
	q=$(interrupted lua-q /dev/null "$QEMU" -L "$SYSROOT" "$lua/riscv64/bin/lua" -e "$loop")
	expect_eq "lua5.4: SIGINT in a busy loop reaches its handler, as under qemu" "$q" "$s"
	expect_eq "lua5.4: and says so" "1 interrupted!" "$s"
	# the same signal while it waits in read(2) on a pipe: lua installs
	# its handler without SA_RESTART, so io.read fails with EINTR and the
	# hook then stops the script in io.read
	# (a FIFO whose writer stays silent for the moment)
	blocked="print('ready') io.stdout:flush() io.read('l') print('not reached')"
	mkfifo "$work/fifo"
	sleep 3 >"$work/fifo" &
	s=$(interrupted lua-rs "$work/fifo" "$STRATA" emu run "$lua/riscv64/bin/lua" -e "$blocked")
	sleep 3 >"$work/fifo" &
	q=$(interrupted lua-rq "$work/fifo" "$QEMU" -L "$SYSROOT" "$lua/riscv64/bin/lua" -e "$blocked")
	expect_eq "lua5.4: SIGINT in a blocking read, as under qemu" "$q" "$s"
	expect_match "lua5.4: and stops it in io.read" "in function 'io.read'" "$(cat "$work/lua-rs.int.err")"
else
	echo "skip: lua5.4 (make rv-progs)"
fi

sqlite=$(pkgdir sqlite3)
if [ -n "$sqlite" ]; then
	runs sqlite "$REAL/sqlite-work.sql" "$sqlite" sqlite3 work.db
	agree sqlite "sqlite3: WAL file, transactions, joins, indexes, json, CTEs, windows, sorter threads"
	expect_eq "sqlite3: the workload ran to its end" "done" "$(tail -n 1 "$work/sqlite.strata.out")"
	# two writers on one WAL database: fcntl locks and the shared-memory
	# index mmap'd by both; every insert lands once
	db=$work/shared.db
	"$STRATA" emu run "$sqlite/riscv64/bin/sqlite3" "$db" \
		"PRAGMA journal_mode=WAL; CREATE TABLE t(w, i);" >/dev/null 2>&1
	writer() {	# writer TAG: 300 transactions of one insert each
		_sql=".timeout 20000
"
		for _i in $(seq 300); do
			_sql="${_sql}INSERT INTO t VALUES('$1', $_i);
"
		done
		echo "$_sql" | timeout 120 "$STRATA" emu run "$sqlite/riscv64/bin/sqlite3" "$db" >"$work/w-$1.out" 2>&1
	}
	_t0=$(now)
	writer a &
	wa=$!
	writer b &
	wb=$!
	wait "$wa"
	ra=$?
	wait "$wb"
	rb=$?
	echo "time sqlite two writers: strata $(secs "$_t0" "$(now)") s"
	out=$("$STRATA" emu run "$sqlite/riscv64/bin/sqlite3" "$db" \
		"SELECT w, count(*), sum(i) FROM t GROUP BY w; PRAGMA integrity_check;" 2>&1)
	expect_eq "sqlite3: two processes write one WAL database, nothing lost" \
		"0 0 a|300|45150 b|300|45150 ok" "$ra $rb $(echo "$out" | tr "\n" " " | sed "s/ $//")"
	# SQLite's own threads test: WAL writers and readers in threads of one
	# process (walthread5: 1 s), a pager cache shared by threads; the
	# per-thread counts vary, the verdict must not
	runs tt3 /dev/null "$sqlite" sqlite3-threadtest3 walthread5 cgt_pager_1
	for w in strata qemu native; do
		tail -n 1 "$work/tt3.$w.out" >"$work/tt3v.$w.out"
	done
	agree tt3v "sqlite3 threadtest3 walthread5 cgt_pager_1 ($(cat "$work/tt3v.strata.out"))"
	expect_eq "sqlite3 threadtest3: no errors" "0 errors out of 2 tests" "$(cat "$work/tt3v.strata.out")"
else
	echo "skip: sqlite3 (make rv-progs)"
fi

zlib=$(pkgdir zlib)
if [ -n "$zlib" ]; then
	runs zex /dev/null "$zlib" zlib-example
	agree zex "zlib example (dynamic, libz.so.1 found through \$ORIGIN)"
	runs zexs /dev/null "$zlib" zlib-example-static
	agree zexs "zlib example (static)"
	# a deterministic input of 4 MB with long and short matches
	awk 'BEGIN { for (i = 0; i < 200000; i++) printf "%d %x %s\n", i, i * 2654435761 % 4294967296, substr("abcdefghijklmnopqrstuvwxyz", i % 26 + 1) }' \
		>"$work/plain"
	runs gz "$work/plain" "$zlib" minigzip -9
	agree gz "minigzip -9 compresses byte for byte"
	expect_eq "minigzip: host gzip takes its output back" "same" \
		"$(gzip -dc <"$work/gz.strata.out" | cmp -s - "$work/plain" && echo same)"
	gzip -1c "$work/plain" >"$work/plain.gz"
	runs gunz "$work/plain.gz" "$zlib" minigzip -d
	agree gunz "minigzip -d of host gzip's output"
	expect_eq "minigzip -d: the input back" "same" \
		"$(cmp -s "$work/gunz.strata.out" "$work/plain" && echo same)"
else
	echo "skip: zlib (make rv-progs)"
fi

xz=$(pkgdir xz-utils)
if [ -n "$xz" ]; then
	[ -f "$work/plain" ] || seq 400000 >"$work/plain"
	# 4 threads, one per 1 MiB block: the output is the same whatever
	# the threads' timing, so byte for byte native's
	runs xzc "$work/plain" "$xz" xz -T4 --block-size=1MiB -6 -c
	agree xzc "xz -T4 compresses byte for byte (threads)"
	runs xzd "$work/xzc.strata.out" "$xz" xz -T4 -dc
	agree xzd "xz -T4 -d (the threaded decoder)"
	expect_eq "xz -d: the input back" "same" \
		"$(cmp -s "$work/xzd.strata.out" "$work/plain" && echo same)"
	# xz's own test files: every good one tests fine, every bad one fails
	# with the same message (the program's name left out)
	files=$xz/share/xz/files
	runs xzgood /dev/null "$xz" xz -t "$files"/good-*.xz
	agree xzgood "xz -t of its good test files"
	runs xzbad /dev/null "$xz" xz -t "$files"/bad-*.xz
	for w in strata qemu native; do
		sed 's/^[^:]*: //' "$work/xzbad.$w.err" >"$work/xzbadm.$w.out"
	done
	agree xzbadm "xz -t of its bad test files: each refused, the same way"
	expect_eq "xz: as many errors as bad files" "$(ls "$files"/bad-*.xz | wc -l)" \
		"$(wc -l <"$work/xzbadm.strata.out")"
	# its unit tests (tuktest), run where they find files/ (srcdir)
	for t in "$xz"/riscv64/bin/xz-test_*; do
		t=$(basename "$t")
		s=$(cd "$xz/share/xz" && srcdir=. timeout 60 "$STRATA" emu run "$xz/riscv64/bin/$t" 2>&1)
		s_rc=$?
		q=$(cd "$xz/share/xz" && srcdir=. timeout 60 "$QEMU" -L "$SYSROOT" "$xz/riscv64/bin/$t" 2>&1)
		q_rc=$?
		s_fail=$(echo "$s" | sed -n 's/^# FAIL: *//p')
		if [ "$s_rc" = 0 ] && [ "$q_rc" = 0 ] && [ "${s_fail:-0}" = 0 ]; then
			ok "xz's $t passes, as under qemu"
		else
			not_ok "xz's $t passes, as under qemu" "strata exit $s_rc, qemu exit $q_rc
$(echo "$s" | grep -E '^(not ok|# )' | head -n 8)"
		fi
	done
else
	echo "skip: xz-utils (make rv-progs)"
fi
