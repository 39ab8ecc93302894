# Shared by bench/run.sh and bench/profile.sh: the release build and a gateway set up like production — a fresh
# SQLite store, a real key checked on every request, credits held and charged, usage metered.
# Source it after setting ROOT; it defines BIN, and `bench_gateway DIR PORT` (writes DIR/gateway.yaml, prints a key).

HARNESS=${HARNESS:-$ROOT/../shared/bench}
UPSTREAM_PORT=${UPSTREAM_PORT:-28080}

bench_tools() {
  if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null || [[ ! -f /usr/lib/nginx/modules/ngx_http_js_module.so ]]; then
    apt-get update -qq && apt-get install -y -qq nginx-light libnginx-mod-http-js wrk curl >/dev/null
  fi
}

bench_build() {
  echo "== release build" >&2
  # A scratch folder of its own, so a benchmark build never waits on (or invalidates) the debug build's.
  (cd "$ROOT" && swift build -c release --product holysheep --scratch-path "$ROOT/.build-release" >&2)
  BIN=$ROOT/.build-release/release/holysheep
}

# bench_gateway DIR PORT: writes DIR/gateway.yaml and prints a fresh key for it.
bench_gateway() {
  local dir=$1 port=$2
  cat >"$dir/gateway.yaml" <<YAML
server: { host: 127.0.0.1, port: $port }
storage: { url: "sqlite:$dir/holysheep.db" }
providers:
  - { name: canned, kind: openai, base_url: "http://127.0.0.1:$UPSTREAM_PORT/v1" }
models:
  - name: gpt-4.1
    kind: chat
    price: { input_per_mtok: 8, output_per_mtok: 8 }
    deployments: [ { provider: canned, model: gpt-4.1 } ]
YAML
  # Limits far above the load: the limiter still counts every request (the real path), but never refuses one.
  "$BIN" keys create --config "$dir/gateway.yaml" --label bench --rpm 1000000000 --tpm 1000000000000 --credits 100000000 | tail -n 1
}

# bench_wait_ready URL KEY [TENTHS]: waits up to 30 s (or TENTHS/10 s) for the gateway to answer.
bench_wait_ready() {
  for _ in $(seq 1 "${3:-300}"); do
    curl -fsS -o /dev/null -H "Authorization: Bearer $2" "$1/v1/models" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "gateway did not answer on $1" >&2
  return 1
}
