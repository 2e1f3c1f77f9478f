#!/usr/bin/env bash
# deploy/ validated: k8s against the Kubernetes schemas (kubernetes-validate
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

# The alert rules and the dashboard: well-formed, every rule complete (no
# promtool here: it is Go). Which series they read is tests/e2e_metrics.rs's.
"$venv/bin/python" - <<'PY'
import json, yaml
rules = yaml.safe_load(open("deploy/prometheus/alerts.yaml"))
for group in rules["groups"]:
    for r in group["rules"]:
        missing = {"alert", "expr", "for", "labels", "annotations"} - r.keys()
        assert not missing, (r.get("alert"), missing)
        assert r["labels"]["severity"] in ("warning", "critical"), r["alert"]
dash = json.load(open("deploy/grafana/media-service.json"))
assert all(t["expr"] for p in dash["panels"] for t in p.get("targets", []))
print("deploy/prometheus, deploy/grafana: well-formed")
PY
