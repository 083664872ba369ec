"""The controller on the cluster runs CronWorkflow objects and lints what kubectl
applied.

Real: the control plane, `wf node`, the Kubernetes store and runtime, and the
controller loop (`KubeController`, in a thread) with its cron loop. A CronWorkflow on
`@every 2s` fires on its own and its child succeeds (waited for by polling with a
deadline, never a sleep); a Workflow that passes the CRD schema but fails lint ends
Error with every lint message, and no pod is created for it.
"""

from __future__ import annotations

import json

import pytest
import yaml

from tests.cluster.cluster import ControlPlane
from tests.cluster.workflows import (
    DATA,
    KubeController,
    cluster_store,
    create,
    prepare_namespace,
    wait_done,
)
from tests.support.polling import poll
from workflow_engine.controller.kube_lint import LINT_PREFIX
from workflow_engine.cron import CRON_LABEL
from workflow_engine.runtime.kubernetes_node import NodeAgent

pytestmark = pytest.mark.cluster
LINT_ERRORS = [
    'spec.templates[0].steps[0][0].template: unknown template "nope"',
    'spec.templates[1].dag.tasks[1].depends: unknown task "ghost"',
    'spec.templates[1].dag.tasks[2].templateRef.name: unknown WorkflowTemplate "missing-template"',
]


@pytest.fixture
def kube_ns(cluster: ControlPlane, node: NodeAgent, namespace: str) -> str:
    prepare_namespace(cluster, namespace)
    return namespace


def load(name: str) -> dict:
    return dict(yaml.safe_load((DATA / name).read_text()))


def pods(cluster: ControlPlane, namespace: str) -> list[str]:
    out = cluster.kubectl("get", "pods", "-n", namespace, "-o", "json").stdout
    return [p["metadata"]["name"] for p in json.loads(out)["items"]]


@pytest.mark.timeout(300)
def test_a_cron_workflow_fires_on_the_cluster(cluster: ControlPlane, kube_ns: str) -> None:
    store = cluster_store(cluster)
    try:
        with KubeController(cluster, kube_ns, cron_resync=1.0):
            create(cluster, kube_ns, load("cron-fast.yaml"))

            def child_done() -> dict | None:
                children = store.list("Workflow", kube_ns, {CRON_LABEL: "every-two-seconds"})
                for child in children.items:
                    name = child["metadata"]["name"]
                    return wait_done(store, kube_ns, name, 120)
                return None

            child = poll(child_done, 120, "a child of the CronWorkflow", interval=0.3)

            def counted() -> dict | None:
                cron = store.get("CronWorkflow", "every-two-seconds", kube_ns)
                return cron if (cron.get("status") or {}).get("succeeded") else None

            cron = poll(counted, 60, "the CronWorkflow to count a success", interval=0.3)
    finally:
        store.close()
    assert child["status"]["phase"] == "Succeeded"
    assert child["metadata"]["name"].startswith("every-two-seconds-")
    owners = child["metadata"].get("ownerReferences") or []
    assert [o["name"] for o in owners] == ["every-two-seconds"]
    assert cron["status"]["lastScheduledTime"]
    assert cron["status"]["succeeded"] >= 1


@pytest.mark.timeout(300)
def test_a_workflow_failing_lint_ends_error_with_every_message(
    cluster: ControlPlane, kube_ns: str
) -> None:
    store = cluster_store(cluster)
    try:
        with KubeController(cluster, kube_ns):
            name = create(cluster, kube_ns, load("lint-errors.yaml"))  # the schema takes it
            finished = wait_done(store, kube_ns, name, 120)
    finally:
        store.close()
    assert finished["status"]["phase"] == "Error"
    assert finished["status"]["message"] == LINT_PREFIX + "; ".join(LINT_ERRORS)
    assert pods(cluster, kube_ns) == []
    column = cluster.kubectl("get", "wf", name, "-n", kube_ns).stdout
    assert "Error" in column and "unknown template" in column
