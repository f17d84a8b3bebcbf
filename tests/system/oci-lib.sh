# Shared by the OCI runtime tests (t-podman.sh, t-containerd.sh): real
# podman and containerd drive a runc-compatible runtime, picked by
# OCI_RUNTIME (an absolute path; by default the strata-runc next to
# $STRATA).  Everything they keep lives in one folder under /var/tmp:
# a test-only podman storage root, containerd's own root, state and
# socket.  Run with OCI_RUNTIME=$(command -v runc) to check the harness.
# (OCI_LIB_DIR: where lib.sh is, for a scratch script that sources this)
. "${OCI_LIB_DIR:-$(dirname "$0")}/lib.sh"

OCI_RUNTIME=${OCI_RUNTIME:-$(dirname "$STRATA")/strata-runc}
OCI_DIR=$(mktemp -d /var/tmp/strata-oci.XXXXXX)
OCI_IMAGE=localhost/strata-busybox:test
OCI_CTRD_PID=""
# What podman and containerd make on the host whatever they are told
# (podman's blob cache, its network run folder and cgroup parent,
# containerd's fifos and shim sockets): removed at the end if it was not
# there before (folders only when empty, but for podman's blob cache).
OCI_HOST_DIRS=""
oci_host_dirs() {
	[ -e /var/lib/containers ] || OCI_HOST_DIRS="/var/lib/containers/cache/blob-info-cache-v1.boltdb"
	for _d in /var/lib/containers/cache /var/lib/containers /run/containers/networks \
		/run/containers /run/containerd/fifo /run/containerd/s /run/containerd; do
		[ -e "$_d" ] || OCI_HOST_DIRS="$OCI_HOST_DIRS $_d"
	done
	for _c in /sys/fs/cgroup /sys/fs/cgroup/*; do
		[ -e "$_c/libpod_parent" ] && continue
		OCI_HOST_DIRS="$OCI_HOST_DIRS $_c/libpod_parent/conmon $_c/libpod_parent"
	done
}

# Bounded waits everywhere: a hung runtime must fail a test, not the run.
# (timeout -k: ctr and podman forward TERM to the container's pid 1,
# which may ignore it.)
T_SHORT=${T_SHORT:-30}	# one podman/ctr call
T_LONG=${T_LONG:-120}	# import, save, first run

say() {
	echo "# $*"
}

# oci_install PKG...: the packages that are missing, from Debian.
oci_install() {
	_miss=""
	for _p in "$@"; do
		dpkg-query -W -f='${Status}' "$_p" 2>/dev/null | grep -q "ok installed" ||
			_miss="$_miss $_p"
	done
	[ -z "$_miss" ] && return 0
	say "installing:$_miss"
	export DEBIAN_FRONTEND=noninteractive
	timeout -k 5 300 apt-get update -qq >/dev/null 2>&1
	# shellcheck disable=SC2086
	timeout -k 5 600 apt-get install -y -qq $_miss >/dev/null 2>&1
}

# oci_cgroups: `ip netns exec` gives a private mount namespace with a
# fresh /sys, where no cgroup hierarchy is mounted; podman, conmon,
# containerd and runc all need them.  Mount the host's hierarchies again
# there (only there: never in the host's own mount namespace).
oci_cgroups() {
	[ "$(readlink /proc/1/ns/mnt)" = "$(readlink /proc/self/ns/mnt)" ] && return 0
	[ -n "$(ls -A /sys/fs/cgroup 2>/dev/null)" ] && return 0
	if ! grep -qv '^0::' /proc/self/cgroup; then	# unified only
		mount -t cgroup2 cgroup2 /sys/fs/cgroup
		return
	fi
	mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup || return 1
	for _h in $(awk 'NR > 1 && $4 == 1 && $2 > 0 { print $2 }' /proc/cgroups | sort -un); do
		_opts=$(awk -v h="$_h" 'NR > 1 && $2 == h { print $1 }' /proc/cgroups | paste -sd, -)
		mkdir -p "/sys/fs/cgroup/$_opts"
		mount -t cgroup -o "$_opts" cgroup "/sys/fs/cgroup/$_opts" || return 1
	done
	for _n in $(sed -n 's/^[0-9]*:name=\([^:]*\):.*/\1/p' /proc/self/cgroup); do
		mkdir -p "/sys/fs/cgroup/$_n"
		mount -t cgroup -o "none,name=$_n" cgroup "/sys/fs/cgroup/$_n" || return 1
	done
	if grep -q '^0::' /proc/self/cgroup && [ -d /sys/fs/cgroup/unified ] 2>/dev/null; then
		mount -t cgroup2 cgroup2 /sys/fs/cgroup/unified 2>/dev/null || true
	fi
	return 0
}

