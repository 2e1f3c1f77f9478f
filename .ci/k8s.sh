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

# The properties the schemas do not check (issue 26): no Secret with values
# in the manifests, the restricted pod security profile, NetworkPolicies
# (metrics only from monitoring, the API only from the ingress), and each
# pod given only the secrets it uses.
"$venv/bin/python" - <<'PY'
import glob, yaml
docs = [d for f in sorted(glob.glob("deploy/k8s/*.yaml")) for d in yaml.safe_load_all(open(f)) if d]
for d in docs:
    assert d["kind"] != "Secret", f"a Secret in the manifests: {d['metadata']['name']} (create it out of band)"
# Which secrets each component may read, and which it must not.
allowed = {
    "migrate": {"DATABASE_URL"},
    "api": {"DATABASE_URL", "R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY", "JWT_SECRET", "STORAGE_WEBHOOK_SECRET"},
    "worker": {"DATABASE_URL", "R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY", "RETINA_URL", "RETINA_API_KEY"},
}
pods = {}
for d in docs:
    if d["kind"] in ("Deployment", "Job"):
        pods[d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"]] = d["spec"]["template"]
assert set(pods) == set(allowed), pods.keys()
for component, t in pods.items():
    spec = t["spec"]
    assert spec.get("automountServiceAccountToken") is False, f"{component}: service-account token mounted"
    psc = spec.get("securityContext", {})
    assert psc.get("runAsNonRoot") is True, f"{component}: runAsNonRoot"
    assert psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{component}: seccomp"
    empty = {v["name"] for v in spec.get("volumes", []) if "emptyDir" in v}
    for c in spec["containers"]:
        sc = c.get("securityContext", {})
        assert sc.get("allowPrivilegeEscalation") is False, f"{component}: privilege escalation"
        assert sc.get("readOnlyRootFilesystem") is True, f"{component}: writable root"
        assert sc.get("capabilities", {}).get("drop") == ["ALL"], f"{component}: capabilities"
        mounts = {m["name"] for m in c.get("volumeMounts", [])}
        assert mounts & empty, f"{component}: no emptyDir for scratch"
        assert not any("secretRef" in e for e in c.get("envFrom", [])), f"{component}: every secret via envFrom"
        keys = {e["valueFrom"]["secretKeyRef"]["key"] for e in c.get("env", []) if "secretKeyRef" in e.get("valueFrom", {})}
        assert keys <= allowed[component], f"{component} reads {keys - allowed[component]}"
policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
def ingress(component):
    rules = [r for p in policies
             if p["spec"]["podSelector"]["matchLabels"].get("app.kubernetes.io/component") == component
             for r in p["spec"].get("ingress", [])]
    assert any(p["spec"]["podSelector"]["matchLabels"].get("app.kubernetes.io/component") == component for p in policies), f"no NetworkPolicy for {component}"
    return {port["port"]: [f["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for f in r["from"]]
            for r in rules for port in r["ports"]}
for component, want in {"api": {8003: ["ingress-nginx"], 9464: ["monitoring"]},
                        "worker": {9464: ["monitoring"]}, "migrate": {}}.items():
    got = ingress(component)
    assert got == want, f"{component}: ingress {got}, want {want}"
print("deploy/k8s: no Secret values, restricted pods, network policies, secrets per role")
PY

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
