# Shared by bench/run.sh and bench/profile.sh: the release build and a gateway set up like production — a fresh
# SQLite store, a real key checked on every request, credits held and charged, usage metered.
# Source it after setting ROOT; it defines BIN (bench_build; HOLYSHEEP_BIN=path skips the build), `bench_gateway DIR
# PORT` (writes DIR/gateway.yaml, prints a key) and `bench_nginx_proxy PREFIX PORT` (the nginx proxy_pass peer).

HARNESS=${HARNESS:-$ROOT/../shared/bench}
UPSTREAM_PORT=${UPSTREAM_PORT:-28080}

bench_tools() {
  if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null || ! command -v sqlite3 >/dev/null \
    || [[ ! -f /usr/lib/nginx/modules/ngx_http_js_module.so ]]; then
    apt-get update -qq && apt-get install -y -qq nginx-light libnginx-mod-http-js wrk curl sqlite3 >/dev/null
  fi
}

# bench_ports_free PORT...: exits saying which port is taken, if one is.
bench_ports_free() {
  local p
  for p in "$@"; do
    [[ -z $(ss -Hltn "sport = :$p" 2>/dev/null) ]] || { echo "port $p is taken" >&2; exit 1; }
  done
}

# bench_build: sets BIN. With HOLYSHEEP_BIN set, uses that binary and builds nothing.
bench_build() {
  if [[ -n ${HOLYSHEEP_BIN:-} ]]; then
    [[ -x $HOLYSHEEP_BIN ]] || { echo "HOLYSHEEP_BIN=$HOLYSHEEP_BIN is not an executable" >&2; return 1; }
    BIN=$(cd "$(dirname "$HOLYSHEEP_BIN")" && pwd)/$(basename "$HOLYSHEEP_BIN")
    echo "== using HOLYSHEEP_BIN=$BIN (no build)" >&2
    return 0
  fi
  echo "== release build" >&2
  # A scratch folder of its own, so a benchmark build never waits on (or invalidates) the debug build's.
  (cd "$ROOT" && swift build -c release --product holysheep --scratch-path "$ROOT/.build-release" >&2)
  BIN=$ROOT/.build-release/release/holysheep
  echo "== using $BIN" >&2
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

# bench_nginx_proxy PREFIX PORT: renders bench/nginx-proxy.conf.template into PREFIX (the nginx proxy_pass peer)
# and prints the foreground command that runs it (for GATEWAY_START).
bench_nginx_proxy() {
  local prefix=$1 port=$2
  mkdir -p "$prefix/logs" "$prefix/tmp"
  sed -e "s|@PORT@|$port|g" -e "s|@UPSTREAM_PORT@|$UPSTREAM_PORT|g" \
    "$ROOT/bench/nginx-proxy.conf.template" >"$prefix/nginx.conf"
  local nginx; nginx=$(command -v nginx || echo /usr/sbin/nginx)
  "$nginx" -t -q -c "$prefix/nginx.conf" -p "$prefix/" >&2
  echo "exec $nginx -c $prefix/nginx.conf -p $prefix/"
}
