"""HTTP artifacts against a real stdlib http.server: GET with headers and basic auth
from secrets, PUT of outputs, refusals and retries, and the executor's input path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.httpserver import PASSWORD, USER, HTTPFiles
from tests.integration.artifacts.conftest import PodRunner, sh
from workflow_engine.artifacts import HTTPDriver, MappingSecrets, RetryingDriver, pack
from workflow_engine.errors import NotFound, PermanentError, TransientError
from workflow_engine.spec.models import Artifact
from workflow_engine.store import MemoryStore

pytestmark = pytest.mark.integration
SECRETS = MappingSecrets({"web": {"user": USER, "pass": PASSWORD, "bad": "wrong-pass-x1"}})


def _art(url: str, password_key: str = "pass", header: bool = True) -> Artifact:
    http: dict[str, Any] = {
        "url": url,
        "auth": {
            "basicAuth": {
                "usernameSecret": {"name": "web", "key": "user"},
                "passwordSecret": {"name": "web", "key": password_key},
            }
        },
    }
    if header:
        http["headers"] = [{"name": "X-Wf-Test", "value": "yes"}]
    return Artifact.model_validate({"name": "page", "http": http})


def test_get_with_basic_auth_and_header(http_files: HTTPFiles, tmp_path: Path) -> None:
    (http_files.root / "private").mkdir()
    (http_files.root / "private" / "data.bin").write_bytes(b"\x00\x01" * 300_000)
    HTTPDriver(SECRETS).load(_art(f"{http_files.url}/private/data.bin"), tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == b"\x00\x01" * 300_000
    method, path, headers = http_files.requests[-1]
    assert (method, path, headers["X-Wf-Test"]) == ("GET", "/private/data.bin", "yes")


@pytest.mark.parametrize(
    ("url", "password_key", "header", "error", "text"),
    [
        ("/private/x", "bad", True, PermanentError, "401"),
        ("/private/x", "pass", False, PermanentError, "403"),
        ("/public/missing", "pass", True, NotFound, "404"),
        ("/flaky/x", "pass", True, TransientError, "503"),
    ],
    ids=["wrong-password", "missing-header", "not-found", "server-error"],
)
def test_failures_are_classified_without_secrets(
    http_files: HTTPFiles,
    tmp_path: Path,
    url: str,
    password_key: str,
    header: bool,
    error: type[Exception],
    text: str,
) -> None:
    http_files.flaky_failures = 100
    with pytest.raises(error, match=text) as caught:
        HTTPDriver(SECRETS).load(_art(http_files.url + url, password_key, header), tmp_path / "o")
    assert "wrong-pass-x1" not in str(caught.value) and PASSWORD not in str(caught.value)


def test_transient_answers_are_retried(http_files: HTTPFiles, tmp_path: Path) -> None:
    (http_files.root / "flaky").mkdir()
    (http_files.root / "flaky" / "f").write_text("eventually")
    http_files.flaky_failures = 2
    driver = RetryingDriver(HTTPDriver(SECRETS), attempts=4, sleep=lambda _s: None)
    driver.load(_art(f"{http_files.url}/flaky/f"), tmp_path / "o")
    assert (tmp_path / "o").read_text() == "eventually"
    assert [r[0] for r in http_files.requests] == ["GET", "GET", "GET"]


def test_presigned_query_is_hidden_in_messages(http_files: HTTPFiles, tmp_path: Path) -> None:
    url = f"{http_files.url}/public/none?X-Amz-Signature=topsecretsig"
    with pytest.raises(NotFound) as caught:
        HTTPDriver(SECRETS).load(_art(url), tmp_path / "o")
    assert "topsecretsig" not in str(caught.value)


def test_put_output_and_delete(http_files: HTTPFiles, tmp_path: Path) -> None:
    (tmp_path / "report.txt").write_text("report")
    art = _art(f"{http_files.url}/private/out/report.txt")
    driver = HTTPDriver(SECRETS)
    driver.save(tmp_path / "report.txt", art)
    assert (http_files.root / "private" / "out" / "report.txt").read_text() == "report"
    driver.delete(art)
    driver.delete(art)  # already gone: not an error
    assert not (http_files.root / "private" / "out" / "report.txt").exists()


def test_http_input_through_the_executor_is_unpacked(http_files: HTTPFiles, tmp_path: Path) -> None:
    (tmp_path / "tree" / "sub").mkdir(parents=True)
    (tmp_path / "tree" / "sub" / "f").write_text("from the web")
    (http_files.root / "private").mkdir()
    pack(tmp_path / "tree", http_files.root / "private" / "tree.tgz")
    runner = PodRunner(tmp_path, MemoryStore(), {"local": {"path": str(tmp_path / "repo")}})
    runner.put_secret("web", {"user": USER, "pass": PASSWORD})
    dest = tmp_path / "in"
    art = {**_art(f"{http_files.url}/private/tree.tgz").to_dict(), "path": str(dest)}
    pod = runner.run(sh("get", f"cat {dest}/sub/f", inputs={"artifacts": [art]}))
    assert pod.code == 0, pod.log
    assert pod.result["outputs"]["result"] == "from the web"
    assert PASSWORD not in json.dumps(pod.result) + pod.log
