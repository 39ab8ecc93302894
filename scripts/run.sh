#!/usr/bin/env bash
# The main job: build HolySheep (release), run the platform on its embedded default — SQLite file
# var/holysheep.db, previz video model, 127.0.0.1:8080 — and produce the demo episode
# (examples/spring-festival.fountain) through its API with a sandbox key. Ends with the path of the MP4.
#
#   bash scripts/run.sh                       # build, serve, produce the demo episode, stop
#   HOLYSHEEP_KEEP_SERVING=1 bash scripts/run.sh   # ... and keep serving afterwards (Ctrl-C / SIGTERM stops)
#   HOLYSHEEP_PORT=9090 bash scripts/run.sh
#
# Needs ffmpeg (installed with apt if missing). Provider secrets come from the environment (OPENAI_API_KEY,
# DEEPSEEK_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY); the demo needs none: sandbox keys render video with the
# local previz renderer and the storyboard comes from the screenplay's own structure.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
if [[ -d /opt/swift/usr/bin && ":$PATH:" != *":/opt/swift/usr/bin:"* ]]; then PATH="$PATH:/opt/swift/usr/bin"; fi

if ! command -v ffmpeg >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -i 'Noto Sans CJK' >/dev/null; then
  echo "== installing ffmpeg and CJK fonts (apt)" >&2
  SUDO=(); [[ $(id -u) -ne 0 ]] && SUDO=(sudo)
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ffmpeg fonts-noto-cjk >/dev/null
fi

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
"$BIN" serve --port "$PORT" >serve.log 2>&1 &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
cat >&2 <<MSG
== HolySheep on http://127.0.0.1:$PORT/v1 (storage: $ROOT/var/holysheep.db, log: var/serve.log)
   demo key (sandbox): $KEY   (also in var/demo-key.txt)
   try:  curl -s http://127.0.0.1:$PORT/v1/models -H "Authorization: Bearer $KEY"
== producing the demo episode through the API (examples/spring-festival.fountain)
MSG
export HOLYSHEEP_BASE_URL="http://127.0.0.1:$PORT/v1" HOLYSHEEP_API_KEY="$KEY"
"$BIN" drama produce "$ROOT/examples/spring-festival.fountain" --out "$ROOT/var/episode" >&2
if [[ "${HOLYSHEEP_KEEP_SERVING:-0}" == 1 ]]; then
  echo "== still serving on http://127.0.0.1:$PORT/v1 (Ctrl-C stops)" >&2
  echo "$ROOT/var/episode/episode.mp4"
  wait $SERVER
else
  echo "$ROOT/var/episode/episode.mp4"
fi
