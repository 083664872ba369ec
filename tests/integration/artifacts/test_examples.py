"""The artifact examples end to end in embedded mode: with the local repository (the
real embedded wiring, through `wf submit`) and with S3 on SeaweedFS (the same pieces
assembled with an S3 repository, see `embedded.py`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from minio import Minio

from tests.fixtures.gitrepo import GitRepo
from tests.fixtures.seaweedfs import SeaweedServer
from tests.integration.artifacts.conftest import SECRET_NAME, fresh_bucket, s3_repository
from tests.integration.artifacts.embedded import running_stack
from tests.integration.controller.conftest import REPO, Embedded, embedded  # noqa: F401
from workflow_engine.artifacts import (
    MappingSecrets,
    default_drivers,
    download_outputs,
    make_secret,
    parse_repository,
)

pytestmark = pytest.mark.integration
EXAMPLES = REPO / "examples"


def _pods(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["displayName"]: n for n in obj["status"]["nodes"].values() if n["type"] == "Pod"}


def _result(obj: dict[str, Any], step: str) -> str:
    return str(_pods(obj)[step]["outputs"]["result"])


def _check_dag(obj: dict[str, Any], _logs: Callable[[dict[str, Any]], str]) -> None:
    assert _result(obj, "report") == "3 words, 3 pages"


def _check_directory(obj: dict[str, Any], _logs: Callable[[dict[str, Any]], str]) -> None:
    assert _result(obj, "list") == (
        "./base/deployment.yaml\n./overlays/prod/patch.yaml\nreplicas: 3"
    )
    [art] = _pods(obj)["render"]["outputs"]["artifacts"]
    assert art["archive"] == {"none": {}}
    key = art.get("local", art.get("s3"))["key"]
    assert key.endswith("/out")  # unarchived: the path's base name, no extension


def _check_global(obj: dict[str, Any], _logs: Callable[[dict[str, Any]], str]) -> None:
    assert _result(obj, "publish") == "v1.2.3: artifacts everywhere"
    [glob] = obj["status"]["outputs"]["artifacts"]
    assert glob["name"] == "release-notes"


def _check_logs(obj: dict[str, Any], logs: Callable[[dict[str, Any]], str]) -> None:
    [node] = _pods(obj).values()
    [art] = node["outputs"]["artifacts"]
    assert art["name"] == "main-logs"
    key = art.get("local", art.get("s3"))["key"]
    assert key.endswith("/main.log")
    text = logs(obj)
    assert "to stdout" in text and "to stderr" in text and "done" in text


def _check_git(obj: dict[str, Any], _logs: Callable[[dict[str, Any]], str]) -> None:
    assert _result(obj, "checkout") == "one\nchecked out"


def _check_steps(obj: dict[str, Any], _logs: Callable[[dict[str, Any]], str]) -> None:
    assert _result(obj, "consume-artifact") == "hello world"


def _check_keys(obj: dict[str, Any], _logs: Callable[[dict[str, Any]], str]) -> None:
    """Argo: a key-only location resolves against the default repository; subPath
    extends the key (AppendToKey); an optional input with an empty key is not supplied."""
    assert _result(obj, "read-by-key") == "v1"
    assert _result(obj, "read-sub-path") == "welcome"
    assert _result(obj, "optional-empty") == "skipped"
    [_site, version] = _pods(obj)["publish"]["outputs"]["artifacts"]
    assert version["s3"] == {"key": f"{obj['metadata']['name']}/release/version.txt"}


def _check_from_expression(obj: dict[str, Any], _logs: Callable[[dict[str, Any]], str]) -> None:
    """Argo's `fromExpression` on a DAG's outputs and on a step's arguments."""
    assert _result(obj, "show") == "it was heads"
    phases = {n["displayName"]: n["phase"] for n in obj["status"]["nodes"].values()}
    assert (phases["heads"], phases["tails"]) == ("Succeeded", "Skipped")