# pm: podman on the test-only storage, with the runtime under test.
# Never the default netavark bridge (it rewrites the host's firewall):
# every run says --network none or slirp4netns.  The ulimits are needed
# on this host: root may not raise nofile/nproc above the hard limits.
PM="podman --root $OCI_DIR/podman/root --runroot $OCI_DIR/podman/run"
PM="$PM --tmpdir $OCI_DIR/podman/tmp --network-config-dir $OCI_DIR/podman/net"
PM="$PM --storage-driver overlay --cgroup-manager cgroupfs --events-backend file"
# (Not --runtime-flag root=...: podman 4.3 leaves it off the `delete` of
# its cleanup, so the runtime keeps its state in its default root.)
PM="$PM --runtime $OCI_RUNTIME"
PM_RUN="--ulimit nofile=1024:1024 --ulimit nproc=1024:1024"
export CONTAINERS_CONF="$OCI_DIR/podman/containers.conf"
export CONTAINERS_STORAGE_CONF="$OCI_DIR/podman/storage.conf"
export CONTAINERS_REGISTRIES_CONF="$OCI_DIR/podman/registries.conf"
pm() {
	# shellcheck disable=SC2086
	timeout -k 5 "${PM_TIMEOUT:-$T_SHORT}" $PM "$@"
}
# pmr ARGS...: `podman run` with the flags this host needs
pmr() {
	# shellcheck disable=SC2086
	pm run $PM_RUN "$@"
}

# oci_rootfs DIR: a busybox root: every applet, root, nobody and tester.
oci_rootfs() {
	mkdir -p "$1/bin" "$1/etc" "$1/tmp" "$1/home/tester" "$1/root" \
		"$1/proc" "$1/sys" "$1/dev" "$1/www" "$1/var"
	chmod 1777 "$1/tmp"
	cp /bin/busybox "$1/bin/busybox"
	for _a in $(/bin/busybox --list-full); do
		[ "$_a" = bin/busybox ] && continue
		mkdir -p "$1/$(dirname "$_a")"
		ln -sf /bin/busybox "$1/$_a"
	done
	cat > "$1/etc/passwd" <<-EOF
	root:x:0:0:root:/root:/bin/sh
	nobody:x:65534:65534:nobody:/nonexistent:/bin/false
	tester:x:1000:1000:tester:/home/tester:/bin/sh
	EOF
	cat > "$1/etc/group" <<-EOF
	root:x:0:
	nogroup:x:65534:
	tester:x:1000:
	EOF
	chown 1000:1000 "$1/home/tester"
	echo "served by busybox" > "$1/www/index.html"
}

# oci_image: the busybox image, imported into the test's podman storage.
oci_image() {
	oci_rootfs "$OCI_DIR/rootfs"
	tar -C "$OCI_DIR/rootfs" -cf "$OCI_DIR/rootfs.tar" . &&
		PM_TIMEOUT=$T_LONG pm import "$OCI_DIR/rootfs.tar" "$OCI_IMAGE"
}

oci_podman_setup() {
	mkdir -p "$OCI_DIR/podman/net" "$OCI_DIR/podman/tmp"
	# Private config files, so the host's /etc/containers changes nothing.
	cat > "$CONTAINERS_CONF" <<-EOF
	[containers]
	log_driver = "k8s-file"
	[engine]
	cgroup_manager = "cgroupfs"
	events_logger = "file"
	EOF
	cat > "$CONTAINERS_STORAGE_CONF" <<-EOF
	[storage]
	driver = "overlay"
	graphroot = "$OCI_DIR/podman/root"
	runroot = "$OCI_DIR/podman/run"
	EOF
	echo 'unqualified-search-registries = []' > "$CONTAINERS_REGISTRIES_CONF"
}

