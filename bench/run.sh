#!/usr/bin/env bash
# bench/run.sh [islet-bench flags…] — the entry `make bench` runs.
# Installs wrk, hyperfine, workerd and Deno idempotently, builds islet and the harness, and runs
# bench/cmd/islet-bench, which prints one table (islet vs workerd vs Deno vs Node) and writes
# bench/out/results.json. Example: bench/run.sh -quick   (smoke run, < 3 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
log() { echo "bench: $*" >&2; }

# 1. wrk + hyperfine from apt (apt-get update only when the package lists are empty).
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v hyperfine >/dev/null || missing+=(hyperfine)
if [ ${#missing[@]} -gt 0 ]; then
  if ! apt-cache policy wrk 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    log "apt-get update"
    $SUDO apt-get update -qq
  fi
  log "apt-get install ${missing[*]}"
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v taskset >/dev/null || { log "taskset (util-linux) is required"; exit 1; }
command -v node >/dev/null || { log "node is required (preinstalled on these machines)"; exit 1; }

# 10,000 isolates need ~120k memory mappings (12 each, measured); the kernel default is 65,530.
# islet caps live isolates by this limit, so raise it for the density measurement (root only).
if [ "$(cat /proc/sys/vm/max_map_count 2>/dev/null || echo 0)" -lt 262144 ]; then
  if $SUDO sysctl -qw vm.max_map_count=262144 2>/dev/null; then
    log "raised vm.max_map_count to 262144"
  else
    log "could not raise vm.max_map_count; islet will cap live isolates below 10,000"
  fi
fi

# 2. workerd + Deno from npm into bench/peers (git-ignored node_modules). The binaries come from
#    the platform packages, so npm skipping install scripts does not matter.
workerd=bench/peers/node_modules/@cloudflare/workerd-linux-64/bin/workerd
deno=bench/peers/node_modules/@deno/linux-x64-glibc/deno
if [ ! -x "$workerd" ] || [ ! -x "$deno" ]; then
  log "npm install workerd deno (bench/peers)"
  (cd bench/peers && npm install --no-audit --no-fund >/dev/null)
fi
for b in "$workerd" "$deno"; do
  [ -e "$b" ] || { log "$b missing after npm install"; exit 1; }
  [ -x "$b" ] || chmod +x "$b"
done

# 3. islet (a failed build is reported as n/a in the table, not fatal) and the harness. The
# cgo link flag the sysroot needs is the Makefile's, so that running this script directly
# (not through make bench) builds the same way.
export CGO_LDFLAGS_ALLOW="${CGO_LDFLAGS_ALLOW:--Wl,--dynamic-linker=.*}"
mkdir -p bench/out
islet_flags=()
if [ -d cmd/islet ] && ls cmd/islet/*.go >/dev/null 2>&1; then
  log "go build -o bin/islet ./cmd/islet"
  if ! go build -o bin/islet ./cmd/islet >bench/out/islet-build.log 2>&1; then
    log "islet build failed, see bench/out/islet-build.log"
    islet_flags=(-islet-unavailable "bin/islet build failed")
  fi
else
  log "cmd/islet has no Go files yet: islet will be reported as n/a"
fi
go build -o bench/out/islet-bench ./bench/cmd/islet-bench

# 4. Run. exec, so ctrl-C reaches the harness, which kills every process it started.
exec bench/out/islet-bench -workerd "$workerd" -deno "$deno" -node node "${islet_flags[@]}" "$@"
