#!/usr/bin/env bash
# Runs ../shared/bench/gateway-bench.sh against a release build of holysheep, with a fresh SQLite store, a real
# key (checked on every request), credits held and charged and usage metered — the real path, not a bare proxy.
#
#   bash bench/run.sh                 # holysheep only
#
# Extra environment is passed to the harness (DURATION, CONNS, SCENARIOS, …; see ../shared/bench/README.md).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/bench/lib.sh"
[[ -x $HARNESS/gateway-bench.sh ]] || { echo "bench harness not found at $HARNESS" >&2; exit 1; }
bench_tools
bench_build

WORK=$(mktemp -d /tmp/holysheep-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
PORT=${GATEWAY_PORT:-18080}
KEY=$(bench_gateway "$WORK" "$PORT")

GATEWAY_URL=http://127.0.0.1:$PORT GATEWAY_KEY="$KEY" \
GATEWAY_START="exec env HOLYSHEEP_LOG_LEVEL=warning $BIN serve --config $WORK/gateway.yaml" \
GATEWAY_NAME=${GATEWAY_NAME:-holysheep} \
GATEWAY_INFO=${GATEWAY_INFO:-"holysheep $(git -C "$ROOT" rev-parse --short HEAD) release, SQLite, key auth + credits + usage metering on"} \
  "$HARNESS/gateway-bench.sh"
