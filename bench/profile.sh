#!/usr/bin/env bash
# Profiles the gateway's chat path (release build, same setup as bench/run.sh) against the canned upstream.
#
#   bash bench/profile.sh perf [CONNS] [SECONDS]      # perf record (cpu-clock, call graphs) under wrk; prints the top
#                                                     # symbols, leaves perf.data in the output folder
#   bash bench/profile.sh callgrind [ITERATIONS]      # the hot-path micro-benchmark under valgrind: instruction
#                                                     # counts, stable on a busy host (compare between commits)
#   bash bench/profile.sh jobs [CONNS] [SECONDS]      # (root: uprobes) per call: Swift tasks created, switches, jobs
#                                                     # enqueued, continuations resumed, mallocs (uprobes; exact
#                                                     # counts, so a change that adds hops or allocations shows)
#
# STREAM=1 profiles streaming calls. Output folder: $OUT (default /tmp/holysheep-profile.<mode>).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/bench/lib.sh"
MODE=${1:-perf}
OUT=${OUT:-/tmp/holysheep-profile.$MODE}
PORT=${GATEWAY_PORT:-18081}
bench_tools
command -v perf >/dev/null || apt-get install -y -qq linux-perf >/dev/null || true
command -v valgrind >/dev/null || apt-get install -y -qq valgrind >/dev/null
bench_build
rm -rf "$OUT" && mkdir -p "$OUT"
KEY=$(bench_gateway "$OUT" "$PORT")
read -r UPSTREAM_PID _ < <(UPSTREAM_PORT=$UPSTREAM_PORT "$HARNESS/upstream/start-upstream.sh" "$OUT/upstream")
GATEWAY_PID=
cleanup() {
  [[ -n $GATEWAY_PID ]] && kill "$GATEWAY_PID" 2>/dev/null && wait "$GATEWAY_PID" 2>/dev/null
  kill "$UPSTREAM_PID" 2>/dev/null || true
}
trap cleanup EXIT
URL=http://127.0.0.1:$PORT
export BENCH_KEY=$KEY BENCH_STREAM=${STREAM:-0}

case $MODE in
perf)
  CONNS=${2:-1}; SECONDS_=${3:-10}
  HOLYSHEEP_LOG_LEVEL=warning "$BIN" serve --config "$OUT/gateway.yaml" >"$OUT/gateway.log" 2>&1 &
  GATEWAY_PID=$!
  bench_wait_ready "$URL" "$KEY"
  wrk -t1 -c"$CONNS" -d3s -s "$HARNESS/lua/chat.lua" "$URL/v1/chat/completions" >/dev/null  # warm-up
  perf record -e cpu-clock -F 2000 -g -p "$GATEWAY_PID" -o "$OUT/perf.data" -- sleep "$SECONDS_" 2>"$OUT/perf-record.log" &
  PERF=$!
  BENCH_OUT=$OUT/wrk.json wrk -t1 -c"$CONNS" -d"${SECONDS_}s" -s "$HARNESS/lua/chat.lua" "$URL/v1/chat/completions" >/dev/null
  wait $PERF
  cat "$OUT/wrk.json"
  perf report -i "$OUT/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -40
  echo "by library:"
  perf report -i "$OUT/perf.data" --no-children --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -12
  ;;
jobs)
  # Counted with uprobes on the Swift concurrency runtime and on malloc: exact numbers, whatever the host's noise.
  # A job enqueued is a trip through an event loop's task queue; a switch that does not enqueue continues in place.
  CONNS=${2:-1}; SECONDS_=${3:-3}
  CONCURRENCY=$(ldd "$BIN" | awk '/libswift_Concurrency.so/ {print $3}')
  LIBC=$(ldd "$BIN" | awk '/libc.so.6/ {print $3}')
  PROBES=(swift_task_create swift_task_switch swift_task_enqueue swift_continuation_throwingResume swift_continuation_resume)
  for probe in "${PROBES[@]}"; do perf probe -q -x "$CONCURRENCY" "$probe" 2>/dev/null || true; done
  perf probe -q -x "$LIBC" malloc 2>/dev/null || true
  HOLYSHEEP_LOG_LEVEL=warning "$BIN" serve --config "$OUT/gateway.yaml" >"$OUT/gateway.log" 2>&1 &
  GATEWAY_PID=$!
  bench_wait_ready "$URL" "$KEY"
  wrk -t1 -c"$CONNS" -d2s -s "$HARNESS/lua/chat.lua" "$URL/v1/chat/completions" >/dev/null  # warm-up
  events=$(printf 'probe_libswift_Concurrency:%s,' "${PROBES[@]}")probe_libc:malloc
  perf stat -x, -e "$events" -p "$GATEWAY_PID" -o "$OUT/perf-stat.csv" -- sleep "$((SECONDS_ + 1))" &
  PERF=$!
  sleep 0.5
  BENCH_OUT=$OUT/wrk.json wrk -t1 -c"$CONNS" -d"${SECONDS_}s" -s "$HARNESS/lua/chat.lua" "$URL/v1/chat/completions" >/dev/null
  wait $PERF
  # Who allocates: every malloc's call stack for one second (perf report -i $OUT/malloc.data --children).
  perf record -q -e probe_libc:malloc -g -p "$GATEWAY_PID" -o "$OUT/malloc.data" -- sleep 1 2>/dev/null &
  PERF=$!
  wrk -t1 -c"$CONNS" -d1s -s "$HARNESS/lua/chat.lua" "$URL/v1/chat/completions" >/dev/null
  wait $PERF || true
  perf probe -q -d 'probe_libswift_Concurrency:*' 2>/dev/null || true
  perf probe -q -d 'probe_libc:malloc' 2>/dev/null || true
  # Everything the gateway did in the window, divided by the calls wrk made in it (the window is a little longer:
  # idle work, a few hundred events a second, falls into it too).
  python3 - "$OUT/perf-stat.csv" "$OUT/wrk.json" "$CONNS" <<'EOF'
import json, sys
calls = json.load(open(sys.argv[2]))["requests"]
print(f"c={sys.argv[3]}: {calls} calls; per call:")
for line in open(sys.argv[1]):
    fields = line.strip().split(",")
    if len(fields) > 2 and fields[2].startswith("probe_"):
        print(f"  {fields[2].split(':')[1]:<36} {int(fields[0]) / calls:8.2f}")
EOF
  ;;
callgrind)
  # Instruction counts of the hot path's pure pieces (the micro-benchmark), stable on a busy host. (The server
  # itself cannot run under this machine's valgrind 3.19: it stops with an internal SIGSEGV in any Swift 6.3
  # program that starts threads; use `perf` for it.)
  (cd "$ROOT" && swift build -c release --product holysheep-hotpath --scratch-path "$ROOT/.build-release" >&2)
  objcopy --strip-debug "$ROOT/.build-release/release/holysheep-hotpath" "$OUT/holysheep-hotpath"  # valgrind 3.19 cannot read DWARF 5
  HOTPATH_ITERATIONS=${2:-2000} valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out" "$OUT/holysheep-hotpath" 2>"$OUT/valgrind.log"
  callgrind_annotate --inclusive=no "$OUT/callgrind.out" 2>/dev/null | sed -n '/^Ir/,$p' | head -45
  ;;
*) echo "usage: bash bench/profile.sh perf|jobs|callgrind …" >&2; exit 2 ;;
esac
