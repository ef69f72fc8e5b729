"""deploy/k8s: the overlays render with `kubectl kustomize` (offline), every object validates with
kubernetes-validate --strict against a pinned Kubernetes version, the CloudNativePG Cluster validates
against (an excerpt of) its CRD's openAPIV3Schema, and the properties the deployment relies on hold.
A broken manifest fails each check."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml")
kubernetes_validate = pytest.importorskip("kubernetes_validate")
jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.32.0"  # the oldest Kubernetes the manifests promise to work on
CRD_SCHEMA = Path(__file__).with_name("schemas") / "cnpg-cluster-v1.subset.yaml"
OVERLAYS = ["dev", "prod"]
LABELS = ("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/part-of",
          "app.kubernetes.io/managed-by", "app.kubernetes.io/version", "app.kubernetes.io/component")  # fmt: skip


def render(overlay: str) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        if os.environ.get("MHV_REQUIRE_KUBECTL"):
            pytest.fail("kubectl is required (MHV_REQUIRE_KUBECTL is set) but not on PATH")
        pytest.skip("kubectl (for `kubectl kustomize`) is not installed")
    done = subprocess.run([kubectl, "kustomize", str(K8S / "overlays" / overlay)], capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def problems(docs: list[dict[str, Any]]) -> list[str]:
    """Schema problems: kubernetes-validate (strict: unknown fields rejected) for built-in kinds, the
    CRD's schema (closed) for the CloudNativePG Cluster."""
    found = []
    for doc in docs:
        name = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
        if doc.get("apiVersion") == "postgresql.cnpg.io/v1":
            for err in jsonschema.Draft7Validator(cluster_schema()).iter_errors(doc):
                found.append(f"{name}: {'/'.join(map(str, err.path))}: {err.message}")
            continue
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as err:
            found.append(f"{name}: {'/'.join(map(str, err.path))}: {err.message}")
    return found


def _closed(schema: Any) -> Any:
    if isinstance(schema, dict):
        out = {k: _closed(v) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_closed(v) for v in schema]
    return schema


def cluster_schema() -> dict[str, Any]:
    schema = _closed(yaml.safe_load(CRD_SCHEMA.read_text()))
    schema["properties"]["metadata"] = {"type": "object"}  # metadata is the API server's, not the CRD's
    return schema


