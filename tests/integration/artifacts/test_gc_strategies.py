"""Every `artifactGC` strategy end to end, at workflow level and per artifact, in both
kinds of repository: a workflow stores two outputs (`plain` follows the workflow's
strategy, `own` may carry its own), completes, is looked at, then deleted with
`wf delete`; after each step the test checks which objects are left in the repository
and what the status says. A completed workflow keeps reconciling cleanly after its
collection (the earlier wiring crashed every later reconcile of it).

Real: the embedded controller (`run`, a thread here) with SqliteStore, ProcessRuntime,
the executor and the engine; a local directory repository and a SeaweedFS S3 server
(`seaweedfs`), named in `<state>/artifact-repositories.yaml`; `wf` through CliRunner.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from minio import Minio
from minio.error import S3Error

from tests.fixtures.seaweedfs import SeaweedServer
from tests.integration.artifacts.conftest import SECRET_NAME, fresh_bucket, s3_repository
from tests.integration.controller.conftest import DATA, Embedded
from tests.support.polling import poll
from workflow_engine.artifacts import REPOSITORIES_FILE
from workflow_engine.controller.embedded import EmbeddedOptions, StatePaths, run
from workflow_engine.store import SqliteStore

pytestmark = pytest.mark.integration
WORKFLOW = DATA / "wiring" / "gc-two-outputs.yaml"
COMPLETION, DELETION, NEVER = "OnWorkflowCompletion", "OnWorkflowDeletion", "Never"


class Repos:
    """The two repositories of the stack, and how to tell whether an object is left."""

    def __init__(self, local: Path, server: SeaweedServer, bucket: str) -> None:
        self.local = local
        self.bucket = bucket
        self.client = Minio(
            server.endpoint,
            access_key=server.access_key,
            secret_key=server.secret_key,
            secure=False,
        )

    def exists(self, art: dict[str, Any]) -> bool:
        if "local" in art:
            return (self.local / art["local"]["key"]).exists()
        try:
            self.client.stat_object(self.bucket, art["s3"]["key"])
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject"):
                return False
            raise
        return True


@pytest.fixture(scope="module")
def gc_stack(
    seaweedfs: SeaweedServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Embedded, Repos]]:
    root = tmp_path_factory.mktemp("gc")
    home, local, bucket = root / "state", root / "local-repo", fresh_bucket()
    home.mkdir()
    config = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "artifact-repositories", "namespace": "default"},
        "data": {
            "local": yaml.safe_dump({"local": {"path": str(local)}}),
            "s3": yaml.safe_dump(s3_repository(seaweedfs, bucket)),
        },
    }
    (home / REPOSITORIES_FILE).write_text(yaml.safe_dump(config))
    stop = threading.Event()
    errors: list[BaseException] = []

    def serve() -> None:
        try:
            run(StatePaths(home), EmbeddedOptions(), stop)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    stack = Embedded(home, {"WF_HOME": str(home), "HOME": str(home), "WF_NO_CONTROLLER": "1"})
    created = stack.wf(
        "secret",
        "create",
        SECRET_NAME,
        "--from-literal",
        f"accesskey={seaweedfs.access_key}",
        "--from-literal",
        f"secretkey={seaweedfs.secret_key}",
    )
    assert created.exit_code == 0, created.output
    yield stack, Repos(local, seaweedfs, bucket)
    stop.set()
    thread.join(30)
    assert not errors, errors


def _submit(stack: Embedded, tmp_path: Path, repo: str, wf_gc: str | None, own: str | None) -> str:
    doc = yaml.safe_load(WORKFLOW.read_text())
    doc["spec"]["artifactRepositoryRef"] = {"key": repo}
    if wf_gc is not None:
        doc["spec"]["artifactGC"] = {"strategy": wf_gc}
    if own is not None:
        doc["spec"]["templates"][0]["outputs"]["artifacts"][1]["artifactGC"] = {"strategy": own}
    path = tmp_path / "wf.yaml"
    path.write_text(yaml.safe_dump(doc))
    result = stack.wf("submit", str(path), "--wait", "-o", "json")
    assert result.exit_code == 0, result.output
    return str(json.loads(result.output)["metadata"]["name"])


def _get(stack: Embedded, name: str) -> dict[str, Any]:
    result = stack.wf("get", name, "-o", "json")
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


def _outputs(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    [node] = [n for n in obj["status"]["nodes"].values() if n["type"] == "Pod"]
    return {a["name"]: a for a in node["outputs"]["artifacts"]}


def _processed(obj: dict[str, Any]) -> bool:
    gc = obj["status"].get("artifactGCStatus") or {}
    return bool((gc.get("strategiesProcessed") or {}).get(COMPLETION))


# (workflow strategy, own's strategy): which of (plain, own) are left after completion,
# and after `wf delete`.
CASES = [
    pytest.param(None, None, (True, True), (True, True), id="unset-keeps"),
    pytest.param(NEVER, None, (True, True), (True, True), id="never"),
    pytest.param(COMPLETION, None, (False, False), (False, False), id="on-completion"),
    pytest.param(DELETION, None, (True, True), (False, False), id="on-deletion"),
    pytest.param(None, COMPLETION, (True, False), (True, False), id="artifact-on-completion"),
    pytest.param(None, DELETION, (True, True), (True, False), id="artifact-on-deletion"),
    pytest.param(COMPLETION, NEVER, (False, True), (False, True), id="artifact-never-overrides"),
    pytest.param(DELETION, COMPLETION, (True, False), (False, False), id="artifact-earlier"),
]


def _touch(stack: Embedded, name: str) -> None:
    """Change the workflow's metadata: the controller reconciles it again."""
    store = SqliteStore(stack.paths.db)
    try:
        obj = store.get("Workflow", name)
        annotations = {**(obj["metadata"].get("annotations") or {}), "gc-test": "touched"}
        store.update({**obj, "metadata": {**obj["metadata"], "annotations": annotations}})
    finally:
        store.close()


@pytest.mark.parametrize("repo", ["local", "s3"])
@pytest.mark.parametrize(("wf_gc", "own", "after_completion", "after_delete"), CASES)
def test_artifact_gc_strategy(
    gc_stack: tuple[Embedded, Repos],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    repo: str,
    wf_gc: str | None,
    own: str | None,
    after_completion: tuple[bool, bool],
    after_delete: tuple[bool, bool],
) -> None:
    stack, repos = gc_stack
    name = _submit(stack, tmp_path, repo, wf_gc, own)
    arts = _outputs(_get(stack, name))
    assert repo in arts["plain"] and repo in arts["own"]

    def collected() -> dict[str, Any] | None:
        obj = _get(stack, name)
        return obj if _processed(obj) else None

    if {wf_gc, own} & {COMPLETION, DELETION}:
        obj = poll(collected, 60, "the completion-time collection to be recorded")
    else:
        obj = _get(stack, name)
        assert "artifactGCStatus" not in obj["status"]

    def left() -> tuple[bool, bool]:
        return repos.exists(arts["plain"]), repos.exists(arts["own"])

    assert left() == after_completion
    marked = _outputs(obj)
    deleted = (marked["plain"].get("deleted", False), marked["own"].get("deleted", False))
    assert deleted == tuple(not kept for kept in after_completion)
    # A later reconcile of the collected workflow changes nothing and does not fail.
    caplog.set_level(logging.ERROR, logger="workflow_engine")
    _touch(stack, name)
    assert "ArtifactGCFailed" not in stack.wf("get", name).output
    assert _get(stack, name)["status"] == obj["status"]
    assert stack.wf("delete", name).exit_code == 0
    assert left() == after_delete
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
