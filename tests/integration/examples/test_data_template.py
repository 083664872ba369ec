"""The data-template example end to end in embedded mode (real store, runtime,
executor, local artifact repository and controller:
tests/integration/controller/conftest.py): a directory stored under a key is listed by
the controller, filtered and sorted by expressions, and fanned out with withParam.
Argo's semantics: docs/data-sourcing-and-transformation.md of argoproj/argo-workflows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.controller.conftest import REPO, Embedded, embedded  # noqa: F401

pytestmark = pytest.mark.integration
EXAMPLE = REPO / "examples" / "data-template.yaml"


def test_data_template_lists_filters_and_fans_out(embedded: Embedded) -> None:  # noqa: F811
    run = embedded.wf("submit", str(EXAMPLE), "--wait", "-o", "json")
    wf = json.loads(run.output)
    assert wf["status"]["phase"] == "Succeeded", json.dumps(wf["status"], indent=1)[:3000]
    name = wf["metadata"]["name"]
    nodes = {n["displayName"]: n for n in wf["status"]["nodes"].values()}
    [logs_artifact] = nodes["produce"]["outputs"]["artifacts"]
    key = next(
        loc["key"] for kind, loc in logs_artifact.items() if isinstance(loc, dict) and "key" in loc
    )
    expected = [f"{key}/build.log", f"{key}/nested/test.log"]
    assert json.loads(nodes["pick"]["outputs"]["result"]) == expected
    assert nodes["pick"]["type"] == "Pod"
    logs = embedded.wf("logs", name).output
    assert all(f"log file: {path}" in logs for path in expected)
    assert "notes.txt" not in logs


def test_a_missing_source_errors_the_node(embedded: Embedded, tmp_path: Path) -> None:  # noqa: F811
    text = EXAMPLE.read_text().replace('from: "{{inputs.artifacts.logs}}"', "local: {key: nowhere}")
    path = tmp_path / "missing.yaml"
    path.write_text(text)
    run = embedded.wf("submit", str(path), "--wait", "-o", "json")
    wf = json.loads(run.output)
    nodes = {n["displayName"]: n for n in wf["status"]["nodes"].values()}
    assert wf["status"]["phase"] in ("Failed", "Error")
    assert nodes["pick"]["phase"] == "Error"
    assert "nowhere" in nodes["pick"]["message"]
