"""`wf gitops sync|diff|status|drift` against the real control plane (tests/cluster).

Real: the API server, controller-manager and scheduler, kubectl (kustomize and the
manual changes that make drift), a git repository on disk, and a loopback HTTP server
that receives the drift webhook. Pods run as local processes of the `node` fixture.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from cli.main import cli
from tests.cluster.cluster import ControlPlane
from tests.cluster.kube import get
from workflow_engine.gitops.render import ENV_LABEL, MANAGED_BY, REVISION
from workflow_engine.runtime.kubernetes_node import NodeAgent

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).parents[2]
REPO = ROOT / "tests" / "data" / "gitops" / "repo"
DRIFT_CRON = ROOT / "examples" / "gitops" / "drift-cron.yaml"
SYNC_ENV = ROOT / "examples" / "gitops" / "sync-env.yaml"


def _git(repo: Path, *args: str) -> str:
    argv = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    return subprocess.run([*argv, *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "config"
    shutil.copytree(REPO, path)
    _git(path, "init", "-q", "-b", "main")
    _git(path, "add", "-A")
    _git(path, "commit", "-q", "-m", "web v1")
    return path


def _head(repo: Path) -> str:
    return _git(repo, "rev-parse", "HEAD").strip()


def wf(cluster: ControlPlane, namespace: str, *args: str) -> Result:
    base = ["--debug", "--kubeconfig", str(cluster.kubeconfig), "-n", namespace, "gitops"]
    return CliRunner().invoke(cli, [*base, *args])


class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]]

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []
    handler = type("Hook", (_Hook,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/drift", received
    server.shutdown()
    thread.join(10)
    server.server_close()


def _fill(text: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    return text


def _run_step(
    cluster: ControlPlane, namespace: str, argv: list[str]
) -> subprocess.CompletedProcess[str]:
    """Run a template's command line with the real `wf` (this checkout's) on PATH and
    the test cluster as the pod's cluster."""
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
        "KUBECONFIG": str(cluster.kubeconfig),
        "WF_NAMESPACE": namespace,
    }
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120, check=False)


def _templates(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text())
    spec = doc["spec"].get("workflowSpec") or doc["spec"]
    return {t["name"]: t for t in spec["templates"]}


def _drift_cron_step(
    cluster: ControlPlane, namespace: str, repo: Path, webhook: str
) -> subprocess.CompletedProcess[str]:
    """The shell step of the example's `drift` template, its parameters filled in."""
    (script,) = _templates(DRIFT_CRON)["drift"]["container"]["args"]
    values = {
        "inputs.parameters.env": "dev",
        "workflow.parameters.repo": f"file://{repo}",
        "workflow.parameters.webhook": webhook,
        "workflow.parameters.heal": "true",
        "workflow.parameters.namespace": namespace,
        "workflow.parameters.kubeconfig": str(cluster.kubeconfig),
    }
    return _run_step(cluster, namespace, ["sh", "-c", _fill(script, values)])


def _sync_env_step(
    cluster: ControlPlane, namespace: str, repo: Path
) -> subprocess.CompletedProcess[str]:
    """The `sync` step of examples/gitops/sync-env.yaml, its parameters filled in."""
    container = _templates(SYNC_ENV)["sync"]["container"]
    values = {
        "inputs.parameters.env": "dev",
        "inputs.parameters.repo": f"file://{repo}",
        "inputs.parameters.revision": "HEAD",
        "inputs.parameters.timeout": "60s",
        "inputs.parameters.kubeconfig": "",  # the step's $KUBECONFIG
    }
    argv = [_fill(a, values) for a in [*container["command"], *container["args"]]]
    return _run_step(cluster, namespace, argv)


def _json(result: Result) -> dict[str, Any]:
    assert result.exit_code in (0, 1), result.output
    return dict(json.loads(result.stdout))


