#!/usr/bin/env bash
# Profiles the gateway's chat path (release build, same setup as bench/run.sh) against the canned upstream.
#
#   bash bench/profile.sh perf [CONNS] [SECONDS]      # perf record (cpu-clock, call graphs) under wrk; prints the top
#                                                     # symbols, leaves perf.data in the output folder
#   bash bench/profile.sh callgrind [ITERATIONS]      # the hot-path micro-benchmark under valgrind: instruction
#                                                     # counts, stable on a busy host (compare between commits)
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
callgrind)
  # Instruction counts of the hot path's pure pieces (the micro-benchmark), stable on a busy host. (The server
  # itself cannot run under this machine's valgrind 3.19: it stops with an internal SIGSEGV in any Swift 6.3
  # program that starts threads; use `perf` for it.)
  (cd "$ROOT" && swift build -c release --product holysheep-hotpath --scratch-path "$ROOT/.build-release" >&2)
  objcopy --strip-debug "$ROOT/.build-release/release/holysheep-hotpath" "$OUT/holysheep-hotpath"  # valgrind 3.19 cannot read DWARF 5
  HOTPATH_ITERATIONS=${2:-2000} valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out" "$OUT/holysheep-hotpath" 2>"$OUT/valgrind.log"
  callgrind_annotate --inclusive=no "$OUT/callgrind.out" 2>/dev/null | sed -n '/^Ir/,$p' | head -45
  ;;
*) echo "usage: bash bench/profile.sh perf|callgrind …" >&2; exit 2 ;;
esac
