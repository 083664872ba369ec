"""`wf node set`: a running suspend node's supplied outputs, message and phase (as
`argo node set`), and the errors for everything else."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.cli.conftest import Wf

NAME = "approval"


def _approval(wf: Wf, phase: str = "Running") -> None:
    wf.app.ensure_controller = lambda: None  # nothing runs: the status stays as written
    outputs = [
        {"name": "answer", "valueFrom": {"supplied": {}}},
        {"name": "note", "valueFrom": {"supplied": {}, "default": "none"}},
        {"name": "fixed", "value": "x"},
    ]
    obj = wf.store.create(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "metadata": {"name": NAME, "namespace": "default"},
            "spec": {
                "entrypoint": "main",
                "templates": [
                    {"name": "main", "steps": [[{"name": "approve", "template": "approve"}]]},
                    {"name": "approve", "suspend": {}, "outputs": {"parameters": outputs}},
                ],
            },
        }
    )
    node = {"templateName": "approve", "phase": phase, "startedAt": "2026-01-01T00:00:00Z"}
    nodes = {
        NAME: {"id": NAME, "name": NAME, "displayName": NAME, "type": "Steps", "phase": phase},
        "a-1": {**node, "id": "a-1", "name": f"{NAME}[0].approve", "displayName": "approve"},
    }
    nodes["a-1"]["type"] = "Suspend"
    wf.store.update_status({**obj, "status": {"phase": phase, "nodes": nodes}})


def _node(wf: Wf) -> dict[str, Any]:
    return dict(wf.store.get("Workflow", NAME)["status"]["nodes"]["a-1"])


def test_set_output_parameter_then_phase(wf: Wf) -> None:
    _approval(wf)
    selector = "--node-field-selector=displayName=approve"
    done = wf("node", "set", NAME, selector, "-p", "answer=yes please", "-m", "looked at it")
    assert (done.exit_code, done.output) == (0, f"workflow {NAME} updated\n")
    node = _node(wf)
    assert node["phase"] == "Running" and node["message"] == "looked at it"
    assert node["outputs"]["parameters"] == [{"name": "answer", "value": "yes please"}]
    assert wf("node", "set", NAME, selector, "--phase", "Succeeded").exit_code == 0
    node = _node(wf)
    assert node["phase"] == "Succeeded" and node["finishedAt"]
    params = {p["name"]: p["value"] for p in node["outputs"]["parameters"]}
    assert params == {"answer": "yes please", "note": "none", "fixed": "x"}


def test_set_phase_failed_with_message(wf: Wf) -> None:
    _approval(wf)
    result = wf(
        "node", "set", NAME, "--node-field-selector", "templateName=approve",
        "--phase", "Failed", "--message", "rejected",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    node = _node(wf)
    assert (node["phase"], node["message"]) == ("Failed", "rejected")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["-p", "fixed=y"],
            1,
            "output parameter 'fixed' of node 'approve' is not `valueFrom.supplied`",
        ),
        (["-p", "other=y"], 1, "node 'approve' has no output parameter 'other'"),
        (["-p", "novalue"], 2, "--output-parameter: 'novalue': expected NAME=VALUE"),
        (["--phase", "Running"], 2, "Invalid value for '--phase'"),
        ([], 2, "nothing to set"),
    ],
    ids=["not-supplied", "undeclared", "malformed", "bad-phase", "nothing"],
)
def test_bad_input_changes_nothing(wf: Wf, args: list[str], code: int, message: str) -> None:
    _approval(wf)
    before = _node(wf)
    result = wf("node", "set", NAME, "--node-field-selector", "displayName=approve", *args)
    assert result.exit_code == code
    assert message in result.output
    assert _node(wf) == before


def test_only_running_suspend_nodes_of_unfinished_workflows(wf: Wf) -> None:
    _approval(wf)
    result = wf("node", "set", NAME, "--node-field-selector", "displayName=nope", "-m", "x")
    assert (result.exit_code, result.output) == (
        1,
        "error: no running suspend node matches 'displayName=nope'\n",
    )
    missing = wf("node", "set", NAME, "-m", "x")
    assert missing.exit_code == 2 and "--node-field-selector" in missing.output


def test_a_finished_workflow_is_refused(wf: Wf) -> None:
    _approval(wf, phase="Succeeded")
    result = wf("node", "set", NAME, "--node-field-selector", "displayName=approve", "-m", "x")
    assert result.exit_code == 1
    assert "it is already Succeeded" in result.output
