"""`wf lint` of WorkflowTrigger documents: the examples pass, each kind of mistake is
reported at its field path (the trigger rules are spec.triggers', shared with the
poller and `wf trigger lint`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from workflow_engine.lint import lint_text

TRIGGERS = Path(__file__).resolve().parents[2] / "data" / "triggers"
DOCS = Path(__file__).resolve().parents[3] / "docs" / "cron.md"


def _example(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((TRIGGERS / name).read_text())
    if "git" in doc["spec"]:
        doc["spec"]["git"]["repo"] = "git://127.0.0.1:1/repo.git"
    else:
        doc["spec"]["s3"] |= {"endpoint": "127.0.0.1:9000", "bucket": "incoming"}
    return doc


def _lint(doc: dict[str, Any]) -> list[str]:
    return [f"{e.path}: {e.reason}" for e in lint_text(yaml.safe_dump(doc), "t.yaml")]


@pytest.mark.parametrize("name", ["on-push.yaml", "on-upload.yaml"])
def test_example_triggers_pass(name: str) -> None:
    assert _lint(_example(name)) == []


def test_the_documented_trigger_passes() -> None:
    text = DOCS.read_text()
    block = text[text.index("kind: WorkflowTrigger") :]
    block = "apiVersion: wfengine.io/v1alpha1\n" + block[: block.index("```")]
    assert "workflowTemplateRef" in block
    assert lint_text(block, "cron.md") == []


def _broken(path: list[str], value: Any) -> dict[str, Any]:
    doc = _example("on-push.yaml")
    node = doc
    for key in path[:-1]:
        node = node[key]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "error"),
    [
        (["spec", "git", "repo"], None, "spec.git.repo: required"),
        (["spec", "s3"], {"endpoint": "e", "bucket": "b"}, "spec: set exactly one of"),
        (["spec", "pollInterval"], "0.5s", "spec.pollInterval: pollInterval '0.5s': at least 1s"),
        (["spec", "pollInterval"], "soon", "spec.pollInterval: pollInterval 'soon': expected"),
        (["spec", "suspend"], "maybe", "spec.suspend: "),
        (["spec", "git", "colour"], "red", "spec.git.colour: "),
        (["spec", "workflowSpec", "entrypoint"], "nope", "spec.workflowSpec.entrypoint: unknown"),
        (["metadata", "name"], "x" * 53, "metadata.name: "),
    ],
    ids=["no-repo", "two-sources", "short-poll", "bad-poll", "type", "unknown", "entry", "name"],
)
def test_broken_trigger_is_refused_at_its_path(path: list[str], value: Any, error: str) -> None:
    errors = _lint(_broken(path, value))
    assert [e for e in errors if e.startswith(error)], errors