def test_sync_noop_drift_heal_and_prune(
    cluster: ControlPlane,
    node: NodeAgent,
    namespace: str,
    repo: Path,
    webhook: tuple[str, list[dict[str, Any]]],
) -> None:
    cluster.kubectl("create", "configmap", "manual", "-n", namespace, "--from-literal=a=b")
    dry = _json(
        wf(cluster, namespace, "sync", "dev", "--dir", str(repo), "--dry-run", "-o", "json")
    )
    assert sorted((d["object"], d["action"]) for d in dry["diff"]) == [
        (f"ConfigMap/{namespace}/web-config", "added"),
        (f"Deployment/{namespace}/web", "added"),
    ]
    assert dry["applied"] == [] and dry["healthy"] is None
    assert get(cluster, namespace, "deployments")["items"] == []
    first = wf(cluster, namespace, "sync", "dev", "--dir", str(repo), "--timeout", "60s")
    assert first.exit_code == 0, first.output
    deployment = get(cluster, namespace, "deployment", "web")
    assert deployment["metadata"]["labels"][MANAGED_BY] == "wf-gitops"
    assert deployment["metadata"]["labels"][ENV_LABEL] == "dev"
    assert deployment["metadata"]["annotations"][REVISION] == _head(repo)
    assert deployment["status"]["availableReplicas"] == 1

    again = _json(wf(cluster, namespace, "sync", "dev", "--dir", str(repo), "-o", "json"))
    assert again["applied"] == [] and again["pruned"] == [] and again["diff"] == []

    # a manual scale is drift: reported to the webhook and as an Event, exit 1
    cluster.kubectl("scale", "-n", namespace, "deployment/web", "--replicas=3")
    shown = wf(cluster, namespace, "diff", "dev", "--dir", str(repo), "--exit-code")
    assert shown.exit_code == 1, shown.output
    assert shown.stdout.splitlines() == [
        f"~ Deployment/{namespace}/web (changed)",
        "    spec.replicas: 3 -> 1",
    ]
    url, received = webhook
    found = wf(cluster, namespace, "drift", "dev", "--dir", str(repo), "--webhook", url)
    assert found.exit_code == 1, found.output
    (posted,) = received
    assert posted["env"] == "dev" and posted["drifted"] is True
    (changed,) = posted["objects"]
    assert changed["object"] == f"Deployment/{namespace}/web"
    assert "spec.replicas: 3 -> 1" in changed["changes"]
    events = get(cluster, namespace, "events", "--field-selector", "reason=GitOpsDrift")
    assert [e["involvedObject"]["name"] for e in events["items"]] == ["web"]

    # a manual env change, healed by the drift agent's step (examples/gitops/drift-cron.yaml)
    cluster.kubectl("set", "env", "-n", namespace, "deployment/web", "VERSION=tampered")
    healed = _drift_cron_step(cluster, namespace, repo, url)
    assert healed.returncode == 0, healed.stdout + healed.stderr
    assert "healed" in healed.stdout
    assert received[1]["objects"][0]["changes"] == [
        "spec.replicas: 3 -> 1",
        'spec.template.spec.containers[0].env[0].value: "tampered" -> "1"',
    ]
    spec = get(cluster, namespace, "deployment", "web")["spec"]
    assert spec["replicas"] == 1
    assert spec["template"]["spec"]["containers"][0]["env"] == [{"name": "VERSION", "value": "1"}]

    # an object removed from git is pruned; the unlabelled ConfigMap stays
    (repo / "apps/web/base/configmap.yaml").unlink()
    (repo / "apps/web/base/kustomization.yaml").write_text("resources: [deployment.yaml]\n")
    _git(repo, "commit", "-qam", "drop web-config")
    pruned = _sync_env_step(cluster, namespace, repo)  # examples/gitops/sync-env.yaml
    assert pruned.returncode == 0, pruned.stdout + pruned.stderr
    assert f"pruned ConfigMap/{namespace}/web-config" in pruned.stdout.splitlines()
    names = {c["metadata"]["name"] for c in get(cluster, namespace, "configmaps")["items"]}
    assert "web-config" not in names and "manual" in names

    st = _json(wf(cluster, namespace, "status", "dev", "--dir", str(repo), "-o", "json"))
    assert (st["sync"], st["health"]) == ("Synced", "Healthy")
    assert st["revision"]["live"] == [_head(repo)]
    every = wf(cluster, namespace, "status", "--dir", str(repo), "-o", "json")
    assert every.exit_code == 0, every.output
    assert [(s["env"], s["sync"], s["health"]) for s in json.loads(every.stdout)] == [
        ("dev", "Synced", "Healthy"),
        ("staging", "OutOfSync", "Missing"),  # never synced
    ]


