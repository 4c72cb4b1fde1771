#!/usr/bin/env bash
# Installs V8 13.6 (Debian's libnode137, Node 24 LTS) into the private sysroot third_party/sysroot,
# idempotently. The packages come from Debian testing, or Debian unstable when testing lacks them,
# through apt-get with a private sources list and state directory: the machine's own apt
# configuration and installed packages are never touched. libnode137 needs a newer C library than
# the machine may have (glibc 2.43, libstdc++ from GCC 16, ICU 78, …), so the sysroot carries its
# whole shared-library closure, glibc and its dynamic loader included; internal/v8/cgo.go links
# every binary with an RPATH and a program interpreter inside the sysroot.
#
# Pinned to the libnode137 soname and to V8 13.6: a newer Node major is a deliberate port of
# internal/v8, never an accident of what a mirror serves today.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
sysroot=$top/third_party/sysroot
state=$top/third_party/apt
stamp=$sysroot/.installed
libdir=$sysroot/usr/lib/x86_64-linux-gnu
loader=$sysroot/usr/lib64/ld-linux-x86-64.so.2
want_pkg=libnode137
want_v8="13.6"

v8_version() { # prints MAJOR.MINOR.BUILD.PATCH from the sysroot's headers
  awk '/define V8_(MAJOR_VERSION|MINOR_VERSION|BUILD_NUMBER|PATCH_LEVEL)/ {print $3}' \
    "$sysroot/usr/include/node/v8-version.h" | paste -sd.
}

# resolves succeeds when the sysroot's loader finds every library libnode needs inside the sysroot.
resolves() {
  [ -x "$loader" ] && [ -e "$libdir/libnode.so" ] || return 1
  local out
  out=$("$loader" --library-path "$libdir" --list "$libdir/libnode.so" 2>&1) || return 1
  ! grep -q "not found" <<<"$out"
}

if [ -f "$stamp" ] && [ -e "$sysroot/usr/include/node/v8.h" ] && resolves; then
  exit 0
fi

if [ "$(uname -m)" != x86_64 ]; then
  echo "deps: only x86_64 is supported (this machine is $(uname -m))" >&2; exit 1
fi
command -v apt-get >/dev/null && command -v dpkg >/dev/null || {
  echo "deps: apt-get and dpkg are needed to install V8 (a Debian-based machine)" >&2; exit 1; }
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || { echo "deps: $keyring is missing (install debian-archive-keyring)" >&2; exit 1; }

mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/debs"
chmod -R a+rwX "$state" 2>/dev/null || true # apt's download sandbox user must write here

# apt_opts SUITE prints the options that make apt-get/apt-cache use a sources list naming only
# SUITE and this script's own lists, cache and (empty) status.
apt_opts() {
  echo "-o Dir::Etc::SourceList=$state/sources-$1.list -o Dir::Etc::SourceParts=/dev/null" \
    "-o Dir::State::Lists=$state/lists-$1 -o Dir::Cache=$state/cache -o Dir::State::status=/dev/null" \
    "-o APT::Architecture=amd64 -o APT::Architectures=amd64" \
    "-o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false" \
    "-o Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false" \
    "-o Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false" \
    "-o Acquire::Languages=none -o Debug::NoLocking=1"
}

suite=""
for s in testing unstable; do
  mkdir -p "$state/lists-$s/partial"
  echo "deb [signed-by=$keyring] http://deb.debian.org/debian $s main" >"$state/sources-$s.list"
  # shellcheck disable=SC2046
  if ! apt-get $(apt_opts $s) -qq update >"$state/update-$s.log" 2>&1; then
    echo "deps: apt-get update for Debian $s failed (see $state/update-$s.log)" >&2; continue
  fi
  # shellcheck disable=SC2046
  if apt-cache $(apt_opts $s) show "$want_pkg" >/dev/null 2>&1; then suite=$s; break; fi
  echo "deps: Debian $s has no $want_pkg" >&2
done
[ -n "$suite" ] || { echo "deps: neither Debian testing nor unstable offers $want_pkg; V8 cannot be installed" >&2; exit 1; }

# The closure of shared libraries libnode137 needs. Node's JavaScript packages (node-*), the
# nodejs binary, gconv modules and OpenSSL's legacy provider are not needed to embed V8.
# shellcheck disable=SC2046
pkgs=$(apt-cache $(apt_opts $suite) depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances "$want_pkg" |
  grep -v '^ ' | grep -v '^<' | grep -E '^(lib|zlib1g$|gcc-[0-9]+-base$)' |
  grep -vE '^(libc-gconv-modules-extra|libc-l10n)$' | sort -u)
echo "deps: downloading V8 13.6 from Debian $suite: libnode-dev $(echo $pkgs | tr '\n' ' ')" >&2
rm -f "$state/debs"/*.deb
# shellcheck disable=SC2046,SC2086
(cd "$state/debs" && apt-get $(apt_opts $suite) -qq download libnode-dev $pkgs) >"$state/download.log" 2>&1 || {
  cat "$state/download.log" >&2; echo "deps: apt-get download from Debian $suite failed" >&2; exit 1; }

rm -rf "$sysroot.new"
mkdir -p "$sysroot.new"
for f in "$state/debs"/*.deb; do dpkg -x "$f" "$sysroot.new"; done
rm -rf "$sysroot"
mv "$sysroot.new" "$sysroot"

got=$(v8_version)
case "$got" in
  "$want_v8".*) ;;
  *) echo "deps: the headers from Debian $suite are V8 $got, not $want_v8: internal/v8 supports only $want_v8" >&2; exit 1 ;;
esac
if ! resolves; then
  "$loader" --library-path "$libdir" --list "$libdir/libnode.so" >&2 || true
  echo "deps: libnode has libraries the sysroot does not provide" >&2; exit 1
fi
(cd "$state/debs" && ls *.deb) >"$stamp"
rm -f "$state/debs"/*.deb
echo "deps: V8 $got (Debian $suite $want_pkg) ready in third_party/sysroot" >&2
