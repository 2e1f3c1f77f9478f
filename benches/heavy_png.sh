#!/usr/bin/env bash
# Heavy legal files (issue 12, defect 4): N 100 MP 16-bit RGBA PNGs, each
# under 1 MB on the wire, uploaded at once to the real server at
# WORKER_CONCURRENCY=4; prints the server's peak RSS (VmHWM) and whether
# every photo ended ready.
#
#   bash benches/heavy_png.sh [count=4] [side=10000]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-4}
side=${2:-10000}
work=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

# Flat 16-bit RGBA images, written row by row through zlib (no 800 MB buffer).
python3 - "$work" "$count" "$side" <<'PY'
import struct, sys, zlib
work, count, side = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
for n in range(count):
    px = struct.pack(">HHHH", 0x1000 * (n + 1), 0x8000, 0xC000, 0xFFFF)
    first = b"\0" + px * side
    # Filter "Up" for the rest: each row is zeros, which deflate packs ~1000:1.
    rest = b"\2" + bytes(8 * side)
    z = zlib.compressobj(9)
    idat = z.compress(first) + b"".join(z.compress(rest) for _ in range(side - 1)) + z.flush()
    with open(f"{work}/heavy{n}.png", "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 16, 6, 0, 0, 0)))
        f.write(chunk(b"IDAT", idat))
        f.write(chunk(b"IEND", b""))
PY
ls -l "$work"/*.png | awk '{print $5, $9}'

cargo build --release --locked -p media-server -p media-cli >/dev/null 2>&1
bin=target/release
export MEDIA_DATA_DIR="$work/data" MEDIA_ADDR=127.0.0.1:3093 MEDIA_STORAGE_ADDR=127.0.0.1:3094 WORKER_CONCURRENCY=4 JWT_SECRET=heavy-png-benchmark-secret-0123456789
"$bin/media-server" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf localhost:3093/readyz >/dev/null && break; sleep 0.2; done
OP=11111111-1111-4111-8111-111111111111 PH=22222222-2222-4222-8222-222222222222 PR=33333333-3333-4333-8333-333333333333
"$bin/media-cli" directory operator add --id $OP --name Olga >/dev/null
"$bin/media-cli" directory photographer add --id $PH --name Pat >/dev/null
"$bin/media-cli" directory project add --id $PR --name Gala --operator $OP >/dev/null
"$bin/media-cli" directory project assign --project $PR --photographer $PH >/dev/null
TOKEN=$("$bin/media-cli" token --sub $PH --aud backoffice --role photographer)
start=$(date +%s.%N)
for f in "$work"/heavy*.png; do
  t=$(curl -s -X POST localhost:3093/v1/photographers/me/photos/upload-url -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d "{\"projectId\":\"$PR\"}")
  url=$(echo "$t" | python3 -c 'import json,sys; print(json.load(sys.stdin)["uploadUrl"])')
  curl -sf -X PUT --data-binary @"$f" "$url" >/dev/null
done
ready=0
for _ in $(seq 1 600); do
  ready=$(curl -s localhost:3093/v1/photographers/me/projects/$PR/photos -H "Authorization: Bearer $TOKEN" |
    python3 -c 'import json,sys; print(sum(p["status"] in ("ready","failed") for p in json.load(sys.stdin)))')
  [ "$ready" -ge "$count" ] && break
  sleep 1
done
end=$(date +%s.%N)
statuses=$(curl -s localhost:3093/v1/photographers/me/projects/$PR/photos -H "Authorization: Bearer $TOKEN" |
  python3 -c 'import json,sys; print(",".join(sorted(p["status"]+("/"+p["failureReason"] if p["failureReason"] else "") for p in json.load(sys.stdin))))')
hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
echo "{\"count\":$count,\"side\":$side,\"statuses\":\"$statuses\",\"peak_rss_mb\":$((hwm / 1024)),\"seconds\":$(python3 -c "print(round($end-$start,1))")}"