def test_unhealthy_rollout_times_out_with_a_report(
    cluster: ControlPlane, node: NodeAgent, namespace: str, repo: Path
) -> None:
    # A container that exits at once looks Ready for a moment after each start;
    # minReadySeconds is how a Deployment says how long Ready must last to count.
    deployment = repo / "apps/web/base/deployment.yaml"
    text = deployment.read_text().replace("exec sleep 3600", "exit 3")
    deployment.write_text(text.replace("  replicas: 1\n", "  replicas: 1\n  minReadySeconds: 5\n"))
    _git(repo, "commit", "-qam", "a release that crashes")
    result = wf(cluster, namespace, "sync", "dev", "--dir", str(repo), "--timeout", "8s")
    assert result.exit_code == 1, result.output
    assert "timed out waiting for health" in result.stderr
    assert f"Deployment/{namespace}/web: Progressing: " in result.stderr


def test_an_invalid_manifest_is_refused_before_anything_is_applied(
    cluster: ControlPlane, namespace: str, repo: Path
) -> None:
    bad = repo / "apps/web/envs/dev/zz-bad.yaml"
    bad.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n")
    kustomization = repo / "apps/web/envs/dev/kustomization.yaml"
    kustomization.write_text("resources: [../../base, zz-bad.yaml]\n")
    result = wf(cluster, namespace, "sync", "dev", "--dir", str(repo))
    assert result.exit_code == 2, result.output
    assert f"ConfigMap/{namespace}/Bad_Name: " in result.stderr
    assert get(cluster, namespace, "deployments,configmaps", "-l", MANAGED_BY)["items"] == []


def test_sync_creates_the_namespaces_objects_name_and_never_owns_them(
    cluster: ControlPlane, namespace: str, repo: Path
) -> None:
    target = f"{namespace}-staging"
    manifest = repo / "apps/web/envs/staging/configmap.yaml"
    manifest.write_text(
        manifest.read_text().replace(
            "name: staging-only", f"name: staging-only\n  namespace: {target}"
        )
    )
    try:
        args = ("sync", "staging", "--dir", str(repo), "-o", "json")
        refused = wf(cluster, namespace, *args, "--no-create-namespace")
        assert refused.exit_code == 1, refused.output
        assert f'namespaces "{target}" not found' in refused.stderr
        result = wf(cluster, namespace, *args)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["applied"] == [f"ConfigMap/{target}/staging-only"]
        made = get(cluster, target, "namespace", target)
        assert MANAGED_BY not in (made["metadata"].get("labels") or {})
        # an environment with selfHeal: true is healed by `drift` without --heal
        cluster.kubectl(
            "patch",
            "configmap",
            "staging-only",
            "-n",
            target,
            "--type=merge",
            "-p",
            '{"data": {"tier": "changed by hand"}}',
        )
        config = repo / "gitops.yaml"
        config.write_text(
            config.read_text().replace("requires: dev", "requires: dev\n    selfHeal: true")
        )
        healed = wf(cluster, namespace, "drift", "staging", "--dir", str(repo), "--no-event")
        assert healed.exit_code == 0, healed.output
        assert healed.stdout.splitlines()[-1] == "healed"
        assert get(cluster, target, "configmap", "staging-only")["data"] == {"tier": "staging"}
    finally:
        cluster.kubectl("delete", "namespace", target, "--wait=false", check=False)


def test_a_crd_and_its_custom_resources_in_one_sync(
    cluster: ControlPlane, namespace: str, repo: Path
) -> None:
    group = f"{namespace}.example.test"
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                }
            ],
        },
    }
    widget = {"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": "w"}, "size": 3}
    staging = repo / "apps/web/envs/staging"
    (staging / "crd.yaml").write_text(yaml.safe_dump(crd))
    (staging / "widget.yaml").write_text(yaml.safe_dump(widget))
    try:
        args = ("sync", "staging", "--dir", str(repo), "--timeout", "30s", "-o", "json")
        result = wf(cluster, namespace, *args)
        assert result.exit_code == 0, result.output
        assert get(cluster, namespace, f"widgets.{group}", "w")["size"] == 3
        assert _json(wf(cluster, namespace, *args))["applied"] == []  # and now in sync
    finally:
        cluster.kubectl("delete", "crd", f"widgets.{group}", "--wait=false", check=False)
