"""The controller as a Deployment on the cluster, with in-cluster configuration.

Real: the control plane, `wf node` (the controller's pod and the workflow's pods run
as its local processes), the controller-manager's Deployment and ReplicaSet
controllers. The controller pod talks to the API server with its service account
(Role in tests/data/cluster/kube/controller-deployment.yaml); no kubeconfig anywhere.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.cluster.cluster import REPO_ROOT, ControlPlane
from tests.cluster.workflows import (
    DATA,
    cluster_store,
    create,
    example,
    prepare_namespace,
    wait_done,
)
from workflow_engine.runtime.kubernetes_node import NodeAgent

pytestmark = pytest.mark.cluster


def test_controller_deployment_runs_a_workflow(
    cluster: ControlPlane, node: NodeAgent, namespace: str
) -> None:
    prepare_namespace(cluster, namespace)
    bin_dir = str(Path(sys.executable).parent)
    manifest = (DATA / "controller-deployment.yaml").read_text().replace("WF_BIN", bin_dir)
    manifest = manifest.replace("WF_REPO", str(REPO_ROOT))
    cluster.kubectl("apply", "-n", namespace, "-f", "-", input=manifest)
    name = create(cluster, namespace, example("steps.yaml"))
    store = cluster_store(cluster)
    try:
        wf = wait_done(store, namespace, name, 240)
    finally:
        store.close()
    assert wf["status"]["phase"] == "Succeeded", json.dumps(wf["status"])[:2000]
    pods = json.loads(
        cluster.kubectl(
            "get", "pods", "-n", namespace, "-l", "app=wf-controller", "-o", "json"
        ).stdout
    )["items"]
    assert [p["status"]["phase"] for p in pods] == ["Running"]
    lease = json.loads(
        cluster.kubectl("get", "lease", "-n", namespace, "wf-controller", "-o", "json").stdout
    )
    assert lease["spec"]["holderIdentity"] == pods[0]["metadata"]["name"]  # the leader
    cluster.kubectl("delete", "deployment", "-n", namespace, "wf-controller", "--wait=false")
