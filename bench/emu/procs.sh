# The process-heavy benchmark of bench/emu.sh, run by a riscv64 busybox
# sh: N rounds of 8 short commands (sed, awk, grep, sort, uniq, tr, cut,
# wc) on small files, each its own process (fork + execve of busybox), so
# start-up, loading and first translation dominate.
#
#   busybox sh procs.sh ROUNDS WORKDIR     (PATH: the riscv64 applets)
n=$1
cd "$2" || exit 1
seq 1 200 >nums
for w in alpha beta gamma delta epsilon zeta eta theta iota kappa alpha beta; do
	echo "$w"
done >words
i=0
while [ "$i" -lt "$n" ]; do
	sed -n 's/1/one/p' nums >out.sed
	awk '{ s += $1 } END { print s }' nums >out.awk
	grep -c 3 nums >out.grep
	sort -rn nums >out.sort
	uniq -c words >out.uniq
	tr a-z A-Z <words >out.tr
	cut -c1-3 words >out.cut
	wc -l nums >out.wc
	i=$((i + 1))
done
cat out.awk out.grep out.wc
head -n 2 out.sort out.sed out.tr out.cut out.uniq
