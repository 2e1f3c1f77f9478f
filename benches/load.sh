#!/usr/bin/env bash
# Bounded load on loopback against PostgreSQL (issue: prove it holds).
#
#   bash benches/load.sh [postgres://postgres@127.0.0.1:5432] [seconds per run] [soak seconds]
#
# 1. the API (no workers) on a fresh database with 500 listed photos;
# 2. wrk, 64 connections: the 500-photo listing, then
#    POST /v1/photographers/me/photos/upload-url (after the listing: its rows
#    would otherwise change the listing's table under a cached query plan);
# 3. pgbench, 64 clients, the INSERT that upload-url commits, same database;
# 4. a soak on upload-url, the server's RSS sampled every 10 s.
# Needs wrk and pgbench (Debian: wrk, postgresql-client). Prints a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
server=${1:-postgres://postgres@127.0.0.1:5432}
secs=${2:-30}
soak=${3:-300}
db=media_load_$$
out=$(mktemp -d)
psql "$server/postgres" -qc "CREATE DATABASE $db" >/dev/null
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true
}
trap cleanup EXIT

# The listing benchmark's release binary (a `harness = false` bench target).
bin=$(cargo bench --locked --no-run --bench listing_bench --message-format=json 2>/dev/null |
  python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "listing_bench":
        print(m["executable"])' | tail -1)
"$bin" --photos 500 --requests 20 \
  --database-url "$server/$db" --serve-seconds $((secs * 3 + soak + 120)) >"$out/server.out" &
pid=$!
for _ in $(seq 1 600); do
  [ "$(wc -l <"$out/server.out")" -ge 2 ] && break
  sleep 0.2
done
field() { sed -n 2p "$out/server.out" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
base=$(field base); token=$(field token); project=$(field project); listing=$(field listing_url)

cat >"$out/upload.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"projectId":"$project","contentType":"image/jpeg","contentLength":1000000}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
LUA
echo "== 500-photo listing: wrk -t2 -c64 -d${secs}s"
wrk -t2 -c64 -d"${secs}s" --latency -H "Authorization: Bearer $token" "$listing" | tee "$out/listing.txt"

echo "== upload-url: wrk -t2 -c64 -d${secs}s"
wrk -t2 -c64 -d"${secs}s" --latency -s "$out/upload.lua" "$base/v1/photographers/me/photos/upload-url" | tee "$out/upload.txt"
photographer=$(psql "$server/$db" -Atc "SELECT photographer_id FROM photos LIMIT 1")
# The statement the route commits: the insert guarded by the assignment.
cat >"$out/insert.sql" <<SQL
INSERT INTO photos (id, project_id, photographer_id, status, taken_at, taken_key, width, height,
  created_at, upload_expires_at, failure_reason, thumbnails_done, watermark_done, faces_done)
SELECT gen_random_uuid()::text, '$project', '$photographer', 'awaiting_upload', NULL,
  -9223372036854775808, NULL, NULL, 1, 1, NULL, 0, 0, 0
WHERE EXISTS (SELECT 1 FROM project_photographers
  WHERE project_id = '$project' AND photographer_id = '$photographer');
SQL
echo "== pgbench -c64 -j2 -T$secs (the same INSERT)"
pgbench -n -c 64 -j 2 -T "$secs" -f "$out/insert.sql" "$server/$db" | tee "$out/pgbench.txt"

echo "== soak: upload-url for ${soak}s, RSS (kB) every 10 s"
wrk -t2 -c64 -d"${soak}s" -s "$out/upload.lua" "$base/v1/photographers/me/photos/upload-url" >"$out/soak.txt" &
wrk_pid=$!
: >"$out/rss.txt"
while kill -0 "$wrk_pid" 2>/dev/null; do
  awk '/VmRSS/ {print $2}' "/proc/$pid/status" >>"$out/rss.txt"
  sleep 10
done
cat "$out/soak.txt"
echo "rss_kb: $(tr '\n' ' ' <"$out/rss.txt")"
echo "outputs in $out"
