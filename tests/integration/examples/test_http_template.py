"""The http-template example end to end in embedded mode (real store, runtime,
executor and controller: tests/integration/controller/conftest.py; a real HTTP server
on 127.0.0.1: tests/fixtures/httpserver.py): requests made by the controller, with a
header from a Secret, the body as the step's result, `successCondition`; and a server
that never answers holds up nothing but its own node, which fails at its timeout or
when the workflow is terminated.
Argo's semantics: docs/http-template.md of argoproj/argo-workflows."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.httpserver import PASSWORD, USER, HTTPFiles, http_files  # noqa: F401
from tests.integration.controller.conftest import REPO, Embedded, embedded, poll  # noqa: F401

pytestmark = pytest.mark.integration
EXAMPLE = REPO / "examples" / "http-template.yaml"
Wf = dict[str, Any]


def by_name(wf: Wf) -> dict[str, Wf]:
    return {n["displayName"]: n for n in wf["status"]["nodes"].values()}


def test_requests_run_in_the_controller_with_secret_headers(
    embedded: Embedded,  # noqa: F811
    http_files: HTTPFiles,  # noqa: F811
) -> None:
    token = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    created = embedded.wf(
        "secret", "create", "http-creds", "--from-literal", f"authorization={token}"
    )
    assert created.exit_code == 0, created.output
    run = embedded.wf(
        "submit", str(EXAMPLE), "-p", f"base={http_files.url}", "--wait", "-o", "json"
    )
    assert run.exit_code == 0, run.output
    wf = json.loads(run.output)
    name = wf["metadata"]["name"]
    nodes = by_name(wf)
    assert nodes["upload"]["type"] == nodes["fetch"]["type"] == "HTTP"
    assert nodes["fetch"]["outputs"]["result"] == f"hello from {name}"
    assert (http_files.root / "private" / "greeting.txt").read_text() == f"hello from {name}"
    methods = [(method, headers.get("Authorization")) for method, _, headers in http_files.requests]
    assert methods == [("PUT", token), ("GET", token)]
    assert f"fetched: hello from {name}" in embedded.wf("logs", name).output
    assert PASSWORD not in json.dumps(wf) and token not in json.dumps(wf)


def test_a_missing_header_secret_fails_the_node(embedded: Embedded, http_files: HTTPFiles) -> None:  # noqa: F811
    run = embedded.wf(
        "submit", str(EXAMPLE), "-p", f"base={http_files.url}", "--wait", "-o", "json"
    )
    wf = json.loads(run.output)
    upload = by_name(wf)["upload"]
    assert (wf["status"]["phase"], upload["phase"]) == ("Failed", "Failed")
    assert "secret" in upload["message"]  # http-creds was never created


SILENT = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: silent}
spec:
  entrypoint: call
  templates:
    - name: call
      http:
        url: URL
        timeoutSeconds: 60
"""


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A loopback port that accepts connections and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield f"http://127.0.0.1:{server.getsockname()[1]}/slow"


def test_a_silent_server_blocks_no_other_workflow(
    embedded: Embedded,  # noqa: F811
    silent_server: str,
    tmp_path: Path,
) -> None:
    path = tmp_path / "silent.yaml"
    path.write_text(SILENT.replace("URL", silent_server))
    assert embedded.wf("submit", str(path)).exit_code == 0
    poll(lambda: "silent" in embedded.wf("list", "-o", "name").output, what="silent workflow")
    hello = embedded.wf("submit", str(REPO / "examples" / "hello-world.yaml"), "--wait")
    assert hello.exit_code == 0, hello.output
    silent = json.loads(embedded.wf("get", "silent", "-o", "json").output)
    assert silent["status"]["phase"] == "Running"  # still waiting for its answer
    assert embedded.wf("terminate", "silent").exit_code == 0
    assert embedded.wf("wait", "silent").exit_code == 1  # at once, not at the timeout
    silent = json.loads(embedded.wf("get", "silent", "-o", "json").output)
    [node] = silent["status"]["nodes"].values()
    assert (node["phase"], node["message"]) == ("Failed", "Stopped with strategy 'Terminate'")


def test_a_timeout_fails_the_node(embedded: Embedded, silent_server: str, tmp_path: Path) -> None:  # noqa: F811
    path = tmp_path / "silent.yaml"
    path.write_text(
        SILENT.replace("URL", silent_server).replace("timeoutSeconds: 60", "timeoutSeconds: 1")
    )
    assert embedded.wf("submit", str(path), "--wait").exit_code == 1
    silent = json.loads(embedded.wf("get", "silent", "-o", "json").output)
    [node] = silent["status"]["nodes"].values()
    assert node["phase"] == "Failed" and "timed out" in node["message"]