CASES = [
    pytest.param("artifact-passing.yaml", _check_steps, id="steps-passing"),
    pytest.param("artifacts-dag-passing.yaml", _check_dag, id="dag-passing"),
    pytest.param("artifacts-directory-none.yaml", _check_directory, id="directory-none"),
    pytest.param("artifacts-global-output.yaml", _check_global, id="global-output"),
    pytest.param("artifacts-archive-logs.yaml", _check_logs, id="archive-logs"),
    pytest.param("artifacts-git-checkout.yaml", _check_git, id="git-checkout"),
    pytest.param("artifacts-keys-and-subpaths.yaml", _check_keys, id="keys-and-subpaths"),
    pytest.param("artifacts-from-expression.yaml", _check_from_expression, id="from-expression"),
]


def _parameters(example: str, git_repo: GitRepo) -> dict[str, str]:
    if example == "artifacts-git-checkout.yaml":
        return {"repo": git_repo.daemon_url, "revision": "v1"}
    return {}


@pytest.mark.parametrize(("example", "check"), CASES)
def test_example_with_the_local_repository(
    embedded: Embedded,  # noqa: F811
    git_repo: GitRepo,
    tmp_path: Path,
    example: str,
    check: Callable[[dict[str, Any], Callable[[dict[str, Any]], str]], None],
) -> None:
    args = [a for k, v in _parameters(example, git_repo).items() for a in ("-p", f"{k}={v}")]
    result = embedded.wf("submit", str(EXAMPLES / example), "--wait", "-o", "json", *args)
    assert result.exit_code == 0, result.output
    obj = json.loads(result.output)
    assert obj["status"]["phase"] == "Succeeded", obj["status"]

    def logs(wf: dict[str, Any]) -> str:
        repo = {"local": {"path": str(embedded.paths.artifacts)}}
        drivers = default_drivers(parse_repository(json.dumps(repo)))
        [done] = download_outputs(wf, drivers, tmp_path / "cp", artifact_name="main-logs")
        return done.path.read_text()

    check(obj, logs)


@pytest.mark.parametrize(("example", "check"), CASES)
def test_example_with_s3(
    seaweedfs: SeaweedServer,
    git_repo: GitRepo,
    tmp_path: Path,
    example: str,
    check: Callable[[dict[str, Any], Callable[[dict[str, Any]], str]], None],
) -> None:
    bucket = fresh_bucket()
    repository = s3_repository(seaweedfs, bucket)
    with running_stack(tmp_path / "state", repository) as stack:
        stack.store.create(
            make_secret(
                SECRET_NAME,
                "default",
                {"accesskey": seaweedfs.access_key, "secretkey": seaweedfs.secret_key},
            )
        )
        name = stack.submit(EXAMPLES / example, **_parameters(example, git_repo))
        obj = stack.wait(name)
    assert obj["status"]["phase"] == "Succeeded", json.dumps(obj["status"], indent=1)[:3000]
    outputs = [
        art
        for node in _pods(obj).values()
        for art in (node.get("outputs") or {}).get("artifacts") or ()
    ]
    assert all(set(art["s3"]) == {"key"} for art in outputs), outputs  # key-only, as Argo
    if not outputs:
        return check(obj, lambda _wf: "")
    client = Minio(
        seaweedfs.endpoint,
        access_key=seaweedfs.access_key,
        secret_key=seaweedfs.secret_key,
        secure=False,
    )
    stored = [o.object_name for o in client.list_objects(bucket, recursive=True)]
    assert stored and all(str(k).startswith(f"{name}/") for k in stored)

    def logs(wf: dict[str, Any]) -> str:
        secrets = MappingSecrets(
            {SECRET_NAME: {"accesskey": seaweedfs.access_key, "secretkey": seaweedfs.secret_key}}
        )
        drivers = default_drivers(parse_repository(json.dumps(repository)), secrets)
        [done] = download_outputs(wf, drivers, tmp_path / "cp", artifact_name="main-logs")
        return done.path.read_text()

    check(obj, logs)
