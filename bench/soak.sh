#!/usr/bin/env bash
# Soak: a release holysheep set up like bench/run.sh (fresh SQLite store, a real key, credits held and charged,
# usage metered) under wrk at c=64 JSON against the canned upstream for 10 minutes, its RSS sampled every 10 s.
# Does memory grow under steady load?
#
#   bash bench/soak.sh                                  # -> bench/out/soak-<UTC time>/{rss.csv,soak.json,wrk.json,gateway.log}
#   RUN_DIR=bench/out/<run> bash bench/soak.sh          # also copies soak.json and rss.csv into that run folder, where
#                                                       #   bench/performance.py adds a soak section
#
# Environment: SOAK_SECONDS (600) measured seconds, after SOAK_WARMUP (30) seconds of the same load;
# SOAK_CONNS (64); SOAK_SAMPLE (10) seconds between RSS samples; HOLYSHEEP_BIN=path (no build);
# GATEWAY_PORT (18082); UPSTREAM_PORT (28080); SOAK_OUT (the output folder).
# soak.json: seconds, conns, requests, rps, errors, rss_start_mib (after the warm-up), rss_end_mib, rss_max_mib
# (during the measured part), growth_mib (end - start), and p50/p99 latency.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/bench/lib.sh"
[[ -x $HARNESS/upstream/start-upstream.sh ]] || { echo "bench harness not found at $HARNESS" >&2; exit 1; }
SOAK_SECONDS=${SOAK_SECONDS:-600}
SOAK_WARMUP=${SOAK_WARMUP:-30}
SOAK_CONNS=${SOAK_CONNS:-64}
SOAK_SAMPLE=${SOAK_SAMPLE:-10}
PORT=${GATEWAY_PORT:-18082}
OUT=${SOAK_OUT:-$ROOT/bench/out/soak-$(date -u +%Y%m%dT%H%M%SZ)}
for v in SOAK_SECONDS SOAK_WARMUP SOAK_CONNS SOAK_SAMPLE; do
  [[ ${!v} =~ ^[0-9]+$ ]] || { echo "$v must be a whole number" >&2; exit 1; }
done
(( SOAK_SECONDS > 0 && SOAK_SAMPLE > 0 && SOAK_CONNS > 0 )) || { echo "SOAK_SECONDS, SOAK_SAMPLE, SOAK_CONNS must be > 0" >&2; exit 1; }
if [[ -n ${RUN_DIR:-} ]]; then
  [[ -d $RUN_DIR ]] || { echo "RUN_DIR=$RUN_DIR is not a folder" >&2; exit 1; }
fi

bench_tools
bench_build
bench_ports_free "$UPSTREAM_PORT" "$PORT"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
echo "== soak -> $OUT" >&2

