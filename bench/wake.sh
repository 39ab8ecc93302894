#!/usr/bin/env bash
# How much of a c=1 call's added latency is the VM waking idle vCPUs, not the gateway's work.
#
# At c=1 every hop (wrk -> gateway -> upstream -> gateway -> wrk) wakes a thread whose vCPU has gone idle; on a VM
# that wake-up is an exit to the hypervisor and back, with cold caches after it. This runs c=1 JSON (the harness's
# chat script) through holysheep, through nginx proxy_pass and straight to the canned upstream, each twice per
# round: with the vCPUs free to idle, and with both kept busy by two SCHED_IDLE spinners (they run only when nothing
# else wants the CPU, so they take no time from the measured processes; they only keep the vCPUs from halting).
# Rounds are interleaved; the report gives the median of each figure over the rounds.
#
#   bash bench/wake.sh                       # 5 rounds of 5 s per cell; prints a markdown table
#   WAKE_ROUNDS=9 WAKE_SECONDS=8 bash bench/wake.sh
#
# Environment: HOLYSHEEP_BIN=path (no build), GATEWAY_PORT (18085), NGINX_PORT (18086), UPSTREAM_PORT (28080).
# A diagnosis of the machine, not a product setting: nothing here is what a deployment should run.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/bench/lib.sh"
PORT=${GATEWAY_PORT:-18085}
NGINX_PORT=${NGINX_PORT:-18086}
ROUNDS=${WAKE_ROUNDS:-5}
SECONDS_=${WAKE_SECONDS:-5}
bench_tools
bench_build
bench_ports_free "$UPSTREAM_PORT" "$PORT" "$NGINX_PORT"

WORK=$(mktemp -d /tmp/holysheep-wake.XXXXXX)
UPSTREAM_PID="" GATEWAY_PID="" NGINX_PID="" SPINNERS=()
cleanup() {
  set +e
  ((${#SPINNERS[@]})) && kill "${SPINNERS[@]}" 2>/dev/null
  [[ -n $GATEWAY_PID ]] && kill "$GATEWAY_PID" 2>/dev/null && wait "$GATEWAY_PID" 2>/dev/null
  [[ -n $NGINX_PID ]] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
  [[ -n $UPSTREAM_PID ]] && kill "$UPSTREAM_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

read -r UPSTREAM_PID _ < <(UPSTREAM_PORT=$UPSTREAM_PORT "$HARNESS/upstream/start-upstream.sh" "$WORK/upstream")
KEY=$(bench_gateway "$WORK" "$PORT")
HOLYSHEEP_LOG_LEVEL=warning "$BIN" serve --config "$WORK/gateway.yaml" >"$WORK/gateway.log" 2>&1 &
GATEWAY_PID=$!
NGINX_START=$(bench_nginx_proxy "$WORK/nginx-proxy" "$NGINX_PORT")
bash -c "$NGINX_START" >"$WORK/nginx.log" 2>&1 &
NGINX_PID=$!
bench_wait_ready "http://127.0.0.1:$PORT" "$KEY"
export BENCH_KEY=$KEY BENCH_STREAM=0

# measure TARGET URL CONDITION: one wrk run, appended to $WORK/results.tsv
measure() {
  BENCH_OUT=$WORK/wrk.json wrk -t1 -c1 -d"${SECONDS_}s" -s "$HARNESS/lua/chat.lua" "$2/v1/chat/completions" >/dev/null
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(sys.argv[2], sys.argv[3], d['p50_us'], d['p99_us'], d['err_status'] + d['err_read'], sep='\t')" \
    "$WORK/wrk.json" "$1" "$3" >>"$WORK/results.tsv"
}
targets=("holysheep http://127.0.0.1:$PORT" "nginx http://127.0.0.1:$NGINX_PORT" "direct http://127.0.0.1:$UPSTREAM_PORT")
for t in "${targets[@]}"; do read -r name url <<<"$t"; wrk -t1 -c4 -d2s -s "$HARNESS/lua/chat.lua" "$url/v1/chat/completions" >/dev/null; done  # warm-up
for round in $(seq 1 "$ROUNDS"); do
  echo "== round $round of $ROUNDS" >&2
  for t in "${targets[@]}"; do read -r name url <<<"$t"; measure "$name" "$url" idle; done
  for _ in 1 2; do chrt -i 0 sh -c 'while :; do :; done' & SPINNERS+=($!); done
  sleep 0.5
  for t in "${targets[@]}"; do read -r name url <<<"$t"; measure "$name" "$url" busy; done
  kill "${SPINNERS[@]}"; wait "${SPINNERS[@]}" 2>/dev/null || true; SPINNERS=()
done

python3 - "$WORK/results.tsv" "$ROUNDS" "$SECONDS_" <<'EOF'
import statistics, sys
rows = [line.split("\t") for line in open(sys.argv[1]).read().splitlines()]
def median(target, condition, column):
    return statistics.median(float(r[column]) for r in rows if r[0] == target and r[1] == condition)
errors = sum(int(r[4]) for r in rows)
print(f"c=1 JSON, wrk -t1 -c1, {sys.argv[2]} interleaved rounds of {sys.argv[3]} s per cell; medians (µs). "
      f"busy = both vCPUs kept from idling by two SCHED_IDLE spinners. Errors: {errors}.\n")
print("| target | p50, vCPUs idle | p50, vCPUs busy | added p50 vs direct, idle | added p50 vs direct, busy | p99 idle / busy |")
print("|---|---:|---:|---:|---:|---:|")
for target in ("direct", "nginx", "holysheep"):
    idle, busy = median(target, "idle", 2), median(target, "busy", 2)
    added_idle = idle - median("direct", "idle", 2)
    added_busy = busy - median("direct", "busy", 2)
    added = "" if target == "direct" else f"+{added_idle:.0f}"
    added_b = "" if target == "direct" else f"+{added_busy:.0f}"
    print(f"| {target} | {idle:.0f} | {busy:.0f} | {added} | {added_b} | {median(target, 'idle', 3):.0f} / {median(target, 'busy', 3):.0f} |")
EOF
