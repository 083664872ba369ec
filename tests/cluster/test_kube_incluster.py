"""The controller as a Deployment on the cluster, with in-cluster configuration.

Real: the control plane, `wf node` (the controller's pod and the workflow's pods run
as its local processes), the controller-manager's Deployment and ReplicaSet
controllers. The controller pod talks to the API server with its service account
(Role in tests/data/cluster/kube/controller-deployment.yaml, generated from the
install's rules); no kubeconfig anywhere. Its workflows take the paths that need the
wider grants (memoization's ConfigMap, a PodDisruptionBudget, the Events of a new
workflow cleared), and its /metrics must count no request the Role refused (403).
"""

from __future__ import annotations

import json
import re
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.cluster.cluster import REPO_ROOT, ControlPlane
from tests.cluster.workflows import (
    DATA,
    cluster_store,
    create,
    example,
    logged_metrics_port,
    prepare_namespace,
    wait_done,
)
from workflow_engine.runtime.kubernetes_node import NodeAgent

pytestmark = pytest.mark.cluster

REFUSED = re.compile(r'^wf_kube_api_errors_total\{[^}]*code="403"[^}]*\} ([0-9.e+]+)$', re.M)


def test_controller_deployment_runs_a_workflow(
    cluster: ControlPlane, node: NodeAgent, namespace: str
) -> None:
    prepare_namespace(cluster, namespace)
    bin_dir = str(Path(sys.executable).parent)
    manifest = (DATA / "controller-deployment.yaml").read_text().replace("WF_BIN", bin_dir)
    manifest = manifest.replace("WF_REPO", str(REPO_ROOT))
    cluster.kubectl("apply", "-n", namespace, "-f", "-", input=manifest)
    memo = example("memoize.yaml")
    memo["spec"]["podDisruptionBudget"] = {"minAvailable": 1}
    names = [create(cluster, namespace, example("steps.yaml")), create(cluster, namespace, memo)]
    store = cluster_store(cluster)
    try:
        done = [wait_done(store, namespace, name, 240) for name in names]
    finally:
        store.close()
    for wf in done:
        assert wf["status"]["phase"] == "Succeeded", json.dumps(wf["status"])[:2000]
    cache = json.loads(
        cluster.kubectl("get", "configmap", "-n", namespace, "memo-double", "-o", "json").stdout
    )
    assert "double-21" in cache["data"]  # written with the Role's configmaps grant
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
    pod = pods[0]["metadata"]["name"]
    port = logged_metrics_port(lambda: cluster.kubectl("logs", "-n", namespace, pod).stdout)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp:
        metrics = resp.read().decode()
    assert "wf_pods_created_total" in metrics  # the controller's own registry
    refused = [m.group(0) for m in REFUSED.finditer(metrics) if float(m.group(1)) > 0]
    assert refused == [], "requests the installed rules refuse:\n" + "\n".join(refused)
    cluster.kubectl("delete", "deployment", "-n", namespace, "wf-controller", "--wait=false")
