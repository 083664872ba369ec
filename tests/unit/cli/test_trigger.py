"""`wf trigger ...`: create, list, get, suspend, resume, delete, and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.unit.cli.conftest import Wf, data

ON_PUSH = Path(__file__).parents[2] / "data" / "triggers" / "on-push.yaml"


def _good(tmp_path: Path) -> str:
    doc = yaml.safe_load(ON_PUSH.read_text())
    doc["spec"]["git"]["repo"] = "git://127.0.0.1:1/repo.git"
    path = tmp_path / "on-push.yaml"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def test_trigger_create_list_suspend_resume_delete(wf: Wf, tmp_path: Path) -> None:
    created = wf("trigger", "create", _good(tmp_path))
    assert (created.exit_code, created.output) == (0, "WorkflowTrigger on-push created\n")
    table = wf("trigger", "list").output
    assert "git git://127.0.0.1:1/repo.git main" in table
    assert yaml.safe_load(wf("trigger", "get", "on-push").output)["spec"]["git"]["branch"] == "main"
    assert wf("trigger", "suspend", "on-push").exit_code == 0
    assert wf.store.get("WorkflowTrigger", "on-push")["spec"]["suspend"] is True
    assert "Suspended" in wf("trigger", "list").output
    assert wf("trigger", "resume", "on-push").exit_code == 0
    assert "suspend" not in wf.store.get("WorkflowTrigger", "on-push")["spec"]
    again = wf("trigger", "create", _good(tmp_path))
    assert (again.exit_code, again.output) == (
        1,
        "error: WorkflowTrigger 'on-push' already exists\n",
    )
    assert wf("trigger", "delete", "on-push").output == "WorkflowTrigger on-push deleted\n"
    assert wf("trigger", "list").output == "No WorkflowTriggers found\n"


@pytest.mark.parametrize(
    ("file", "line"),
    [
        ("bad-trigger.yaml", 'spec.workflowSpec.entrypoint: unknown template "nope" as entrypoint'),
        ("sourceless-trigger.yaml", "spec: set exactly one of spec.git and spec.s3"),
        ("hello.yaml", "kind: expected WorkflowTrigger, not 'Workflow'"),
    ],
    ids=["bad-workflow", "no-source", "wrong-kind"],
)
@pytest.mark.parametrize("command", ["create", "lint"])
def test_bad_triggers_are_refused(wf: Wf, command: str, file: str, line: str) -> None:
    result = wf("trigger", command, data(file))
    assert (result.exit_code, result.output) == (2, line + "\n")
    assert wf.store.list("WorkflowTrigger").items == []


def test_missing_trigger(wf: Wf) -> None:
    result = wf("trigger", "delete", "nope")
    assert (result.exit_code, result.output) == (1, "error: WorkflowTrigger 'nope' not found\n")


def test_wf_lint_knows_the_trigger_kind(wf: Wf, tmp_path: Path) -> None:
    assert wf("lint", _good(tmp_path)).exit_code == 0
    doc = yaml.safe_load(ON_PUSH.read_text())  # spec.git.repo left out
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(doc))
    refused = wf("lint", str(bad))
    assert (refused.exit_code, "spec.git.repo: required" in refused.output) == (2, True)
