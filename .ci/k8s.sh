#!/usr/bin/env bash
# deploy/k8s validated against the Kubernetes schemas (kubernetes-validate
# from PyPI, pinned; it ships the schemas, no cluster or Go toolchain needed),
# strict: unknown fields are errors.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${XDG_CACHE_HOME:-$HOME/.cache}/media-ci/kubernetes-validate-1.37.0"
if [ ! -x "$venv/bin/kubernetes-validate" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "kubernetes-validate==1.37.0"
fi
"$venv/bin/kubernetes-validate" --strict --quiet deploy/k8s/*.yaml
echo "deploy/k8s: valid"
