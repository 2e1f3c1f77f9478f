#!/usr/bin/env bash
# The README walkthrough as a script: from a fresh data folder, with no face
# service, to a guest finding the photo they are in. CI runs it (.ci/run).
# Needs curl and python3.
#
#   bash examples/walkthrough.sh
#
# MEDIA_SERVER / MEDIA_CLI may name built binaries; otherwise cargo runs them.
# The photos are face-api's demo photos (MIT, examples/LICENSE-face-api).
set -euo pipefail
cd "$(dirname "$0")/.."

SERVER=${MEDIA_SERVER:-"cargo run -q -p media-server --"}
CLI=${MEDIA_CLI:-"cargo run -q -p media-cli --"}
work=$(mktemp -d)
export MEDIA_DATA_DIR="$work/data" MEDIA_ADDR=127.0.0.1:3013 MEDIA_STORAGE_ADDR=127.0.0.1:3014
unset RETINA_URL FACE_ENGINE # the built-in face engine: no face service anywhere
BASE=http://127.0.0.1:3013
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

# 1. The server on embedded defaults (SQLite, in-process S3 store, dev JWT
#    secret, the built-in face engine).
$SERVER > "$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do curl -fs $BASE/readyz >/dev/null 2>&1 && break; sleep 0.5; done
curl -fs $BASE/readyz

# 2. The directory: an operator, a photographer, a project, and a guest who
#    joined it and consented to biometric processing.
OPERATOR=11111111-1111-4111-8111-111111111111
PHOTOGRAPHER=22222222-2222-4222-8222-222222222222
PROJECT=33333333-3333-4333-8333-333333333333
GUEST=44444444-4444-4444-8444-444444444444
$CLI directory operator add --id $OPERATOR --name "Olga"
$CLI directory photographer add --id $PHOTOGRAPHER --name "Pat"
$CLI directory project add --id $PROJECT --name "Summer gala" --operator $OPERATOR
$CLI directory project assign --project $PROJECT --photographer $PHOTOGRAPHER
$CLI directory project join --project $PROJECT --user $GUEST
$CLI directory consent grant --user $GUEST --purpose biometric_processing

# 3. Tokens: the photographer's and the guest's.
TOKEN=$($CLI token --sub $PHOTOGRAPHER --aud backoffice --role photographer)
GUEST_TOKEN=$($CLI token --sub $GUEST --aud media --role user)

# 4. Two photos: an upload URL each, the PUT straight to the store, a
#    confirmation (the embedded store has reported the PUT already).
upload() {
  local ticket
  ticket=$(curl -fs -X POST $BASE/v1/photographers/me/photos/upload-url \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"projectId\":\"$PROJECT\",\"contentType\":\"image/jpeg\",\"contentLength\":$(wc -c < "$1")}")
  curl -fs -X PUT -H 'Content-Type: image/jpeg' --data-binary @"$1" "$(echo "$ticket" | json '["uploadUrl"]')"
  local id; id=$(echo "$ticket" | json '["photoId"]')
  curl -fs -X POST $BASE/v1/photos/$id/complete -H "Authorization: Bearer $TOKEN" >/dev/null
  echo "$id"
}
WITH_GUEST=$(upload examples/walkthrough-person.jpg)  # the guest is on the right
WITHOUT=$(upload examples/walkthrough-others.jpg)     # four other people
echo "photos: $WITH_GUEST (the guest), $WITHOUT (others)"

# 5. The listing, once both are processed (thumbnails, watermark, faces).
for _ in $(seq 1 240); do
  LIST=$(curl -fs $BASE/v1/photographers/me/projects/$PROJECT/photos -H "Authorization: Bearer $TOKEN")
  [ "$(echo "$LIST" | grep -o '"status":"ready"' | wc -l)" -eq 2 ] && break
  sleep 0.5
done
echo "$LIST" | python3 -m json.tool
THUMB=$(echo "$LIST" | json '[0]["thumbnailUrl"]')
curl -fs -o "$work/thumb.jpg" "$THUMB"

# 6. The guest's selfie: their face cropped from the photo, mirrored and
#    brighter (made once; README says how), uploaded the same way.
SELFIE=examples/walkthrough-selfie.jpg
TICKET=$(curl -fs -X POST $BASE/v1/selfie/upload-url -H "Authorization: Bearer $GUEST_TOKEN" \
  -H 'Content-Type: application/json' -d '{}')
curl -fs -X PUT -H 'Content-Type: image/jpeg' --data-binary @"$SELFIE" "$(echo "$TICKET" | json '["uploadUrl"]')"
SELFIE_ID=$(echo "$TICKET" | json '["selfieId"]')
curl -fs -X POST $BASE/v1/selfie/$SELFIE_ID/complete -H "Authorization: Bearer $GUEST_TOKEN" >/dev/null
for _ in $(seq 1 120); do
  STATUS=$(curl -fs $BASE/v1/selfie -H "Authorization: Bearer $GUEST_TOKEN" | json '["status"]')
  [ "$STATUS" != processing ] && [ "$STATUS" != awaiting_upload ] && break
  sleep 0.5
done
curl -fs $BASE/v1/selfie -H "Authorization: Bearer $GUEST_TOKEN"; echo
[ "$STATUS" = approved ]

# 7. My photos: the guest finds the photo they are in, and only that one.
for _ in $(seq 1 60); do
  MINE=$(curl -fs $BASE/v1/me/projects/$PROJECT/photos -H "Authorization: Bearer $GUEST_TOKEN")
  [ "$MINE" != "[]" ] && break
  sleep 0.5
done
echo "$MINE" | python3 -m json.tool
FOUND=$(echo "$MINE" | python3 -c 'import json,sys; print(" ".join(p["photoId"] for p in json.load(sys.stdin)))')
[ "$FOUND" = "$WITH_GUEST" ] || { echo "my-photos: expected $WITH_GUEST, got '$FOUND'"; tail -20 "$work/server.log"; exit 1; }
echo "walkthrough: ok (thumbnail $(wc -c < "$work/thumb.jpg") bytes; the guest found photo $FOUND)"
