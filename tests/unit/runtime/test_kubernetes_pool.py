"""The API client's connection pool holds every pod create the controller makes at
once (no urllib3 "Connection pool is full" warnings): built from a kubeconfig file,
nothing is contacted."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflow_engine.controller.kube import KubeOptions, api_pool_size
from workflow_engine.controller.reconcile import CREATE_POD_WORKERS
from workflow_engine.runtime.kubernetes import load_api_client

KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
"""


@pytest.mark.parametrize("workers", [1, 3, 16])
def test_the_pool_holds_every_concurrent_pod_create(tmp_path: Path, workers: int) -> None:
    config = tmp_path / "kubeconfig"
    config.write_text(KUBECONFIG)
    size = api_pool_size(KubeOptions(workers=workers))
    assert size >= workers * CREATE_POD_WORKERS + 2  # and its pod and event watches
    api = load_api_client(str(config), pool_size=size)
    try:
        assert api.rest_client.pool_manager.connection_pool_kw["maxsize"] == size
    finally:
        api.close()
