"""The artifact examples on the cluster, with S3 on SeaweedFS: the executor in each pod
reads the repository's credentials from a Secret through the API server, uploads and
downloads through S3, and the workflows end as they do in embedded mode (the cases and
checks of tests/integration/artifacts/test_examples.py).

Real: the control plane, `wf node`, the Kubernetes store and runtime, the controller
loop (a thread), SeaweedFS (`seaweedfs` fixture) and `git daemon` (`git_repo`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cluster.cluster import ControlPlane
from tests.cluster.s3_namespace import s3_namespace
from tests.cluster.workflows import (
    KubeController,
    cluster_store,
    create,
    example,
    wait_done,
)
from tests.fixtures.gitrepo import GitRepo
from tests.fixtures.seaweedfs import SeaweedServer
from tests.integration.artifacts.conftest import SECRET_NAME, fresh_bucket, s3_repository
from tests.integration.artifacts.test_examples import CASES
from workflow_engine.artifacts import (
    MappingSecrets,
    default_drivers,
    download_outputs,
    parse_repository,
)
from workflow_engine.runtime.kubernetes_node import NodeAgent
from workflow_engine.store.base import Store

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(900)]  # a batch of workflows
Check = Callable[[dict[str, Any], Callable[[dict[str, Any]], str]], None]


class S3Env:
    def __init__(self, namespace: str, store: Store, repository: dict[str, Any]) -> None:
        self.namespace, self.store, self.repository = namespace, store, repository


@pytest.fixture(scope="module")
def s3_env(
    cluster: ControlPlane,
    node: NodeAgent,
    seaweedfs: SeaweedServer,
) -> Iterator[S3Env]:
    with s3_namespace(cluster, seaweedfs, "art") as namespace:
        repository = s3_repository(seaweedfs, fresh_bucket())
        store = cluster_store(cluster)
        try:
            with KubeController(cluster, namespace, default_repository=repository):
                yield S3Env(namespace, store, repository)
        finally:
            store.close()


@pytest.mark.parametrize(("name", "check"), CASES)
def test_artifact_example_on_the_cluster(
    cluster: ControlPlane,
    s3_env: S3Env,
    seaweedfs: SeaweedServer,
    git_repo: GitRepo,
    tmp_path: Path,
    name: str,
    check: Check,
) -> None:
    params = (
        {"repo": git_repo.daemon_url, "revision": "v1"}
        if name == "artifacts-git-checkout.yaml"
        else {}
    )
    wf_name = create(cluster, s3_env.namespace, example(name, params))
    wf = wait_done(s3_env.store, s3_env.namespace, wf_name, 300)
    assert wf["status"]["phase"] == "Succeeded", json.dumps(wf["status"], indent=1)[:3000]

    def logs(obj: dict[str, Any]) -> str:
        secrets = MappingSecrets(
            {SECRET_NAME: {"accesskey": seaweedfs.access_key, "secretkey": seaweedfs.secret_key}}
        )
        repo = parse_repository(json.dumps(s3_env.repository))
        [done] = download_outputs(
            obj, default_drivers(repo, secrets), tmp_path / "cp", artifact_name="main-logs"
        )
        return done.path.read_text()

    check(wf, logs)