# oci_containerd_start: containerd with its own root, state and socket.
CTR_NS=strata-test-$$	# also the parent cgroup of its tasks: /strata-test-PID/ID
CTRD_SOCK=$OCI_DIR/containerd/containerd.sock
oci_containerd_start() {
	mkdir -p "$OCI_DIR/containerd"
	cat > "$OCI_DIR/containerd/config.toml" <<-EOF
	version = 2
	root = "$OCI_DIR/containerd/root"
	state = "$OCI_DIR/containerd/state"
	disabled_plugins = ["io.containerd.grpc.v1.cri"]
	[grpc]
	  address = "$CTRD_SOCK"
	[ttrpc]
	  address = "$CTRD_SOCK.ttrpc"
	[plugins."io.containerd.internal.v1.opt"]
	  path = "$OCI_DIR/containerd/opt"
	EOF
	containerd --config "$OCI_DIR/containerd/config.toml" \
		>"$OCI_DIR/containerd/log" 2>&1 &
	OCI_CTRD_PID=$!
	_i=0
	while [ $_i -lt 100 ]; do
		ctr -a "$CTRD_SOCK" version >/dev/null 2>&1 && return 0
		kill -0 "$OCI_CTRD_PID" 2>/dev/null || break
		sleep 0.1
		_i=$((_i + 1))
	done
	tail -n 20 "$OCI_DIR/containerd/log"
	return 1
}
# c: ctr against the test's containerd, in the test's namespace.
c() {
	timeout -k 5 "${CTR_TIMEOUT:-$T_SHORT}" ctr -a "$CTRD_SOCK" -n "$CTR_NS" "$@"
}

oci_cleanup() {
	if [ -f "$CONTAINERS_CONF" ]; then
		pm rm -af -t 0 >/dev/null 2>&1
		pm rmi -af >/dev/null 2>&1
	fi
	if [ -n "$OCI_CTRD_PID" ]; then
		for _t in $(c task ls -q 2>/dev/null); do
			c task kill -s KILL "$_t" >/dev/null 2>&1
			c task delete -f "$_t" >/dev/null 2>&1
		done
		for _t in $(c container ls -q 2>/dev/null); do
			c container rm "$_t" >/dev/null 2>&1
		done
		kill "$OCI_CTRD_PID" 2>/dev/null
		_i=0
		while kill -0 "$OCI_CTRD_PID" 2>/dev/null && [ $_i -lt 50 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		kill -9 "$OCI_CTRD_PID" 2>/dev/null
		# the runtime made the namespace's parent cgroup; rmdir only
		# removes it when empty
		rmdir /sys/fs/cgroup/*/"$CTR_NS" /sys/fs/cgroup/"$CTR_NS" 2>/dev/null
	fi
	# Whatever is still mounted below the test folder (overlay layers,
	# shm, netns files), deepest first.
	grep -F " $OCI_DIR/" /proc/self/mountinfo | awk '{ print $5 }' |
		sort -r | while read -r _m; do umount -l "$_m" 2>/dev/null; done
	rm -rf "$OCI_DIR"
	for _d in $OCI_HOST_DIRS; do
		if [ -d "$_d" ]; then rmdir "$_d"; else rm -f "$_d"; fi 2>/dev/null
	done
	return 0
}

oci_finish() {
	oci_cleanup
	finish
}
trap oci_finish EXIT
trap 'exit 1' INT TERM

# oci_begin: what every OCI test needs first; false when nothing can run.
oci_begin() {
	oci_install podman conmon slirp4netns uidmap containerd tmux busybox-static wget
	case $OCI_RUNTIME in
	/*) ;;
	*)
		not_ok "runtime missing" "OCI_RUNTIME must be an absolute path: $OCI_RUNTIME"
		return 1
		;;
	esac
	if [ ! -x "$OCI_RUNTIME" ]; then
		not_ok "runtime missing" "OCI_RUNTIME=$OCI_RUNTIME is not an executable"
		return 1
	fi
	if ! oci_cgroups; then
		not_ok "cgroups are mounted in the test's namespace"
		return 1
	fi
	oci_host_dirs
	oci_podman_setup
	say "runtime: $OCI_RUNTIME ($("$OCI_RUNTIME" --version 2>&1 | head -n 1))"
	return 0
}
