#!/usr/bin/env bash
# bench/pbkdf2/run.sh [pbkdf2-bench flags…] — PBKDF2 per request on islet, workerd, Deno, Bun, Node.
# Installs the peers idempotently (workerd and Deno into bench/peers as bench/run.sh does, Bun
# into bench/out/pbkdf2-peers), builds islet and the driver, and runs bench/cmd/pbkdf2-bench.
# Example: bench/pbkdf2/run.sh -n 50 -platforms islet,bun
set -euo pipefail
cd "$(dirname "$0")/../.."
log() { echo "pbkdf2: $*" >&2; }
command -v node >/dev/null || { log "node is required"; exit 1; }

workerd=bench/peers/node_modules/@cloudflare/workerd-linux-64/bin/workerd
deno=bench/peers/node_modules/@deno/linux-x64-glibc/deno
# Bun goes under bench/out/ (git-ignored), installed from the pinned bench/pbkdf2/package.json.
bunDir=bench/out/pbkdf2-peers
bun=$bunDir/node_modules/@oven/bun-linux-x64/bin/bun
if [ ! -x "$workerd" ] || [ ! -x "$deno" ]; then
  log "npm install workerd deno (bench/peers)"
  (cd bench/peers && npm install --no-audit --no-fund >/dev/null)
fi
if [ ! -e "$bun" ]; then
  log "npm install bun ($bunDir)"
  mkdir -p "$bunDir"
  cp bench/pbkdf2/package.json "$bunDir/"
  (cd "$bunDir" && npm install --no-audit --no-fund --ignore-scripts >/dev/null)
fi
for b in "$workerd" "$deno" "$bun"; do
  if [ -e "$b" ] && [ ! -x "$b" ]; then chmod +x "$b"; fi
done

mkdir -p bench/out
log "go build -o bin/islet ./cmd/islet"
go build -o bin/islet ./cmd/islet
go build -o bench/out/pbkdf2-bench ./bench/cmd/pbkdf2-bench
exec bench/out/pbkdf2-bench -workerd "$workerd" -deno "$deno" -bun "$bun" "$@"
