#!/usr/bin/env bash
# The main job: build HolySheep (release) and run the platform on its embedded default — SQLite file
# holysheep.db in ./var, listening on 127.0.0.1:8080 — with a sandbox key created on first run.
#
#   bash scripts/run.sh                 # serve in the foreground (Ctrl-C / SIGTERM drains and stops)
#   HOLYSHEEP_PORT=9090 bash scripts/run.sh
#
# Provider secrets come from the environment (OPENAI_API_KEY, DEEPSEEK_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY);
# without them the catalog is listed and calls to those providers answer 503 naming the variable to set.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
if [[ -d /opt/swift/usr/bin && ":$PATH:" != *":/opt/swift/usr/bin:"* ]]; then PATH="$PATH:/opt/swift/usr/bin"; fi

echo "== building holysheep (release; the first build takes several minutes)" >&2
# The release build has its own scratch folder (as bench/run.sh), so it never invalidates the debug build's.
swift build -c release --product holysheep --scratch-path "$ROOT/.build-release" >&2
BIN=$ROOT/.build-release/release/holysheep

mkdir -p var
cd var
if [[ ! -s demo-key.txt ]]; then
  "$BIN" keys create --label demo --sandbox | tail -n 1 >demo-key.txt
fi
KEY=$(cat demo-key.txt)
PORT=${HOLYSHEEP_PORT:-8080}
cat >&2 <<MSG
== HolySheep on http://127.0.0.1:$PORT/v1 (storage: $ROOT/var/holysheep.db)
   demo key (sandbox): $KEY   (also in var/demo-key.txt)
   try:  curl -s http://127.0.0.1:$PORT/v1/models -H "Authorization: Bearer $KEY"
MSG
exec "$BIN" serve --port "$PORT"
