"""The controller's /metrics counts Kubernetes API errors by verb, resource and code.

Real: the control plane (`cluster`), the controller loop in a thread (`KubeController`)
with its real clients, a resource template whose `get` the API server answers 404,
an HTTP scrape over loopback. No pod runs (resource templates act from the controller).
"""

from __future__ import annotations

import logging
import urllib.request

import pytest
import yaml

from tests.cluster.cluster import ControlPlane
from tests.cluster.workflows import (
    DATA,
    KubeController,
    cluster_store,
    create,
    logged_metrics_port,
    prepare_namespace,
    wait_done,
)
from tests.support.polling import poll

pytestmark = pytest.mark.cluster

COUNTED = 'wf_kube_api_errors_total{code="404",resource="configmaps",verb="get"}'


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        return response.read().decode()


def test_api_errors_are_counted_by_verb_resource_and_code(
    cluster: ControlPlane, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    prepare_namespace(cluster, namespace)
    caplog.set_level(logging.INFO, logger="workflow_engine.controller.kube")
    store = cluster_store(cluster)
    try:
        with KubeController(cluster, namespace, metrics_port=0, metrics_address="127.0.0.1"):
            port = logged_metrics_port(lambda: caplog.text)
            assert COUNTED not in _scrape(port)
            doc = yaml.safe_load((DATA / "resource-missing.yaml").read_text())
            name = create(cluster, namespace, doc)
            assert wait_done(store, namespace, name)["status"]["phase"] in ("Failed", "Error")
            text = poll(
                lambda: next(
                    (ln for ln in _scrape(port).splitlines() if ln.startswith(COUNTED)), ""
                ),
                timeout=30,
                what="the 404 of the missing ConfigMap counted",
            )
            assert float(text.split()[-1]) >= 1
    finally:
        store.close()
