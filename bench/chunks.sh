#!/usr/bin/env bash
# Per relayed chunk: a release holysheep set up like bench/run.sh (fresh SQLite store, a real key, credits held and
# charged, usage metered) in front of a streaming upstream that sends each SSE chunk on its own, 1 ms apart
# (bench/chunks.py). Reports the delay each chunk gains through the gateway and the gateway's CPU per chunk, and the
# same for nginx proxy_pass (bench/nginx-proxy.conf.template, 1 worker) in front of the same upstream: the floor.
#
#   bash bench/chunks.sh                                 # prints {"holysheep": …, "nginx": …} (see bench/chunks.py)
#   RUN_DIR=bench/out/<run> bash bench/chunks.sh         # also writes chunks.json there, where bench/performance.py
#                                                        #   adds it to the goal table
#
# Environment: CHUNKS_STREAMS (40), CHUNKS_PER_STREAM (300), CHUNKS_SPACING_MS (1), HOLYSHEEP_BIN=path (no build),
# GATEWAY_PORT (18083), NGINX_PORT (18084), CHUNKS_UPSTREAM_PORT (28190), BENCH_NICE (0; -10 as bench/run.sh uses).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/bench/lib.sh"
PORT=${GATEWAY_PORT:-18083}
NGINX_PORT=${NGINX_PORT:-18084}
UPSTREAM_PORT=${CHUNKS_UPSTREAM_PORT:-28190}  # bench_gateway points the gateway here
STREAMS=${CHUNKS_STREAMS:-40}
PER_STREAM=${CHUNKS_PER_STREAM:-300}
SPACING=${CHUNKS_SPACING_MS:-1}
NICE=${BENCH_NICE:-0}
if [[ -n ${RUN_DIR:-} ]]; then
  [[ -d $RUN_DIR ]] || { echo "RUN_DIR=$RUN_DIR is not a folder" >&2; exit 1; }
fi
bench_tools
bench_build
bench_ports_free "$UPSTREAM_PORT" "$PORT" "$NGINX_PORT"

WORK=$(mktemp -d /tmp/holysheep-chunks.XXXXXX)
UPSTREAM_PID="" GATEWAY_PID="" NGINX_PID=""
cleanup() {
  set +e
  [[ -n $GATEWAY_PID ]] && kill "$GATEWAY_PID" 2>/dev/null && wait "$GATEWAY_PID" 2>/dev/null
  [[ -n $NGINX_PID ]] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
  [[ -n $UPSTREAM_PID ]] && kill "$UPSTREAM_PID" 2>/dev/null && wait "$UPSTREAM_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

nice -n "$NICE" python3 "$ROOT/bench/chunks.py" serve "$UPSTREAM_PORT" --spacing-ms "$SPACING" &
UPSTREAM_PID=$!
KEY=$(bench_gateway "$WORK" "$PORT")
HOLYSHEEP_LOG_LEVEL=warning nice -n "$NICE" "$BIN" serve --config "$WORK/gateway.yaml" >"$WORK/gateway.log" 2>&1 &
GATEWAY_PID=$!
bench_wait_ready "http://127.0.0.1:$PORT" "$KEY"
echo "== holysheep pid $GATEWAY_PID on :$PORT; streaming upstream on :$UPSTREAM_PORT, ${SPACING} ms between chunks;" \
  "$STREAMS streams of $PER_STREAM chunks (and of $((PER_STREAM / 10))) through each" >&2
measure() { # NAME URL PID KEY: one measurement into $WORK/NAME.json
  nice -n "$NICE" python3 "$ROOT/bench/chunks.py" measure --direct "http://127.0.0.1:$UPSTREAM_PORT/v1" --gateway "$2" \
    --key "$4" --gateway-pid "$3" --streams "$STREAMS" --chunks "$PER_STREAM" --spacing-ms "$SPACING" >"$WORK/$1.json"
}
measure holysheep "http://127.0.0.1:$PORT/v1" "$GATEWAY_PID" "$KEY"
kill "$GATEWAY_PID" && wait "$GATEWAY_PID" 2>/dev/null || true
GATEWAY_PID=""

# nginx proxy_pass: the master does nothing per request; its one worker is measured.
NGINX_CMD=$(bench_nginx_proxy "$WORK/nginx" "$NGINX_PORT")
nice -n "$NICE" bash -c "$NGINX_CMD" &
NGINX_PID=$!
WORKER=""
for _ in $(seq 1 50); do
  WORKER=$(pgrep -P "$NGINX_PID" | head -n 1) && [[ -n $WORKER ]] && curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/" && break
  sleep 0.1
done
[[ -n $WORKER ]] || { echo "nginx proxy_pass did not start" >&2; exit 1; }
echo "== nginx proxy_pass on :$NGINX_PORT (worker pid $WORKER), the same streams" >&2
measure nginx "http://127.0.0.1:$NGINX_PORT/v1" "$WORKER" none

python3 - "$WORK" >"$WORK/chunks.json" <<'PY'
import json, sys
work = sys.argv[1]
print(json.dumps({name: json.load(open(f"{work}/{name}.json")) for name in ("holysheep", "nginx")}, indent=2))
PY
cat "$WORK/chunks.json"
[[ -z ${RUN_DIR:-} ]] || cp "$WORK/chunks.json" "$RUN_DIR/chunks.json"
