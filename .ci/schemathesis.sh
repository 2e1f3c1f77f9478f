#!/usr/bin/env bash
# The OpenAPI document tells the truth: schemathesis (installed here from
# PyPI, pinned) runs every check against the embedded server, once per kind
# of caller on that caller's routes, and must report no failure.
#
#     MEDIA_SERVER=target/debug/media-server MEDIA_CLI=target/debug/media-cli bash .ci/schemathesis.sh
#
# EXAMPLES (default 50) bounds the cases per operation and phase.
set -euo pipefail
server=${MEDIA_SERVER:?path of the media-server binary}
cli=${MEDIA_CLI:?path of the media-cli binary}
examples=${EXAMPLES:-50}
venv="${XDG_CACHE_HOME:-$HOME/.cache}/media-ci/schemathesis-4.32.5"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==4.32.5"
fi

work=$(mktemp -d)
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
api=$(port); store=$(port)
export MEDIA_DATA_DIR="$work" MEDIA_STORAGE_ADDR="127.0.0.1:$store" JWT_SECRET="schemathesis-$(port)-secret-0123456789abcdef"
export STORAGE_WEBHOOK_SECRET="webhook-$(port)-secret"
MEDIA_ADDR="127.0.0.1:$api" "$server" >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$api/readyz" >/dev/null && break; sleep 0.2; done

uid() { python3 -c 'import uuid; print(uuid.uuid4())'; }
user=$(uid); photographer=$(uid); operator=$(uid); project=$(uid)
"$cli" directory operator add --id "$operator" --name Olga >/dev/null
"$cli" directory photographer add --id "$photographer" --name Pat >/dev/null
"$cli" directory project add --id "$project" --name Gala --operator "$operator" >/dev/null
"$cli" directory project assign --project "$project" --photographer "$photographer" >/dev/null
"$cli" directory project join --project "$project" --user "$user" >/dev/null
"$cli" directory consent grant --user "$user" --purpose biometric_processing >/dev/null

failed=0
check() { # caller, token, routes
  echo "schemathesis: $1"
  if ! "$venv/bin/schemathesis" run "http://127.0.0.1:$api/openapi.json" --checks all \
      -H "Authorization: Bearer $2" --include-path-regex "$3" \
      --max-examples "$examples" --seed 1 --no-color >"$work/$1.log" 2>&1; then
    cat "$work/$1.log"
    failed=1
  fi
  tail -n 1 "$work/$1.log"
}
check user "$("$cli" token --sub "$user" --aud media --role user)" '^/v1/(me/|selfie)'
check photographer "$("$cli" token --sub "$photographer" --aud backoffice --role photographer)" '^/v1/(photographers/|photos/)'
check app-photographer "$("$cli" token --sub "$photographer" --aud media --role photographer)" '^/v1/photos/upload-url$'
check operator "$("$cli" token --sub "$operator" --aud backoffice --role operator)" '^/v1/operators/'
check webhook "$STORAGE_WEBHOOK_SECRET" '^/v1/storage/events$'
check operations none '^/(healthz|readyz|metrics|openapi\.json)$'
exit $failed
