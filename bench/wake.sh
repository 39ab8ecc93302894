#!/usr/bin/env bash
# How much of a c=1 call's added latency is the VM waking idle vCPUs, not the gateway's work.
#
# At c=1 every hop (wrk -> gateway -> upstream -> gateway -> wrk) wakes a thread whose vCPU has gone idle; on a VM
# that wake-up is an exit to the hypervisor and back, with cold caches after it. This runs c=1 JSON (the harness's
# chat script) through holysheep, through nginx proxy_pass and straight to the canned upstream, each twice per
# round: with the vCPUs free to idle, and with both kept busy by two SCHED_IDLE spinners (they run only when nothing
# else wants the CPU, so they take no time from the measured processes; they only keep the vCPUs from halting).
# Where the guest runs the haltpoll cpuidle driver and its poll time can be set (root, a KVM/Firecracker guest:
# /sys/module/haltpoll/parameters/guest_halt_poll_ns), a third cell runs with guest halt polling on: an idle vCPU
# polls for up to WAKE_HALT_POLL_NS (200000, the kernel's default) before it halts. The value is restored after
# each cell and on exit. Rounds are interleaved; the report gives the median of each figure over the rounds.
#
#   bash bench/wake.sh                       # 5 rounds of 5 s per cell; prints a markdown table
#   WAKE_ROUNDS=9 WAKE_SECONDS=8 bash bench/wake.sh
#
# Environment: HOLYSHEEP_BIN=path (no build), GATEWAY_PORT (18085), NGINX_PORT (18086), UPSTREAM_PORT (28080),
# WAKE_HALT_POLL_NS (200000; 0 skips the cell). The spinners are a diagnosis, not something a deployment should run;
# halt polling is a host setting a deployment can choose (docs/PERFORMANCE.md, "The host").
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/bench/lib.sh"
PORT=${GATEWAY_PORT:-18085}
NGINX_PORT=${NGINX_PORT:-18086}
ROUNDS=${WAKE_ROUNDS:-5}
SECONDS_=${WAKE_SECONDS:-5}
HALT_POLL=/sys/module/haltpoll/parameters/guest_halt_poll_ns
HALT_POLL_NS=${WAKE_HALT_POLL_NS:-200000}
HALT_POLL_WAS=""
if ((HALT_POLL_NS > 0)) && [[ -w $HALT_POLL ]] && [[ $(cat /sys/devices/system/cpu/cpuidle/current_driver 2>/dev/null) == haltpoll ]]; then
  HALT_POLL_WAS=$(cat "$HALT_POLL")
fi
bench_tools
bench_build
bench_ports_free "$UPSTREAM_PORT" "$PORT" "$NGINX_PORT"

WORK=$(mktemp -d /tmp/holysheep-wake.XXXXXX)
UPSTREAM_PID="" GATEWAY_PID="" NGINX_PID="" SPINNERS=()
cleanup() {
  set +e
  ((${#SPINNERS[@]})) && kill "${SPINNERS[@]}" 2>/dev/null
  [[ -n $HALT_POLL_WAS ]] && echo "$HALT_POLL_WAS" >"$HALT_POLL"
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
  if [[ -n $HALT_POLL_WAS ]]; then
    echo "$HALT_POLL_NS" >"$HALT_POLL"
    for t in "${targets[@]}"; do read -r name url <<<"$t"; measure "$name" "$url" haltpoll; done
    echo "$HALT_POLL_WAS" >"$HALT_POLL"
  fi
done

python3 - "$WORK/results.tsv" "$ROUNDS" "$SECONDS_" "${HALT_POLL_WAS:+$HALT_POLL_NS}" "$HALT_POLL_WAS" <<'EOF'
import statistics, sys
rows = [line.split("\t") for line in open(sys.argv[1]).read().splitlines()]
def median(target, condition, column):
    return statistics.median(float(r[column]) for r in rows if r[0] == target and r[1] == condition)
errors = sum(int(r[4]) for r in rows)
conditions = {"idle": "vCPUs free to idle", "busy": "vCPUs kept busy (2 SCHED_IDLE spinners)"}
if sys.argv[4]:
    conditions["haltpoll"] = f"guest halt polling on ({int(sys.argv[4]) // 1000} µs; the host had {sys.argv[5]} ns)"
print(f"c=1 JSON, wrk -t1 -c1, {sys.argv[2]} interleaved rounds of {sys.argv[3]} s per cell; medians (µs). Errors: {errors}.\n")
print("| condition | direct p50 | nginx p50 (added) | holysheep p50 (added) | p99 direct / nginx / holysheep |")
print("|---|---:|---:|---:|---:|")
for condition, label in conditions.items():
    direct = median("direct", condition, 2)
    cells = [f"{median(t, condition, 2):.0f} (+{median(t, condition, 2) - direct:.0f})" for t in ("nginx", "holysheep")]
    p99 = " / ".join(f"{median(t, condition, 3):.0f}" for t in ("direct", "nginx", "holysheep"))
    print(f"| {label} | {direct:.0f} | {cells[0]} | {cells[1]} | {p99} |")
EOF
