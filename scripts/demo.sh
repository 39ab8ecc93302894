#!/usr/bin/env bash
# The short-drama demo: build HolySheep (release), start the platform in process on its embedded default (SQLite in
# the episode folder, a sandbox key: video on the previz renderer, never charged) and produce the demo episode
# examples/spring-festival.fountain through its API. The last line printed is the path of the MP4.
#
#   bash scripts/demo.sh                       # into var/demo-episode (run it again to resume)
#   bash scripts/demo.sh --burn-subtitles      # extra arguments go to `holysheep drama produce`
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
if [[ -d /opt/swift/usr/bin && ":$PATH:" != *":/opt/swift/usr/bin:"* ]]; then PATH="$PATH:/opt/swift/usr/bin"; fi
if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then
  echo "== installing ffmpeg" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg fonts-noto-cjk >&2
fi

echo "== building holysheep (release; the first build takes several minutes)" >&2
swift build -c release --product holysheep --scratch-path "$ROOT/.build-release" >&2
BIN=$ROOT/.build-release/release/holysheep

mkdir -p var
echo "== producing examples/spring-festival.fountain into var/demo-episode" >&2
exec "$BIN" drama produce examples/spring-festival.fountain --out var/demo-episode --embedded "$@"
