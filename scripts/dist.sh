#!/usr/bin/env bash
# Packs a self-contained islet for another x86_64 Linux machine (a clean Debian 12 one, say):
# dist/islet-linux-amd64/{bin/islet (a launcher), lib/islet (the binary), lib/sysroot/*.so* (the
# shared libraries it loads, glibc's loader included)} and dist/islet-linux-amd64.tar.gz.
# The launcher runs the binary through the bundled loader with the bundled libraries, wherever the
# folder is unpacked; it sets ISLET_EXECUTABLE to itself so that `serve --processes` starts its
# runtime processes through it too.
set -euo pipefail
cd "$(dirname "$0")/.."
sysroot=third_party/sysroot/usr/lib/x86_64-linux-gnu
loader=$sysroot/ld-linux-x86-64.so.2
out=dist/islet-linux-amd64
rm -rf "$out"
mkdir -p "$out/bin" "$out/lib/sysroot"
cp bin/islet "$out/lib/islet"
# The libraries the binary loads, as the sysroot's loader resolves them.
"$loader" --library-path "$sysroot" --list bin/islet | awk '/=>/ {print $3} !/=>/ && /^\s*\// {print $1}' |
  while read -r lib; do
    [ -e "$lib" ] || continue
    cp -L "$lib" "$out/lib/sysroot/$(basename "$lib")"
  done
cp -L "$loader" "$out/lib/sysroot/ld-linux-x86-64.so.2"
cat >"$out/bin/islet" <<'LAUNCHER'
#!/bin/sh
# islet launcher: runs lib/islet with the libraries bundled beside it.
here=$(cd "$(dirname "$0")/.." && pwd)
ISLET_EXECUTABLE="$here/bin/islet"
export ISLET_EXECUTABLE
exec "$here/lib/sysroot/ld-linux-x86-64.so.2" --library-path "$here/lib/sysroot" "$here/lib/islet" "$@"
LAUNCHER
chmod +x "$out/bin/islet"
tar -C dist -czf dist/islet-linux-amd64.tar.gz islet-linux-amd64
# Check: the bundle runs with the build tree's sysroot out of sight, where the tools allow it.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
  empty=$(mktemp -d)
  unshare -m sh -c "mount --bind '$empty' '$PWD/third_party' && '$PWD/$out/bin/islet' --version" ||
    { rmdir "$empty"; echo "dist: the bundle does not run without the build tree's sysroot" >&2; exit 1; }
  rmdir "$empty"
fi
echo "dist: $out ($(du -sh dist/islet-linux-amd64.tar.gz | cut -f1) packed)" >&2
