#!/usr/bin/env bash
# Measures usage reports over a large usage table: fills a fresh SQLite storage with ROWS usage rows
# (default 10 000 000: 20 keys × 365 days × 5 models) and their daily rollups, then times
# `holysheep usage` and `GET /v1/usage` (a report reads the rollups, never the raw rows).
#
#   bash bench/usage-scale.sh [ROWS]        (needs sqlite3, curl; builds release like bench/run.sh)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROWS=${1:-10000000}
BIN=${HOLYSHEEP_BIN:-}
if [[ -z "$BIN" ]]; then
  swift build -c release --scratch-path "$ROOT/.build-release" --product holysheep >&2
  BIN="$ROOT/.build-release/release/holysheep"
fi
WORK=$(mktemp -d -t holysheep-usage-scale.XXXXXX)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
DB="$WORK/holysheep.db"
KEY=$("$BIN" keys create --storage "sqlite:$DB" --label scale | tail -n 1)
KEY_ID=$(sqlite3 "$DB" "SELECT id FROM api_keys LIMIT 1")

echo "filling $ROWS usage rows ..." >&2
start=$(date +%s.%N)
sqlite3 "$DB" <<SQL
PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $ROWS)
INSERT INTO usage_records (request_id, key_id, model, deployment, provider, endpoint, status, stream, prompt_tokens, completion_tokens,
  cached_tokens, latency_ms, upstream_latency_ms, created_at, attempts, usage_estimated, cost_micros, list_usd_micros, official_usd_micros, video_seconds)
SELECT 'req_' || i, CASE WHEN i % 20 = 0 THEN '$KEY_ID' ELSE 'key_' || (i % 20) END, 'model-' || (i % 5), 'p/m', 'p', 'chat.completions',
  200, 0, 1000 + i % 97, 100 + i % 13, 0, 1.0, 0.9, 1732406400000 + (i % 365) * 86400000 + (i % 86400) * 1000, 1, 0,
  (1100 + i % 110) * 8, (1100 + i % 110) * 8, (1100 + i % 110) * 3, 0
FROM n;
INSERT INTO usage_daily (key_id, day, model, requests, failed, prompt_tokens, completion_tokens, cached_tokens, video_seconds, cost_micros,
  list_usd_micros, official_usd_micros)
SELECT key_id, strftime('%Y-%m-%d', created_at / 1000, 'unixepoch'), model, COUNT(*), 0, SUM(prompt_tokens), SUM(completion_tokens), 0, 0,
  SUM(cost_micros), SUM(list_usd_micros), SUM(official_usd_micros)
FROM usage_records GROUP BY 1, 2, 3;
SQL
echo "filled in $(echo "$(date +%s.%N) - $start" | bc) s: $(sqlite3 "$DB" 'SELECT COUNT(*) FROM usage_records') rows, $(sqlite3 "$DB" 'SELECT COUNT(*) FROM usage_daily') rollup rows, $(du -h "$DB" | cut -f1)"

time_it() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo "$(( (e - s) / 1000000 )) ms"; }
echo "holysheep usage --key (a year, per day and model): $(time_it "$BIN" usage --storage "sqlite:$DB" --key "$KEY_ID" --format json)"
echo "holysheep usage (all keys, per model):             $(time_it "$BIN" usage --storage "sqlite:$DB" --group-by model --format table)"
PORT=18099
"$BIN" serve --storage "sqlite:$DB" --port $PORT >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
curl -sf -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT/v1/usage?limit=1" >/dev/null  # warm the key
for query in "group_by=day,model&limit=1000" "group_by=model" "group_by=day&since=2025-06-01&until=2025-06-30"; do
  ms=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT/v1/usage?$query")
  echo "GET /v1/usage?$query: $(echo "$ms * 1000" | bc) ms"
done
