"""The test control plane itself works (tests/cluster): API server health, CRDs and
custom resources, optimistic concurrency (409 on a stale resourceVersion), plain
object round-trips, and the controller-manager and scheduler doing their jobs.
Later Kubernetes Store/Runtime tests rely on each of these behaviours.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cluster.cluster import ControlPlane
from tests.cluster.procs import wait_until

pytestmark = pytest.mark.cluster

DATA = Path(__file__).resolve().parents[1] / "data" / "cluster"
WAIT = 60.0  # seconds: controllers on a loaded 2-core machine can be slow


def _get_json(cluster: ControlPlane, *args: str) -> dict[str, Any]:
    return json.loads(cluster.kubectl("get", *args, "-o", "json").stdout)


@pytest.fixture(scope="module")
def widget_crd(cluster: ControlPlane) -> str:
    cluster.kubectl("apply", "-f", str(DATA / "widget-crd.yaml"))
    cluster.kubectl(
        "wait", "--for=condition=Established", "crd/widgets.wf.test", f"--timeout={WAIT:.0f}s"
    )
    return "widgets.wf.test"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("/readyz", "ok", id="readyz"),
        pytest.param("/livez", "ok", id="livez"),
        pytest.param("/readyz?verbose", "[+]etcd ok", id="readyz-sees-etcd"),
    ],
)
def test_api_server_health(cluster: ControlPlane, path: str, expected: str) -> None:
    status, body = cluster.request("GET", path)
    assert status == 200
    assert expected in str(body)


def test_kubectl_reports_the_pinned_server_version(cluster: ControlPlane) -> None:
    out = json.loads(cluster.kubectl("version", "-o", "json").stdout)
    assert out["serverVersion"]["gitVersion"].startswith("v1.")
    assert out["serverVersion"]["minor"].isdigit()


def test_custom_resource_applies_and_reads_back(
    cluster: ControlPlane, widget_crd: str, namespace: str
) -> None:
    cluster.kubectl("apply", "-n", namespace, "-f", str(DATA / "widget.yaml"))
    widget = _get_json(cluster, "-n", namespace, "widget", "blue-widget")
    assert widget["kind"] == "Widget"
    assert widget["spec"] == {"size": 3, "colour": "blue"}


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        pytest.param({"colour": "red"}, "spec.size: Required value", id="missing-required"),
        pytest.param({"size": 0}, "spec.size: Invalid value", id="below-minimum"),
        pytest.param({"size": "big"}, "spec.size: Invalid value", id="wrong-type"),
    ],
)
def test_custom_resource_schema_is_enforced(
    cluster: ControlPlane, widget_crd: str, namespace: str, spec: dict[str, Any], error: str
) -> None:
    doc = {"apiVersion": "wf.test/v1", "kind": "Widget", "metadata": {"name": "bad"}, "spec": spec}
    result = cluster.kubectl(
        "apply", "-n", namespace, "-f", "-", input=json.dumps(doc), check=False
    )
    assert result.returncode != 0
    assert error in result.stderr


@pytest.mark.parametrize(
    ("collection", "body"),
    [
        pytest.param(
            "/api/v1/namespaces/{ns}/configmaps",
            {"apiVersion": "v1", "kind": "ConfigMap", "data": {"k": "v0"}},
            id="configmap",
        ),
        pytest.param(
            "/apis/wf.test/v1/namespaces/{ns}/widgets",
            {"apiVersion": "wf.test/v1", "kind": "Widget", "spec": {"size": 1}},
            id="custom-resource",
        ),
    ],
)
def test_update_with_stale_resource_version_is_409(
    cluster: ControlPlane, widget_crd: str, namespace: str, collection: str, body: dict[str, Any]
) -> None:
    url = collection.format(ns=namespace)
    status, created = cluster.request("POST", url, {**body, "metadata": {"name": "obj"}})
    assert status == 201, created
    stale = created["metadata"]["resourceVersion"]

    first = {**created, "metadata": {**created["metadata"], "labels": {"edit": "1"}}}
    status, updated = cluster.request("PUT", f"{url}/obj", first)
    assert status == 200, updated
    assert updated["metadata"]["resourceVersion"] != stale

    second = {**created, "metadata": {**created["metadata"], "labels": {"edit": "2"}}}
    status, conflict = cluster.request("PUT", f"{url}/obj", second)
    assert status == 409
    assert conflict["reason"] == "Conflict"
    _, current = cluster.request("GET", f"{url}/obj")
    assert current["metadata"]["labels"] == {"edit": "1"}


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"greeting": "hello"}, id="plain"),
        pytest.param({"script": "#!/bin/sh\necho 'a b'\n", "empty": ""}, id="multiline-and-empty"),
        pytest.param({"unicode": "Grüße, 世界 ✓"}, id="unicode"),
    ],
)
def test_namespace_and_configmap_round_trip(
    cluster: ControlPlane, namespace: str, data: dict[str, str]
) -> None:
    assert _get_json(cluster, "namespace", namespace)["status"]["phase"] == "Active"
    doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}, "data": data}
    cluster.kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(doc))
    assert _get_json(cluster, "-n", namespace, "configmap", "cm")["data"] == data


def test_controller_manager_publishes_root_ca_and_default_service_account(
    cluster: ControlPlane, namespace: str
) -> None:
    def present() -> bool:
        ca = cluster.kubectl("get", "-n", namespace, "configmap", "kube-root-ca.crt", check=False)
        sa = cluster.kubectl("get", "-n", namespace, "serviceaccount", "default", check=False)
        return ca.returncode == 0 and sa.returncode == 0

    wait_until("kube-root-ca.crt and the default ServiceAccount", present, WAIT, interval=0.5)
    published = _get_json(cluster, "-n", namespace, "configmap", "kube-root-ca.crt")
    assert published["data"]["ca.crt"] == cluster.ca_cert.read_text()


def test_deployment_gets_replicaset_and_unscheduled_pods(
    cluster: ControlPlane, namespace: str
) -> None:
    cluster.kubectl("apply", "-n", namespace, "-f", str(DATA / "deployment.yaml"))

    def pods_unschedulable() -> bool:
        pods = _get_json(cluster, "-n", namespace, "pods", "-l", "app=sleeper")["items"]
        return len(pods) == 2 and all(
            any(
                c["type"] == "PodScheduled" and c["status"] == "False"
                for c in p["status"].get("conditions", [])
            )
            for p in pods
        )

    wait_until("2 pods marked unschedulable", pods_unschedulable, WAIT, interval=0.5)
    replicasets = _get_json(cluster, "-n", namespace, "replicasets", "-l", "app=sleeper")["items"]
    assert len(replicasets) == 1
    assert replicasets[0]["metadata"]["ownerReferences"][0]["kind"] == "Deployment"
    for pod in _get_json(cluster, "-n", namespace, "pods", "-l", "app=sleeper")["items"]:
        assert pod["status"]["phase"] == "Pending"
        assert "nodeName" not in pod["spec"]
        scheduled = next(c for c in pod["status"]["conditions"] if c["type"] == "PodScheduled")
        assert scheduled["reason"] == "Unschedulable"
        assert pod["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet"
