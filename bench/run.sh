#!/usr/bin/env bash
# Runs ../shared/bench/gateway-bench.sh against a release build of holysheep, with a fresh SQLite store, a real
# key (checked on every request), credits held and charged and usage metered — the real path, not a bare proxy.
# With PEERS it also runs, with the same harness settings and one after the other, the peers it is judged against,
# and renders docs/PERFORMANCE.md from that run (bench/performance.py).
#
#   bash bench/run.sh                                  # holysheep only -> bench/out/<UTC time>/holysheep
#   PEERS="litellm nginx" bash bench/run.sh            # holysheep, then nginx proxy_pass, then LiteLLM
#                                                      #   -> bench/out/<UTC time>/{holysheep,nginx,litellm}
#                                                      #   -> docs/PERFORMANCE.md
#
# Peers:  nginx    nginx proxy_pass in front of the same canned upstream (bench/nginx-proxy.conf.template), port 18090
#         litellm  the harness's reference peer, LiteLLM proxy with 2 workers, port 4000; its venv is installed on
#                  first use into $LITELLM_VENV (default .bench/venv-litellm, git-ignored)
# Other environment:
#   HOLYSHEEP_BIN=path      benchmark that binary instead of building one (bench/lib.sh)
#   RUN_DIR=dir             run folder (default bench/out/<UTC time>); a soak (bench/soak.sh with RUN_DIR) adds to it
#   PERFORMANCE_OUT=file    where PEERS renders the performance page (default docs/PERFORMANCE.md; "" = do not render)
#   GATEWAY_PORT, NGINX_PROXY_PORT, LITELLM_PORT   listen ports (18080, 18090, 4000)
# Everything else is passed to the harness (DURATION, WARMUP, CONNS, SCENARIOS, STREAM_N, PACED_RATE, QUIET_WAIT,
# BENCH_NICE, …; see ../shared/bench/README.md).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/bench/lib.sh"
[[ -x $HARNESS/gateway-bench.sh ]] || { echo "bench harness not found at $HARNESS" >&2; exit 1; }

PEERS=${PEERS:-}
for peer in $PEERS; do
  [[ $peer == litellm || $peer == nginx ]] || { echo "unknown peer '$peer' (PEERS: litellm nginx)" >&2; exit 1; }
done
RUN_DIR=${RUN_DIR:-$ROOT/bench/out/$(date -u +%Y%m%dT%H%M%SZ)}
PERFORMANCE_OUT=${PERFORMANCE_OUT-$ROOT/docs/PERFORMANCE.md}
LITELLM_VENV=${LITELLM_VENV:-$ROOT/.bench/venv-litellm}
mkdir -p "$RUN_DIR"
RUN_DIR=$(cd "$RUN_DIR" && pwd)
echo "== run folder: $RUN_DIR" >&2

bench_tools
bench_build

WORK=$(mktemp -d /tmp/holysheep-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# What reproduces this run: the knobs that were set, for bench/performance.py.
python3 - "$RUN_DIR/run.json" <<'EOF'
import json, os, subprocess, sys
knobs = ["PEERS", "SCENARIOS", "CONNS", "DURATION", "WARMUP", "THREADS", "STREAM_N", "PACED_RATE", "PACED_CONNS",
         "QUIET_WAIT", "QUIET_MAX_BUSY", "RUN_RETRIES", "BENCH_NICE", "UPSTREAM_WORKERS", "MODEL"]
env = {k: os.environ[k] for k in knobs if os.environ.get(k)}
cmd = " ".join(f"{k}={v!r}" if " " in v else f"{k}={v}" for k, v in env.items())
json.dump({"env": env, "command": (cmd + " " if cmd else "") + "bash bench/run.sh"}, open(sys.argv[1], "w"), indent=1)
EOF

FAILED=()
# run_peer NAME ENV...: one harness run into $RUN_DIR/NAME; a failed peer is reported and the others still run.
run_peer() {
  local name=$1; shift
  echo "== $name -> $RUN_DIR/$name" >&2
  if ! env OUT_DIR="$RUN_DIR/$name" "$@" "$HARNESS/gateway-bench.sh"; then
    echo "== $name: the harness failed (see $RUN_DIR/$name)" >&2
    FAILED+=("$name")
  fi
}

PORT=${GATEWAY_PORT:-18080}
KEY=$(bench_gateway "$WORK" "$PORT")
run_peer holysheep GATEWAY_URL="http://127.0.0.1:$PORT" GATEWAY_KEY="$KEY" \
  GATEWAY_START="exec env HOLYSHEEP_LOG_LEVEL=warning $BIN serve --config $WORK/gateway.yaml" \
  GATEWAY_NAME="${GATEWAY_NAME:-holysheep}" \
  GATEWAY_INFO="${GATEWAY_INFO:-holysheep $(git -C "$ROOT" rev-parse --short HEAD) release, SQLite, key auth + credits + usage metering on}"

if [[ " $PEERS " == *" nginx "* ]]; then
  NPORT=${NGINX_PROXY_PORT:-18090}
  START=$(bench_nginx_proxy "$WORK/nginx-proxy" "$NPORT")
  run_peer nginx GATEWAY_URL="http://127.0.0.1:$NPORT" GATEWAY_KEY="" GATEWAY_START="$START" GATEWAY_NAME=nginx \
    GATEWAY_INFO="$(nginx -v 2>&1 | sed 's/^nginx version: //') proxy_pass (bench/nginx-proxy.conf.template), 1 worker, upstream keepalive 256"
fi

if [[ " $PEERS " == *" litellm "* ]]; then
  if [[ ! -x $LITELLM_VENV/bin/litellm ]]; then
    echo "== installing LiteLLM into $LITELLM_VENV" >&2
    LITELLM_VENV=$LITELLM_VENV "$HARNESS/litellm/install.sh" >&2
  fi
  LVER=$("$LITELLM_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("litellm"))')
  LPORT=${LITELLM_PORT:-4000}
  run_peer litellm GATEWAY_URL="http://127.0.0.1:$LPORT" GATEWAY_KEY=sk-bench-master-key \
    GATEWAY_START="litellm/start.sh" GATEWAY_NAME=litellm LITELLM_WORKERS=2 LITELLM_PORT="$LPORT" \
    LITELLM_VENV="$LITELLM_VENV" GATEWAY_INFO="litellm[proxy] $LVER, --num_workers 2"
fi

for name in holysheep $PEERS; do
  [[ -f $RUN_DIR/$name/report.md ]] && echo "== report: $RUN_DIR/$name/report.md" >&2
done
if [[ -n $PEERS && -n $PERFORMANCE_OUT ]]; then
  python3 "$ROOT/bench/performance.py" "$RUN_DIR" --out "$PERFORMANCE_OUT"
  echo "== wrote $PERFORMANCE_OUT" >&2
fi
echo "== run folder: $RUN_DIR" >&2
if (( ${#FAILED[@]} )); then
  echo "== failed: ${FAILED[*]}" >&2
  exit 1
fi
