#!/usr/bin/env bash
# Refreshes Swagger UI's two files that /docs serves (decision 0030) from the
# swagger-ui-dist package of the npm registry: bash update.sh 5.36.0
# Then change SWAGGER_UI_VERSION in media-server/src/api/docs.rs.
set -euo pipefail
version=${1:?usage: update.sh VERSION}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "swagger-ui-dist@$version" >/dev/null && tar xzf "swagger-ui-dist-$version.tgz")
for f in swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css LICENSE NOTICE; do
  cp "$tmp/package/$f" "$here/$f"
done
echo "swagger-ui-dist $version copied to $here"
