"""The Kubernetes controller serves the same Prometheus metrics as the embedded one:
after an example workflow ran on the cluster, a scrape of /metrics counts it as
Succeeded, with its pod and its node's duration.

Real: the control plane (`cluster`), a `wf node` agent running the pod, the
controller loop in a thread (`KubeController`), an HTTP scrape over loopback."""

from __future__ import annotations

import logging
import urllib.request

import pytest

from tests.cluster.cluster import ControlPlane
from tests.cluster.workflows import (
    KubeController,
    cluster_store,
    create,
    example,
    logged_metrics_port,
    prepare_namespace,
    wait_done,
)
from tests.support.polling import poll
from workflow_engine.runtime.kubernetes_node import NodeAgent

pytestmark = pytest.mark.cluster


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        return response.read().decode()


def _succeeded_in(text: str) -> str:
    # The status write comes before the decision's actions (where nodes are timed):
    # a scrape between the two sees the workflow done and its node not yet.
    done = 'wf_workflows{phase="Succeeded"} 1.0' in text
    return text if done and "wf_node_duration_seconds_count" in text else ""


def test_metrics_on_the_cluster(
    cluster: ControlPlane, node: NodeAgent, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    prepare_namespace(cluster, namespace)
    caplog.set_level(logging.INFO, logger="workflow_engine.controller.kube")
    store = cluster_store(cluster)
    try:
        with KubeController(cluster, namespace, metrics_port=0, metrics_address="127.0.0.1"):
            port = logged_metrics_port(lambda: caplog.text)
            name = create(cluster, namespace, example("hello-world.yaml"))
            assert wait_done(store, namespace, name)["status"]["phase"] == "Succeeded"
            text = poll(
                lambda: _succeeded_in(_scrape(port)),
                timeout=30,
                what="the workflow counted as Succeeded",
            )
            assert "wf_pods_created_total 1.0" in text
            assert 'wf_node_duration_seconds_count{phase="Succeeded"} 1.0' in text
    finally:
        store.close()
