"""examples/ on the cluster: created with `kubectl create -f`, run by the controller in
Kubernetes mode, they end with the same phase and outputs as in embedded mode (the
table and checks of tests/integration/examples/test_examples.py).

Real: the control plane, `wf node` (pods as local processes), the Kubernetes store and
runtime, the controller loop (a thread of this process, tests/cluster/workflows.py),
and `wf-exec` as a program in every pod writing its WorkflowTaskResult through the API
server with the pod's service account. Every example is created at once and waited for
together (one batch), then checked one by one.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml

from tests.cluster.cluster import ControlPlane
from tests.cluster.workflows import (
    DATA,
    KubeController,
    cluster_store,
    create,
    example,
    get_workflow,
    pod_logs,
    prepare_namespace,
    wait_done,
)
from tests.integration.examples.test_examples import TABLE, nodes
from tests.support.polling import poll
from workflow_engine.controller import operations
from workflow_engine.runtime.kubernetes import KubernetesRuntime, load_api_client
from workflow_engine.runtime.kubernetes_node import NodeAgent
from workflow_engine.store.base import Store

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(900)]  # a batch of workflows


class Env:
    def __init__(self, cluster: ControlPlane, namespace: str, store: Store) -> None:
        self.cluster, self.namespace, self.store = cluster, namespace, store
        self.runtime = KubernetesRuntime(
            load_api_client(str(cluster.kubeconfig)), namespace=namespace
        )


@pytest.fixture(scope="module")
def env(cluster: ControlPlane, node: NodeAgent) -> Iterator[Env]:
    namespace = f"ex-{uuid.uuid4().hex[:8]}"
    cluster.kubectl("create", "namespace", namespace)
    prepare_namespace(cluster, namespace)
    store = cluster_store(cluster)
    environment = Env(cluster, namespace, store)
    with KubeController(cluster, namespace, workers=3):
        yield environment
    environment.runtime.close()
    store.close()
    cluster.kubectl("delete", "namespace", namespace, "--wait=false", check=False)


def _parameters(args: tuple[str, ...]) -> dict[str, str]:
    pairs = [args[i + 1] for i, a in enumerate(args) if a == "-p"]
    return dict(p.split("=", 1) for p in pairs)


# Run alone, after the batch: its deadline counts from the pod's start on the node, and
# in a batch its pod may wait that long for a slot there, or for its `wf-exec` (a Python
# start on this busy machine) to reach its command. The check accepts an empty log (a
# pod killed before its line), so the longer deadline only keeps the run meaningful.
ALONE = "timeout.yaml"
BATCH = sorted(set(TABLE) - {ALONE})


def _batch_document(name: str) -> dict[str, Any]:
    doc = example(name, _parameters(TABLE[name][0]))
    if name == "retry-backoff.yaml":
        # its backoff's maxDuration (1m) counts from the first attempt's start; in a batch
        # on a busy node the three attempts' pods may queue longer than that
        doc["spec"]["templates"][0]["retryStrategy"]["backoff"]["maxDuration"] = "10m"
    return doc


@pytest.fixture(scope="module")
def finished(env: Env) -> dict[str, dict[str, Any]]:
    """Every example of the table but ALONE, created at once, then waited for."""
    names = {ex: create(env.cluster, env.namespace, _batch_document(ex)) for ex in BATCH}
    return {ex: wait_done(env.store, env.namespace, name, 600) for ex, name in names.items()}


@pytest.mark.parametrize("name", BATCH)
def test_example_on_the_cluster(env: Env, finished: dict[str, dict[str, Any]], name: str) -> None:
    _, phase, check = TABLE[name]
    wf = finished[name]
    assert wf["status"]["phase"] == phase, json.dumps(wf["status"], indent=1)[:3000]
    check(wf, pod_logs(env.store, env.runtime, wf))


def test_timeout_example_alone(env: Env) -> None:
    _, phase, check = TABLE[ALONE]
    doc = example(ALONE)
    doc["spec"]["templates"][0]["activeDeadlineSeconds"] = 8  # 1 s in the file: see ALONE
    wf = wait_done(env.store, env.namespace, create(env.cluster, env.namespace, doc))
    assert wf["status"]["phase"] == phase, json.dumps(wf["status"], indent=1)[:3000]
    check(wf, pod_logs(env.store, env.runtime, wf))


def test_suspend_waits_for_resume_on_the_cluster(env: Env) -> None:
    name = create(env.cluster, env.namespace, example("suspend-resume.yaml"))

    def approve_running() -> bool:
        wf = get_workflow(env.store, env.namespace, name)
        if not (wf.get("status") or {}).get("nodes"):
            return False
        return nodes(wf).get("approve", {}).get("phase") == "Running"

    poll(approve_running, 120, "the approval step to suspend", interval=0.2)
    operations.resume(env.store, name, env.namespace, now=datetime.now(UTC))
    wf = wait_done(env.store, env.namespace, name)
    assert wf["status"]["phase"] == "Succeeded"
    assert nodes(wf)["release"]["startedAt"] >= nodes(wf)["delay"]["finishedAt"]


def test_workflow_events_and_pod_owner_references(env: Env, cluster: ControlPlane) -> None:
    name = create(env.cluster, env.namespace, example("hello-world.yaml"))
    wf = wait_done(env.store, env.namespace, name)
    assert wf["status"]["phase"] == "Succeeded"
    pods = json.loads(
        cluster.kubectl(
            "get",
            "pods",
            "-n",
            env.namespace,
            "-l",
            f"workflows.argoproj.io/workflow={name}",
            "-o",
            "json",
        ).stdout
    )["items"]
    (pod,) = pods
    (owner,) = pod["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["uid"]) == ("Workflow", name, wf["metadata"]["uid"])

    def reasons() -> list[str] | None:
        out = cluster.kubectl(
            "get",
            "events",
            "-n",
            env.namespace,
            "--field-selector",
            f"involvedObject.name={name}",
            "-o",
            "json",
        ).stdout
        got = [e["reason"] for e in json.loads(out)["items"]]
        return got if "WorkflowSucceeded" in got else None

    got = poll(reasons, 60, "the WorkflowSucceeded event", interval=0.3)
    assert "WorkflowRunning" in got and "WorkflowNodeSucceeded" in got


def test_pod_spec_patch_reaches_the_pod(env: Env, cluster: ControlPlane) -> None:
    doc = yaml.safe_load((DATA / "pod-spec-patch.yaml").read_text())
    name = create(env.cluster, env.namespace, doc)
    wf = wait_done(env.store, env.namespace, name)
    assert wf["status"]["phase"] == "Succeeded", json.dumps(wf["status"])[:2000]
    (main,) = [n for n in wf["status"]["nodes"].values() if n["type"] == "Pod"]
    assert main["outputs"]["result"] == "by the workflow"
    (pod,) = json.loads(
        cluster.kubectl(
            "get",
            "pods",
            "-n",
            env.namespace,
            "-l",
            f"workflows.argoproj.io/workflow={name}",
            "-o",
            "json",
        ).stdout
    )["items"]
    assert pod["spec"]["activeDeadlineSeconds"] == 120
