"""containerSet on the cluster: the pod gets one container per member, the members'
executors order them (dependencies, retries) through the status volume, and the
workflow ends as it does embedded (tests/integration/examples/test_container_set.py).

Real: the control plane, `wf node` (pods as local processes), the Kubernetes store and
runtime, the controller loop (a thread of this process) and `wf-exec` as a program in
every container, reporting `main`'s outputs through the API server.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.cluster.cluster import REPO_ROOT, ControlPlane
from tests.cluster.workflows import (
    KubeController,
    cluster_store,
    create,
    example,
    pod_logs,
    prepare_namespace,
    wait_done,
)
from workflow_engine.runtime.kubernetes import KubernetesRuntime, load_api_client
from workflow_engine.runtime.kubernetes_node import NodeAgent
from workflow_engine.store.base import Store

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(600)]
FAILING = REPO_ROOT / "tests" / "data" / "container_set" / "dependency-fails.yaml"


@pytest.fixture(scope="module")
def env(cluster: ControlPlane, node: NodeAgent) -> Iterator[tuple[str, Store, KubernetesRuntime]]:
    namespace = f"cset-{uuid.uuid4().hex[:8]}"
    cluster.kubectl("create", "namespace", namespace)
    prepare_namespace(cluster, namespace)
    store = cluster_store(cluster)
    runtime = KubernetesRuntime(load_api_client(str(cluster.kubeconfig)), namespace=namespace)
    with KubeController(cluster, namespace, workers=2):
        yield namespace, store, runtime
    runtime.close()
    store.close()
    cluster.kubectl("delete", "namespace", namespace, "--wait=false", check=False)


def by_display(wf: dict[str, Any]) -> dict[str, Any]:
    return {n["displayName"]: n for n in wf["status"]["nodes"].values()}


def test_container_set_on_the_cluster(
    cluster: ControlPlane, env: tuple[str, Store, KubernetesRuntime]
) -> None:
    namespace, store, runtime = env
    good = create(cluster, namespace, example("container-set.yaml"))
    bad = create(cluster, namespace, dict(yaml.safe_load(FAILING.read_text())))
    wf = wait_done(store, namespace, good, 300)
    assert wf["status"]["phase"] == "Succeeded", json.dumps(wf["status"], indent=1)[:3000]
    nodes = by_display(wf)
    assert {nodes[m]["type"] for m in ("a", "b", "main")} == {"Container"}
    assert {nodes[m]["phase"] for m in ("a", "b", "main")} == {"Succeeded"}
    [param] = nodes[good]["outputs"]["parameters"]
    assert param["value"].splitlines()[2] == "main: built"
    assert nodes[good]["outputs"]["result"] == "3"
    logs = pod_logs(store, runtime, wf)
    assert "b: cache not warm yet" in logs and "retry 1 of 2" in logs

    failed = wait_done(store, namespace, bad, 300)
    assert failed["status"]["phase"] == "Failed"
    nodes = by_display(failed)
    assert (nodes["a"]["phase"], nodes["side"]["phase"]) == ("Failed", "Succeeded")
    assert nodes["main"]["phase"] == "Error"
    assert nodes[bad]["message"] == "Error (exit code 3)"
