#!/usr/bin/env bash
# What exporting traces costs a request: the release binary built with
# `--features otel`, on embedded defaults, answers N sequential
# `GET /readyz` (a `request` span, the `readiness` use case, a database and
# a store ping: 4 spans) over one keep-alive connection, with OTLP export
# off, then on (to a collector in this script that counts what it gets),
# alternating, R rounds. Prints one JSON line per run: median and p99 ms.
#
#   bash benches/traces.sh [requests per run, 2000] [rounds, 2]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
rounds=${2:-2}
cargo build --release -q --locked -p media-server --features otel
bin=${CARGO_TARGET_DIR:-target}/release/media-server
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The collector: accepts OTLP/HTTP, counts requests and bytes.
cport=$(port)
python3 - "$cport" "$work/collected" <<'PY' &
import http.server, sys
port, out = int(sys.argv[1]), sys.argv[2]
seen = [0, 0]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"] or 0))
        seen[0] += 1; seen[1] += len(body)
        open(out, "w").write(f"{seen[0]} {seen[1]}")
        self.send_response(200); self.send_header("content-length", "0"); self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY

run() {
  local mode=$1 api store
  api=$(port); store=$(port)
  local env=(MEDIA_ADDR="127.0.0.1:$api" MEDIA_STORAGE_ADDR="127.0.0.1:$store"
    MEDIA_DATA_DIR="$work/data-$mode-$RANDOM" JWT_SECRET=traces-bench-secret-0123456789 RUST_LOG=warn)
  [ "$mode" = on ] && env+=(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$cport")
  env -i PATH="$PATH" "${env[@]}" "$bin" >/dev/null 2>&1 &
  local pid=$!
  python3 - "$api" "$n" "$mode" <<'PY'
import http.client, json, sys, time
port, n, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
for _ in range(300):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port); c.request("GET", "/healthz"); c.getresponse().read(); break
    except OSError: time.sleep(0.1)
for _ in range(200):  # warm-up
    c.request("GET", "/readyz"); c.getresponse().read()
ms = []
for _ in range(n):
    t = time.perf_counter(); c.request("GET", "/readyz"); r = c.getresponse(); r.read()
    assert r.status == 200
    ms.append((time.perf_counter() - t) * 1000)
ms.sort()
print(json.dumps({"export": mode, "requests": n, "ms_median": round(ms[n // 2], 3), "ms_p99": round(ms[n * 99 // 100], 3)}))
PY
  kill -TERM "$pid"; wait "$pid" || true
}
for _ in $(seq "$rounds"); do run off; run on; done
echo "{\"collector_posts_and_bytes\": \"$(cat "$work/collected" 2>/dev/null || echo '0 0')\"}"
