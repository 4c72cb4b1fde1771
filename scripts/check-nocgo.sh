#!/usr/bin/env bash
# The packages that must never depend on V8 (DESIGN.md §2) build with CGO_ENABLED=0.
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs="./internal/gateway/ ./internal/config/ ./internal/op/"
for d in internal/control internal/egress internal/feed internal/deploy internal/admin internal/adminclient internal/bundle internal/sourcemap internal/supervisor; do
  [ -d "$d" ] && pkgs="$pkgs ./$d/..."
done
CGO_ENABLED=0 go build $pkgs
echo "no-cgo check: ok ($pkgs)"
