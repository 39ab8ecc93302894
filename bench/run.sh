#!/usr/bin/env bash
# Runs ../shared/bench/gateway-bench.sh against a release build of holysheep, with a fresh SQLite store, a real
# key (checked on every request) and usage metering on — the real path, not a bare proxy.
#
#   bash bench/run.sh                 # holysheep only
#   PEERS="litellm nginx" bash bench/run.sh   # (performance issue) also the reference peers
#
# Extra environment is passed to the harness (DURATION, CONNS, SCENARIOS, …; see ../shared/bench/README.md).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HARNESS=${HARNESS:-$ROOT/../shared/bench}
[[ -x $HARNESS/gateway-bench.sh ]] || { echo "bench harness not found at $HARNESS" >&2; exit 1; }

if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null || [[ ! -f /usr/lib/nginx/modules/ngx_http_js_module.so ]]; then
  apt-get update -qq && apt-get install -y -qq nginx-light libnginx-mod-http-js wrk curl >/dev/null
fi

echo "== release build" >&2
# A scratch folder of its own, so a benchmark build never waits on (or invalidates) the debug build's.
(cd "$ROOT" && swift build -c release --product holysheep --scratch-path "$ROOT/.build-release" >&2)
BIN=$ROOT/.build-release/release/holysheep

WORK=$(mktemp -d /tmp/holysheep-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
PORT=${GATEWAY_PORT:-18080}
cat >"$WORK/gateway.yaml" <<YAML
server: { host: 127.0.0.1, port: $PORT }
storage: { url: "sqlite:$WORK/holysheep.db" }
providers:
  - { name: canned, kind: openai, base_url: "http://127.0.0.1:${UPSTREAM_PORT:-28080}/v1" }
models:
  - name: gpt-4.1
    kind: chat
    price: { input_per_mtok: 8, output_per_mtok: 8 }
    deployments: [ { provider: canned, model: gpt-4.1 } ]
YAML
# Limits far above the load: the limiter still counts every request (the real path), but never refuses one.
KEY=$("$BIN" keys create --config "$WORK/gateway.yaml" --label bench --rpm 1000000000 --tpm 1000000000000 --credits 100000000 | tail -n 1)

GATEWAY_URL=http://127.0.0.1:$PORT GATEWAY_KEY="$KEY" \
GATEWAY_START="exec env HOLYSHEEP_LOG_LEVEL=warning $BIN serve --config $WORK/gateway.yaml" \
GATEWAY_NAME=${GATEWAY_NAME:-holysheep} \
GATEWAY_INFO=${GATEWAY_INFO:-"holysheep $(git -C "$ROOT" rev-parse --short HEAD) release, SQLite, key auth + usage metering on"} \
  "$HARNESS/gateway-bench.sh"
