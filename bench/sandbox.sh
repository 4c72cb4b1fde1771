#!/usr/bin/env bash
# bench/sandbox.sh: what the sandbox of a platform node's runtime processes costs, measured on
# this machine in one run: server CPU per hello-world request (supervisor and runtime
# processes together, from /proc), throughput, and the time entering the sandbox took at
# start-up, with the sandbox (the default) and without it (ISLET_NO_SANDBOX=1). The node runs
# on core 0 and wrk on core 1 when the machine has two cores or more.
# Usage: bench/sandbox.sh [DURATION]   (default 10s)
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10s}
command -v wrk >/dev/null || { echo "bench/sandbox.sh: needs wrk (apt-get install wrk, or run bench/run.sh once)"; exit 1; }
[ -x bin/islet ] || make build >/dev/null
islet="$PWD/bin/islet"
server_cpu=""; client_cpu=""
if [ "$(nproc)" -ge 2 ]; then server_cpu="taskset -c 0"; client_cpu="taskset -c 1"; fi
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/w"
printf 'export default { fetch() { return new Response("hello") } }\n' > "$work/w/index.js"
printf 'name = "hello"\nmain = "index.js"\n' > "$work/w/wrangler.toml"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ticks() { # utime+stime of a process and its children, in clock ticks
  local total=0 p
  for p in "$1" $(pgrep -P "$1" || true); do
    total=$((total + $(awk '{print $14+$15}' "/proc/$p/stat")))
  done
  echo $total
}
run() {
  local label=$1; shift
  local data="$work/data-$label" port admin
  port=$(free_port); admin=$(free_port)
  env "$@" $server_cpu "$islet" serve --data "$data" --listen "127.0.0.1:$port" --admin "127.0.0.1:$admin" > "$work/$label.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 300); do grep -q "runtime processes, admin API" "$work/$label.log" && break; sleep 0.1; done
  (cd "$work/w" && ISLET_API="http://127.0.0.1:$admin" ISLET_TOKEN=$(cat "$data/admin-token") HOME="$work" "$islet" deploy >/dev/null 2>&1)
  for _ in $(seq 1 300); do [ "$(curl -s -H 'Host: hello.localhost' "http://127.0.0.1:$port/")" = hello ] && break; sleep 0.05; done
  $client_cpu wrk -t1 -c16 -d2s -H 'Host: hello.localhost' "http://127.0.0.1:$port/" >/dev/null # warm up
  local before after out reqs
  before=$(ticks $pid)
  out=$($client_cpu wrk -t1 -c16 -d"$DUR" -H 'Host: hello.localhost' "http://127.0.0.1:$port/")
  after=$(ticks $pid)
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  local hz; hz=$(getconf CLK_TCK)
  local took; took=$(grep -o 'msg="sandbox: entered".*took=[^ ]*' "$work/$label.log" | sed 's/.*took=//' | tr '\n' ' ' || true)
  printf '%-11s %8s req/s  %6.1f µs server CPU/request  sandbox entry: %s\n' "$label" \
    "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
    "$(echo "($after - $before) * 1000000 / $hz / $reqs" | bc -l)" "${took:-none}"
  kill $pid; wait $pid 2>/dev/null || true
}
echo "hello world through a platform node (2 runtime processes and the quarantine one), wrk -c16 for $DUR"
run sandbox
run no-sandbox ISLET_NO_SANDBOX=1
