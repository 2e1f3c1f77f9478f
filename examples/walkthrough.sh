#!/usr/bin/env bash
# The README walkthrough as a script: from a fresh data folder to a processed,
# listed photo. CI runs it (.ci/run). Needs curl and python3.
#
#   bash examples/walkthrough.sh
#
# MEDIA_SERVER / MEDIA_CLI may name built binaries; otherwise cargo runs them.
set -euo pipefail
cd "$(dirname "$0")/.."

SERVER=${MEDIA_SERVER:-"cargo run -q -p media-server --"}
CLI=${MEDIA_CLI:-"cargo run -q -p media-cli --"}
work=$(mktemp -d)
export MEDIA_DATA_DIR="$work/data" MEDIA_ADDR=127.0.0.1:3013 MEDIA_STORAGE_ADDR=127.0.0.1:3014
BASE=http://127.0.0.1:3013

# 1. The server on embedded defaults (SQLite, in-process S3 store, dev JWT secret).
$SERVER > "$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do curl -fs $BASE/readyz >/dev/null 2>&1 && break; sleep 0.5; done
curl -fs $BASE/readyz

# 2. The directory: an operator, a photographer, a project.
OPERATOR=11111111-1111-4111-8111-111111111111
PHOTOGRAPHER=22222222-2222-4222-8222-222222222222
PROJECT=33333333-3333-4333-8333-333333333333
$CLI directory operator add --id $OPERATOR --name "Olga"
$CLI directory photographer add --id $PHOTOGRAPHER --name "Pat"
$CLI directory project add --id $PROJECT --name "Summer gala" --operator $OPERATOR
$CLI directory project assign --project $PROJECT --photographer $PHOTOGRAPHER

# 3. A photographer's token.
TOKEN=$($CLI token --sub $PHOTOGRAPHER --aud backoffice --role photographer)

# 4. An upload URL, then the PUT straight to the store.
PHOTO=examples/walkthrough-photo.jpg
TICKET=$(curl -fs -X POST $BASE/v1/photographers/me/photos/upload-url \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d "{\"projectId\":\"$PROJECT\",\"contentType\":\"image/jpeg\",\"contentLength\":$(wc -c < "$PHOTO")}")
echo "$TICKET"
UPLOAD_URL=$(echo "$TICKET" | python3 -c 'import json,sys; print(json.load(sys.stdin)["uploadUrl"])')
PHOTO_ID=$(echo "$TICKET" | python3 -c 'import json,sys; print(json.load(sys.stdin)["photoId"])')
curl -fs -X PUT -H 'Content-Type: image/jpeg' --data-binary @"$PHOTO" "$UPLOAD_URL"

# 5. Confirm (the embedded store has already reported the upload; this is harmless).
curl -fs -X POST $BASE/v1/photos/$PHOTO_ID/complete -H "Authorization: Bearer $TOKEN"; echo

# 6. The listing, once processed.
for _ in $(seq 1 60); do
  LIST=$(curl -fs $BASE/v1/photographers/me/projects/$PROJECT/photos -H "Authorization: Bearer $TOKEN")
  echo "$LIST" | grep -q '"status":"ready"' && break
  sleep 0.5
done
echo "$LIST" | python3 -m json.tool
THUMB=$(echo "$LIST" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["thumbnailUrl"])')
curl -fs -o "$work/thumb.jpg" "$THUMB"
echo "walkthrough: ok (thumbnail $(wc -c < "$work/thumb.jpg") bytes)"