WORK=$(mktemp -d /tmp/holysheep-soak.XXXXXX)
UPSTREAM_PID="" GATEWAY_PID="" WRK_PID="" SLEEP_PID=""
cleanup() {
  set +e
  [[ -n $SLEEP_PID ]] && kill "$SLEEP_PID" 2>/dev/null
  [[ -n $WRK_PID ]] && kill "$WRK_PID" 2>/dev/null && wait "$WRK_PID" 2>/dev/null
  if [[ -n $GATEWAY_PID ]]; then
    kill "$GATEWAY_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$GATEWAY_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$GATEWAY_PID" 2>/dev/null
    wait "$GATEWAY_PID" 2>/dev/null
  fi
  if [[ -n $UPSTREAM_PID ]]; then
    kill "$UPSTREAM_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$UPSTREAM_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

read -r UPSTREAM_PID _ < <(UPSTREAM_PORT=$UPSTREAM_PORT "$HARNESS/upstream/start-upstream.sh" "$WORK/upstream") || true
[[ -n $UPSTREAM_PID ]] || { echo "the canned upstream did not start" >&2; exit 1; }
KEY=$(bench_gateway "$WORK" "$PORT")
HOLYSHEEP_LOG_LEVEL=warning "$BIN" serve --config "$WORK/gateway.yaml" >"$OUT/gateway.log" 2>&1 &
GATEWAY_PID=$!
bench_wait_ready "http://127.0.0.1:$PORT" "$KEY"
echo "== holysheep pid $GATEWAY_PID on :$PORT, upstream pid $UPSTREAM_PID; ${SOAK_WARMUP} s warm-up + ${SOAK_SECONDS} s at c=$SOAK_CONNS" >&2

T0=$(date +%s.%N)
echo "elapsed_s,phase,rss_mib" >"$OUT/rss.csv"
LAST_RSS=""
sample() { # PHASE: appends one row to rss.csv, sets LAST_RSS (MiB)
  local kb
  kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$GATEWAY_PID/status" 2>/dev/null) || true
  [[ -n $kb ]] || { echo "holysheep (pid $GATEWAY_PID) is gone; see $OUT/gateway.log" >&2; exit 1; }
  LAST_RSS=$(awk -v kb="$kb" 'BEGIN { printf "%.1f", kb / 1024 }')
  awk -v t0="$T0" -v now="$(date +%s.%N)" -v ph="$1" -v r="$LAST_RSS" 'BEGIN { printf "%.0f,%s,%s\n", now - t0, ph, r }' \
    >>"$OUT/rss.csv"
}
# phase NAME SECONDS WRK_JSON: wrk for SECONDS in the background, an RSS sample every SOAK_SAMPLE s (and at the end).
phase() {
  local name=$1 secs=$2 json=$3 t
  BENCH_KEY=$KEY BENCH_STREAM=0 BENCH_OUT=$json wrk -t1 -c"$SOAK_CONNS" -d"${secs}s" --timeout 10s --latency \
    -s "$HARNESS/lua/chat.lua" "http://127.0.0.1:$PORT/v1/chat/completions" >"$OUT/wrk_$name.txt" 2>&1 &
  WRK_PID=$!
  for (( t = SOAK_SAMPLE; t < secs; t += SOAK_SAMPLE )); do
    sleep "$SOAK_SAMPLE" & SLEEP_PID=$!; wait "$SLEEP_PID"; SLEEP_PID=""   # so that a signal stops the soak at once
    sample "$name"
  done
  wait "$WRK_PID" || { WRK_PID=""; echo "wrk failed: $(tail -3 "$OUT/wrk_$name.txt")" >&2; exit 1; }
  WRK_PID=""
}

sample start
if (( SOAK_WARMUP > 0 )); then
  phase warmup "$SOAK_WARMUP" /dev/null
fi
sample soak
RSS_START=$LAST_RSS
phase soak "$SOAK_SECONDS" "$OUT/wrk.json"
sample end

python3 - "$OUT" "$SOAK_SECONDS" "$SOAK_CONNS" "$SOAK_WARMUP" "$SOAK_SAMPLE" "$RSS_START" "$BIN" <<'EOF'
import csv, json, os, sys, time
out, secs, conns, warm, samp, rss_start, binary = sys.argv[1:]
w = json.load(open(os.path.join(out, "wrk.json")))
rows = list(csv.DictReader(open(os.path.join(out, "rss.csv"))))
soak = [float(r["rss_mib"]) for r in rows if r["phase"] in ("soak", "end")]
rss_start, rss_end = float(rss_start), soak[-1]
s = {"seconds": int(secs), "conns": int(conns), "requests": w["requests"], "rps": round(w["rps"], 1),
     "errors": sum(v for k, v in w.items() if k.startswith("err_")),
     "rss_start_mib": rss_start, "rss_end_mib": rss_end, "rss_max_mib": max(soak),
     "growth_mib": round(rss_end - rss_start, 1),
     "p50_ms": w["p50_us"] / 1e3, "p99_ms": w["p99_us"] / 1e3,
     "warmup_s": int(warm), "sample_s": int(samp), "samples": len(rows),
     "date_utc": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()), "binary": binary}
json.dump(s, open(os.path.join(out, "soak.json"), "w"), indent=1)
print(json.dumps(s, indent=1))
EOF
if [[ -n ${RUN_DIR:-} ]]; then
  cp "$OUT/soak.json" "$OUT/rss.csv" "$RUN_DIR/"
  echo "== copied soak.json and rss.csv into $RUN_DIR" >&2
fi
echo "== soak: $OUT/soak.json" >&2