def by_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def one(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = by_kind(docs, kind)
    assert len(found) == 1, f"{kind}: {len(found)}"
    return found[0]


def matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return request.param, render(request.param)


def test_every_object_validates(rendered):
    overlay, docs = rendered
    assert problems(docs) == []
    kinds = {d["kind"] for d in docs}
    assert {"Deployment", "Service", "Ingress", "NetworkPolicy", "Cluster", "ServiceAccount"} <= kinds


def test_labels_are_helms_recommended_ones(rendered):
    overlay, docs = rendered
    for doc in docs:
        labels = doc["metadata"].get("labels", {})
        missing = [k for k in LABELS if k not in labels]
        assert not missing, f"{doc['kind']}/{doc['metadata']['name']} lacks {missing}"
        assert labels["app.kubernetes.io/instance"] == f"mhv-{overlay}"
    pod = one(docs, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert all(k in pod for k in LABELS)


def test_deployment_runs_mhv_serve_safely(rendered):
    overlay, docs = rendered
    deploy = one(docs, "Deployment")
    pod = deploy["spec"]["template"]["spec"]
    assert matches(
        deploy["spec"]["selector"]["matchLabels"], deploy["spec"]["template"]["metadata"]["labels"]
    )
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    assert pod["automountServiceAccountToken"] is False
    (server,) = pod["containers"]
    assert server["args"] == ["serve", "--host", "0.0.0.0"]
    assert server["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert server["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert {p["name"]: p["containerPort"] for p in server["ports"]} == {"http": 8787}
    volumes = {v["name"]: v for v in pod["volumes"]}
    for container in [*pod["initContainers"], server]:
        sc = container["securityContext"]
        assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
        assert sc["capabilities"]["drop"] == ["ALL"]
        assert "memory" in container["resources"]["limits"] and container["resources"]["requests"]
        env = {e["name"]: e for e in container["env"]}
        home = env["MHV_HOME"]["value"]
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        assert "emptyDir" in volumes[mounts[home]], "MHV_HOME (and its run/ socket folder) must be writable"
        for secret in ("MHV_GITHUB_SECRET", "MHV_GITLAB_TOKEN", "MHV_WS_TOKEN"):
            assert env[secret]["valueFrom"]["secretKeyRef"]["key"] == secret, secret
        # The database: the operator's -rw Service and app Secret, the password never in the URL.
        cluster = one(docs, "Cluster")["metadata"]["name"]
        assert f"@{cluster}-rw:5432/" in env["MHV_DATABASE_URL"]["value"]
        assert env["PGPASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": f"{cluster}-app", "key": "password"}
        assert "$(PGPASSWORD)" not in env["MHV_DATABASE_URL"]["value"]
    (migrate,) = pod["initContainers"]
    assert migrate["image"] == server["image"] and migrate["args"] == ["db", "upgrade"]
    assert ":" in server["image"] and not server["image"].endswith(":latest")


def test_secrets_the_deployment_names_exist_or_are_documented(rendered):
    overlay, docs = rendered
    names = {e["valueFrom"]["secretKeyRef"]["name"]
             for c in one(docs, "Deployment")["spec"]["template"]["spec"]["containers"]
             for e in c["env"] if "valueFrom" in e}  # fmt: skip
    cluster = one(docs, "Cluster")["metadata"]["name"]
    app_secrets = names - {f"{cluster}-app"}
    if overlay == "dev":  # generated by the overlay, with the hash suffix wired through
        generated = {s["metadata"]["name"]: s for s in by_kind(docs, "Secret")}
        assert app_secrets <= set(generated)
        (secret,) = (generated[n] for n in app_secrets)
        assert set(secret["data"]) == {"MHV_GITHUB_SECRET", "MHV_GITLAB_TOKEN", "MHV_WS_TOKEN"}
    else:  # created out of band, as docs/deploy.md says
        assert by_kind(docs, "Secret") == []
        assert app_secrets == {"mhv-secrets"}
        assert "create secret generic mhv-secrets" in (ROOT / "docs" / "deploy.md").read_text()


def test_service_ingress_and_network_policy_reach_the_pods(rendered):
    overlay, docs = rendered
    pod_labels = one(docs, "Deployment")["spec"]["template"]["metadata"]["labels"]
    service = one(docs, "Service")
    assert matches(service["spec"]["selector"], pod_labels)
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    paths = {(p["path"], p["pathType"]): p["backend"]["service"]
             for rule in one(docs, "Ingress")["spec"]["rules"] for p in rule["http"]["paths"]}  # fmt: skip
    assert set(paths) == {("/webhooks", "Prefix"), ("/ws", "Exact")}
    assert all(b["name"] == service["metadata"]["name"] for b in paths.values())
    policy = one(docs, "NetworkPolicy")
    assert matches(policy["spec"]["podSelector"]["matchLabels"], pod_labels)
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert [p["port"] for rule in policy["spec"]["ingress"] for p in rule["ports"]] == [8787]
    cluster = one(docs, "Cluster")["metadata"]["name"]
    to_db = [rule for rule in policy["spec"]["egress"]
             if any(t.get("podSelector", {}).get("matchLabels") == {"cnpg.io/cluster": cluster} for t in rule["to"])]  # fmt: skip
    assert to_db and to_db[0]["ports"] == [{"port": 5432, "protocol": "TCP"}]


def test_cluster_has_pgvector_and_the_app_database(rendered):
    overlay, docs = rendered
    spec = one(docs, "Cluster")["spec"]
    initdb = spec["bootstrap"]["initdb"]
    assert initdb["database"] == "mhv" and initdb["owner"] == "mhv"
    assert "CREATE EXTENSION IF NOT EXISTS vector" in initdb["postInitApplicationSQL"]
    url = next(e["value"] for e in one(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]["env"]
               if e["name"] == "MHV_DATABASE_URL")  # fmt: skip
    assert url.split("/")[-1].split("?")[0] == initdb["database"]


def test_prod_survives_a_disruption(rendered):
    overlay, docs = rendered
    replicas = one(docs, "Deployment")["spec"]["replicas"]
    pdbs = by_kind(docs, "PodDisruptionBudget")
    if overlay == "dev":
        assert replicas == 1 and pdbs == []
        return
    assert replicas >= 2
    (pdb,) = pdbs
    pod_labels = one(docs, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert matches(pdb["spec"]["selector"]["matchLabels"], pod_labels)
    assert 1 <= pdb["spec"]["minAvailable"] < replicas
    assert one(docs, "Cluster")["spec"]["instances"] >= 3
    assert one(docs, "Ingress")["spec"]["tls"]


# -- a broken manifest fails ------------------------------------------------------------------------------
def _mutate(docs: list[dict[str, Any]], kind: str, change: Any) -> list[dict[str, Any]]:
    out = copy.deepcopy(docs)
    change(one(out, kind))
    return out


BROKEN = {
    "replicas as text": ("Deployment", lambda d: d["spec"].__setitem__("replicas", "three")),
    "unknown field": ("Deployment", lambda d: d["spec"]["template"]["spec"].__setitem__("runAsNonRoot", True)),
    "probe without handler": ("Deployment", lambda d: d["spec"]["template"]["spec"]["containers"][0]
                              .__setitem__("readinessProbe", {"httpGet": {"path": "/readyz"}})),
    "ingress backend without service": ("Ingress", lambda d: d["spec"]["rules"][0]["http"]["paths"][0]
                                        .__setitem__("backend", {"serviceName": "mhv"})),
    "port as list": ("Service", lambda d: d["spec"]["ports"][0].__setitem__("port", [80])),
    "cluster without instances": ("Cluster", lambda d: d["spec"].pop("instances")),
    "cluster instances as text": ("Cluster", lambda d: d["spec"].__setitem__("instances", "3")),
    "cluster zero instances": ("Cluster", lambda d: d["spec"].__setitem__("instances", 0)),
    "cluster unknown field": ("Cluster", lambda d: d["spec"].__setitem__("replicas", 3)),
    "cluster bad quantity": ("Cluster", lambda d: d["spec"]["resources"]["limits"].__setitem__("memory", "lots")),
    "cluster bad strategy": ("Cluster", lambda d: d["spec"].__setitem__("primaryUpdateStrategy", "yolo")),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_manifest_fails_validation(name):
    docs = render("prod")
    kind, change = BROKEN[name]
    assert problems(_mutate(docs, kind, change)), name
