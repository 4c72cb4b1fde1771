#!/usr/bin/env bash
# Installs V8 (Debian's libnode, Node 18's V8 10.2) into third_party/libnode, idempotently.
# Prefers `apt-get install libnode-dev`; where the package manager refuses it (the machine's
# own Node.js conflicts with its dependencies) it downloads the two .deb files and extracts them.
# Either way the headers end up at third_party/libnode/usr/include/node and the library at
# third_party/libnode/usr/lib/x86_64-linux-gnu/libnode.so, which is where internal/v8 looks.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=third_party/libnode
stamp=$dest/.installed
lib=$dest/usr/lib/x86_64-linux-gnu/libnode.so
# Already installed, with every library libnode needs resolvable: nothing to do.
if [ -f "$stamp" ] && [ -e "$dest/usr/include/node/v8.h" ] && [ -e "$lib" ] && ! ldd "$lib" 2>/dev/null | grep -q "not found"; then
  exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# Runtime libraries libnode links against. A fresh machine has empty package lists.
runtime_pkgs="libuv1 libc-ares2 libbrotli1 libnghttp2-14 libssl3 libicu72 zlib1g"
if ! apt-cache policy libnode108 2>/dev/null | grep -q Candidate: || apt-cache policy libnode108 | grep -q "Candidate: (none)"; then
  echo "deps: apt-get update" >&2
  $SUDO apt-get update -qq
fi
mkdir -p "$dest"
if $SUDO apt-get install -y -qq libnode-dev >/tmp/islet-apt.log 2>&1; then
  echo "deps: libnode-dev installed by apt-get" >&2
  rm -rf "$dest/usr"
  ln -s /usr "$dest/usr"
else
  echo "deps: apt-get install libnode-dev refused (see /tmp/islet-apt.log); extracting the packages instead" >&2
  $SUDO apt-get install -y -qq $runtime_pkgs >/tmp/islet-apt-rt.log 2>&1 || { cat /tmp/islet-apt-rt.log >&2; exit 1; }
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download libnode108 libnode-dev >/dev/null 2>&1) || { echo "deps: apt-get download libnode108 libnode-dev failed" >&2; exit 1; }
  rm -rf "$dest/usr"
  for f in "$tmp"/*.deb; do dpkg -x "$f" "$dest"; done
  rm -rf "$tmp"
fi
if ldd "$lib" | grep "not found" >&2; then
  echo "deps: libnode has unresolved libraries" >&2; exit 1
fi
touch "$stamp"
echo "deps: V8 $(grep -E 'define V8_(MAJOR|MINOR)_VERSION' $dest/usr/include/node/v8-version.h | awk '{print $3}' | paste -sd.) ready in $dest" >&2
