#!/usr/bin/env bash
# The NIO floor: how much of holysheep's added latency and CPU any Swift proxy on SwiftNIO pays on this host, and
# what each layer costs. Runs the harness's chat call (wrk, JSON) straight to the canned upstream, through nginx
# proxy_pass, through the three modes of bench/floor (a bare proxy: own head scanning; NIO's HTTP/1 codec; NIO's
# codec plus a Swift task per request on the event loops) and through holysheep (keys, limits, routing, credits,
# metering: the real path), interleaved round by round, at c=1 and at c=64. Reads each proxy's CPU time around each
# run (utime + stime). Prints the medians as a markdown table.
#
#   bash bench/floor.sh                     # 5 rounds of 5 s per cell
#   FLOOR_ROUNDS=7 FLOOR_SECONDS=8 FLOOR_CONNS="1" bash bench/floor.sh
#
# Environment: HOLYSHEEP_BIN=path (no holysheep build), UPSTREAM_PORT (28080); proxies listen on 18091-18095.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/bench/lib.sh"
ROUNDS=${FLOOR_ROUNDS:-5}
SECONDS_=${FLOOR_SECONDS:-5}
CONNS=${FLOOR_CONNS:-1 64}
bench_tools
bench_build
echo "== release build of bench/floor" >&2
(cd "$ROOT/bench/floor" && swift build -c release >&2)
FLOOR=$ROOT/bench/floor/.build/release/nio-floor
bench_ports_free "$UPSTREAM_PORT" 18091 18092 18093 18094 18095

WORK=$(mktemp -d /tmp/holysheep-floor.XXXXXX)
PIDS=()
cleanup() {
  set +e
  ((${#PIDS[@]})) && kill "${PIDS[@]}" 2>/dev/null && wait "${PIDS[@]}" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

read -r UPSTREAM_PID _ < <(UPSTREAM_PORT=$UPSTREAM_PORT "$HARNESS/upstream/start-upstream.sh" "$WORK/upstream")
PIDS+=("$UPSTREAM_PID")
KEY=$(bench_gateway "$WORK" 18095)
HOLYSHEEP_LOG_LEVEL=warning "$BIN" serve --config "$WORK/gateway.yaml" >"$WORK/gateway.log" 2>&1 &
PIDS+=($!)
declare -A PID_OF=([holysheep]=$!)
bash -c "$(bench_nginx_proxy "$WORK/nginx-proxy" 18091)" >"$WORK/nginx.log" 2>&1 &
PIDS+=($!)
PID_OF[nginx]=$!
port=18092
for mode in raw nio task; do
  "$FLOOR" "$mode" "$port" "$UPSTREAM_PORT" 2>"$WORK/floor-$mode.log" &
  PIDS+=($!)
  PID_OF[floor-$mode]=$!
  port=$((port + 1))
done
bench_wait_ready http://127.0.0.1:18095 "$KEY"
sleep 0.3
export BENCH_STREAM=0

targets=("direct 28080" "nginx 18091" "floor-raw 18092" "floor-nio 18093" "floor-task 18094" "holysheep 18095")
# cpu_ns NAME: the proxy's CPU time so far, in ns (0 for the upstream itself; nginx counts its worker). From the
# process's utime + stime: ticks of 10 ms, but they include threads that have exited (per-thread figures do not).
cpu_ns() {
  local pid=${PID_OF[$1]:-}
  [[ -n $pid ]] || { echo 0; return; }
  [[ $1 == nginx ]] && pid=$(pgrep -P "$pid" | head -n 1)
  awk -v hz="$(getconf CLK_TCK)" '{printf "%.0f\n", ($14 + $15) * 1e9 / hz}' "/proc/$pid/stat"
}
measure() {  # NAME PORT CONNS
  local before after
  before=$(cpu_ns "$1")
  BENCH_KEY=$KEY BENCH_OUT=$WORK/wrk.json wrk -t1 -c"$3" -d"${SECONDS_}s" -s "$HARNESS/lua/chat.lua" \
    "http://127.0.0.1:$2/v1/chat/completions" >/dev/null
  after=$(cpu_ns "$1")
  python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
print(sys.argv[2], sys.argv[3], d['p50_us'], d['p99_us'], d['rps'], (int(sys.argv[5]) - int(sys.argv[4])) / 1000 / max(d['requests'], 1),
      d['err_status'] + d['err_read'] + d['err_connect'], sep='\t')" "$WORK/wrk.json" "$1" "$3" "$before" "$after" >>"$WORK/results.tsv"
}
for t in "${targets[@]}"; do read -r name port <<<"$t"; BENCH_KEY=$KEY wrk -t1 -c16 -d2s -s "$HARNESS/lua/chat.lua" "http://127.0.0.1:$port/v1/chat/completions" >/dev/null; done
for round in $(seq 1 "$ROUNDS"); do
  echo "== round $round of $ROUNDS" >&2
  for c in $CONNS; do
    for t in "${targets[@]}"; do read -r name port <<<"$t"; measure "$name" "$port" "$c"; done
  done
done

python3 - "$WORK/results.tsv" "$ROUNDS" "$SECONDS_" <<'EOF'
import statistics, sys
rows = [line.split("\t") for line in open(sys.argv[1]).read().splitlines()]
def median(target, conns, column):
    return statistics.median(float(r[column]) for r in rows if r[0] == target and r[1] == conns)
errors = sum(int(r[6]) for r in rows)
targets = ["direct", "nginx", "floor-raw", "floor-nio", "floor-task", "holysheep"]
labels = {"direct": "direct (the canned upstream)", "nginx": "nginx proxy_pass", "floor-raw": "NIO, own head scanning",
          "floor-nio": "NIO's HTTP/1 codec", "floor-task": "NIO's codec + a Swift task per call", "holysheep": "holysheep (the real path)"}
print(f"Chat JSON, wrk -t1, {sys.argv[2]} interleaved rounds of {sys.argv[3]} s per cell; medians. Errors: {errors}.\n")
conns = sorted({r[1] for r in rows}, key=int)
header = "| proxy | " + " | ".join(f"c={c} p50 (added) µs | c={c} p99 µs | c={c} CPU µs/call" + (f" | c={c} req/s" if c != "1" else "") for c in conns) + " |"
print(header)
print("|---|" + "---:|" * (header.count("|") - 2))
for t in targets:
    cells = []
    for c in conns:
        p50, direct = median(t, c, 2), median("direct", c, 2)
        cells.append(f"{p50:.0f}" + (f" ({p50 - direct:+.0f})" if t != "direct" else ""))
        cells.append(f"{median(t, c, 3):.0f}")
        cells.append(f"{median(t, c, 5):.1f}" if t != "direct" else "")
        if c != "1":
            cells.append(f"{median(t, c, 4):.0f}")
    print(f"| {labels[t]} | " + " | ".join(cells) + " |")
EOF
