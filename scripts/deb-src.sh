# Sourced by the scripts that build riscv64 programs from Debian source
# packages with the cross compiler (rv-busybox.sh, rv-progs.sh): finding
# a source version, the deb-src line `apt-get source` needs, fetching.
# The sourcing script sets DEB_SRC_WHO (its name, for messages) and SRCLIST
# may be overridden for tests.
#
# Not a program: no `set -e` of its own; every function returns or calls
# cannot(), which exits 3 ("cannot build here", said on stderr).

SRCLIST=${SRCLIST:-/etc/apt/sources.list.d/strata-deb-src.sources}

cannot() {
	echo "${DEB_SRC_WHO:-strata}: cannot build: $*" >&2
	exit 3
}

has_deb_src() {
	grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/
}

# idempotent: a deb-src entry is written once, and apt's lists updated then
deb_src() {
	has_deb_src && return 0
	[ "$(id -u)" = 0 ] || cannot "no deb-src line in /etc/apt and not root to add one"
	cat >"$SRCLIST.tmp" <<-'EOT'
	# added by strata scripts/deb-src.sh: source packages (apt-get source)
	Types: deb-src
	URIs: http://deb.debian.org/debian
	Suites: bookworm bookworm-updates
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

	Types: deb-src
	URIs: http://deb.debian.org/debian-security
	Suites: bookworm-security
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOT
	mv "$SRCLIST.tmp" "$SRCLIST"
	apt-get update -qq || cannot "apt-get update failed"
}

# src_version PKG: the newest source version apt knows (its local lists:
# no network once deb_src has run)
src_version() {
	deb_src
	_v=$(apt-cache showsrc "$1" 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -n 1)
	[ -n "$_v" ] || cannot "no $1 source version (apt-cache showsrc $1)"
	echo "$_v"
}

# cache_key VERSION: a folder name for a version (no ':' or '~')
cache_key() {
	echo "$1" | tr ':~' '__'
}

# fetch_source PKG VERSION WORK: unpack PKG=VERSION (patched) in WORK;
# prints the source folder
fetch_source() {
	command -v apt-get >/dev/null || cannot "no apt-get"
	command -v dpkg-source >/dev/null || cannot "no dpkg-source (apt-get install dpkg-dev)"
	deb_src
	(cd "$3" && apt-get source -qq "$1=$2" >/dev/null 2>"$3/apt.err") || {
		sed 's/^/  /' "$3/apt.err" >&2
		cannot "apt-get source $1=$2 failed"
	}
	_src=$(find "$3" -mindepth 1 -maxdepth 1 -type d -name "$1-*" | head -n 1)
	[ -n "$_src" ] || cannot "apt-get source gave no $1 folder"
	echo "$_src"
}

# is_riscv64 FILE: an ELF whose e_machine (bytes 18-19) is 243, riscv
is_riscv64() {
	[ "$(od -An -tu2 -j18 -N2 "$1" | tr -d ' ')" = 243 ]
}
