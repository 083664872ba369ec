"""podGC, ttlStrategy and the workflow's activeDeadlineSeconds on the cluster: the same
engine decisions as embedded, applied by the controller in Kubernetes mode to real
pods and Workflow objects.

Real: the control plane, `wf node` (pods as local processes), the Kubernetes store and
runtime, the controller loop (a thread of this process, tests/cluster/workflows.py),
and `wf-exec` in every pod.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
import yaml

from tests.cluster.cluster import ControlPlane
from tests.cluster.workflows import (
    DATA,
    KubeController,
    cluster_store,
    create,
    example,
    prepare_namespace,
    wait_done,
)
from tests.support.polling import poll
from workflow_engine.errors import NotFound
from workflow_engine.runtime.kubernetes_node import NodeAgent
from workflow_engine.store.base import Store

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def env(cluster: ControlPlane, node: NodeAgent) -> Iterator[tuple[str, Store]]:
    namespace = f"gc-{uuid.uuid4().hex[:8]}"
    cluster.kubectl("create", "namespace", namespace)
    prepare_namespace(cluster, namespace)
    store = cluster_store(cluster)
    with KubeController(cluster, namespace, workers=2):
        yield namespace, store
    store.close()
    cluster.kubectl("delete", "namespace", namespace, "--wait=false", check=False)


def pods_of(cluster: ControlPlane, namespace: str, workflow: str) -> list[str]:
    out = cluster.kubectl(
        "get",
        "pods",
        "-n",
        namespace,
        "-l",
        f"workflows.argoproj.io/workflow={workflow}",
        "-o",
        "json",
    ).stdout
    return sorted(p["metadata"]["name"] for p in json.loads(out)["items"])


def test_pod_gc_deletes_the_labelled_pod_on_the_cluster(
    cluster: ControlPlane, env: tuple[str, Store]
) -> None:
    namespace, store = env
    name = create(cluster, namespace, example("pod-gc.yaml"))
    wf = wait_done(store, namespace, name)
    assert wf["status"]["phase"] == "Succeeded"

    def only_one_left() -> list[str] | None:
        pods = pods_of(cluster, namespace, name)
        return pods if len(pods) == 1 else None

    left = poll(only_one_left, 60, "the scratch pod to be collected", interval=0.3)
    assert [p.rsplit("-", 1)[0] for p in left] == [f"{name}-keep"]


def test_ttl_deletes_the_workflow_and_its_pods_on_the_cluster(
    cluster: ControlPlane, env: tuple[str, Store]
) -> None:
    namespace, store = env
    name = create(cluster, namespace, example("ttl-strategy.yaml"))
    assert wait_done(store, namespace, name)["status"]["phase"] == "Succeeded"

    def gone() -> bool:
        try:
            store.get("Workflow", name, namespace)
        except NotFound:
            return True
        return False

    poll(gone, 60, "the TTL deletion", interval=0.3)
    poll(lambda: pods_of(cluster, namespace, name) == [], 60, "its pod to go", interval=0.3)


def test_workflow_deadline_stops_its_pod_on_the_cluster(
    cluster: ControlPlane, env: tuple[str, Store]
) -> None:
    namespace, store = env
    doc = yaml.safe_load((DATA / "workflow-deadline.yaml").read_text())
    name = create(cluster, namespace, doc)
    wf = wait_done(store, namespace, name, 120)
    assert wf["status"]["phase"] == "Failed"
    steps = {n["displayName"]: n for n in wf["status"]["nodes"].values()}
    assert steps["slow"]["phase"] == "Failed"
    assert "never" not in steps
    poll(lambda: pods_of(cluster, namespace, name) == [], 60, "the pod to be stopped", 0.3)
