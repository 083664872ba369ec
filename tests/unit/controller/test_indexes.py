"""The controller's pod and TaskResult indexes: which changes move a workflow's version
(and so cost it a reconcile). Pure in-memory: no store, no runtime."""

from __future__ import annotations

from typing import Any

import pytest

from workflow_engine.controller.indexes import ResultIndex

WF = ("default", "wf")


def result(node: str, exit_code: str = "0") -> dict[str, Any]:
    return {
        "kind": "WorkflowTaskResult",
        "metadata": {
            "name": node,
            "namespace": "default",
            "labels": {"workflows.argoproj.io/workflow": "wf"},
        },
        "outputs": {"exitCode": exit_code},
    }


@pytest.mark.parametrize(
    ("events", "moves"),
    [
        ([("ADDED", result("n1"))], [True]),
        ([("ADDED", result("n1")), ("MODIFIED", result("n1"))], [True, False]),
        ([("ADDED", result("n1")), ("MODIFIED", result("n1", "1"))], [True, True]),
        ([("ADDED", result("n1")), ("ADDED", result("n2"))], [True, True]),
        ([("ADDED", result("n1")), ("DELETED", result("n1"))], [True, True]),
        ([("DELETED", result("n1"))], [False]),
    ],
    ids=[
        "new-result",
        "same-result-again-is-nothing-new",
        "changed-result",
        "second-node",
        "deleted",
        "deleting-an-unknown-result",
    ],
)
def test_only_real_changes_move_the_version(
    events: list[tuple[str, dict[str, Any]]], moves: list[bool]
) -> None:
    index = ResultIndex()
    for (kind, obj), moved in zip(events, moves, strict=True):
        before = index.version(WF)
        key = index.apply(kind, obj)
        assert (key == WF) is moved
        assert (index.version(WF) != before) is moved
