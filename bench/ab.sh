#!/usr/bin/env bash
# A/B of two (or more) holysheep release binaries, interleaved so that the host's drift falls on both alike: each
# round starts every binary fresh (new SQLite store and key, set up like bench/run.sh), warms it up at c=16 for 2 s,
# then runs wrk at each concurrency and reads the gateway's CPU time around each run, and after each run how many
# answered calls are not yet in storage (the usage writer's lag). Prints one line per run and the medians per binary
# and concurrency.
#
#   bash bench/ab.sh OLD_BINARY NEW_BINARY                     # 5 rounds, c=1 and c=64, 6 s each
#   AB_ROUNDS=7 AB_CONNS="64" AB_SECONDS=8 bash bench/ab.sh a b
#
# Environment: AB_STREAM=1 for streaming calls, AB_WARMUP_CONNS (16; 1 keeps a host that never saturates, so the
# storage threads keep yielding from the start, see BookkeepingScheduling), GATEWAY_PORT (18087), UPSTREAM_PORT (28080).
# Copy a binary aside before rebuilding (cp .build-release/release/holysheep /tmp/holysheep-old).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/bench/lib.sh"
(($# >= 2)) || { echo "usage: bash bench/ab.sh BINARY BINARY [BINARY…]" >&2; exit 2; }
for binary in "$@"; do [[ -x $binary ]] || { echo "$binary is not an executable" >&2; exit 2; }; done
ROUNDS=${AB_ROUNDS:-5}
CONNS=${AB_CONNS:-1 64}
SECONDS_=${AB_SECONDS:-6}
PORT=${GATEWAY_PORT:-18087}
bench_tools
bench_ports_free "$UPSTREAM_PORT" "$PORT"

WORK=$(mktemp -d /tmp/holysheep-ab.XXXXXX)
UPSTREAM_PID="" GATEWAY_PID=""
cleanup() {
  set +e
  [[ -n $GATEWAY_PID ]] && kill "$GATEWAY_PID" 2>/dev/null && wait "$GATEWAY_PID" 2>/dev/null
  [[ -n $UPSTREAM_PID ]] && kill "$UPSTREAM_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
read -r UPSTREAM_PID _ < <(UPSTREAM_PORT=$UPSTREAM_PORT "$HARNESS/upstream/start-upstream.sh" "$WORK/upstream")
export BENCH_STREAM=${AB_STREAM:-0}
URL=http://127.0.0.1:$PORT
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

for round in $(seq 1 "$ROUNDS"); do
  for index in $(seq 1 $#); do
    BIN=${!index}
    rm -rf "$WORK/gateway" && mkdir -p "$WORK/gateway"
    BENCH_KEY=$(bench_gateway "$WORK/gateway" "$PORT")
    export BENCH_KEY
    HOLYSHEEP_LOG_LEVEL=warning "$BIN" serve --config "$WORK/gateway/gateway.yaml" >"$WORK/gateway/gateway.log" 2>&1 &
    GATEWAY_PID=$!
    bench_wait_ready "$URL" "$BENCH_KEY"
    BENCH_OUT=$WORK/wrk.json wrk -t1 -c"${AB_WARMUP_CONNS:-16}" -d2s -s "$HARNESS/lua/chat.lua" "$URL/v1/chat/completions" >/dev/null
    served=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["requests"])' "$WORK/wrk.json")
    for c in $CONNS; do
      before=$(cpu_ticks "$GATEWAY_PID")
      BENCH_OUT=$WORK/wrk.json wrk -t1 -c"$c" -d"${SECONDS_}s" -s "$HARNESS/lua/chat.lua" "$URL/v1/chat/completions" >/dev/null
      after=$(cpu_ticks "$GATEWAY_PID")
      # Calls answered but not yet in storage when the run ends: about one flush's worth while the usage writer keeps
      # up; far more when it starves (a bookkeeping change must not do that).
      written=$(sqlite3 "$WORK/gateway/holysheep.db" "SELECT count(*) FROM usage_records")
      served=$(python3 -c 'import json, sys; print(int(sys.argv[2]) + json.load(open(sys.argv[1]))["requests"])' "$WORK/wrk.json" "$served")
      python3 -c '
import json, os, sys
d = json.load(open(sys.argv[1]))
ticks = (int(sys.argv[5]) - int(sys.argv[4])) / os.sysconf("SC_CLK_TCK")
print(sys.argv[2], sys.argv[3], round(d["rps"]), d["p50_us"], d["p99_us"], round(ticks * 1e6 / d["requests"], 1),
      d["err_status"] + d["err_read"] + d["err_connect"], int(sys.argv[6]) - int(sys.argv[7]), sep="\t")' \
        "$WORK/wrk.json" "$index" "$c" "$before" "$after" "$served" "$written" | tee -a "$WORK/results.tsv"
    done
    kill "$GATEWAY_PID"; wait "$GATEWAY_PID" 2>/dev/null || true; GATEWAY_PID=""
  done
done

python3 - "$WORK/results.tsv" "$@" <<'EOF'
import statistics, sys
rows = [line.split("\t") for line in open(sys.argv[1]).read().splitlines()]
binaries = sys.argv[2:]
print("\n| binary | conns | req/s | p50 µs | p99 µs | CPU µs/request | errors | calls not yet stored at the end |  (medians over the rounds)")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for index, binary in enumerate(binaries, 1):
    for conns in sorted({r[1] for r in rows}, key=int):
        cell = [r for r in rows if r[0] == str(index) and r[1] == conns]
        med = lambda column: statistics.median(float(r[column]) for r in cell)
        print(f"| {binary} | {conns} | {med(2):.0f} | {med(3):.0f} | {med(4):.0f} | {med(5):.1f} | {sum(int(r[6]) for r in cell)} | {med(7):.0f} |")
EOF
