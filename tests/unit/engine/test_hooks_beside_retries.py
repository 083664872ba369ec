"""A running lifecycle hook is a child of the node it watches, beside that node's retry
attempts (or, without retries, of the pod node itself): it is neither an attempt nor a
containerSet member. Real: `operate` and the spec models; pods simulated."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.engine.simulator import Script, Simulator
from workflow_engine.spec.models import Workflow
from workflow_engine.spec.status import FULFILLED_PHASES


def _workflow(retry: dict[str, Any] | None) -> Workflow:
    work: dict[str, Any] = {"name": "work", "container": {"image": "x", "command": ["w"]}}
    if retry is not None:
        work["retryStrategy"] = retry
    spec = {
        "entrypoint": "main",
        "templates": [
            {
                "name": "main",
                "dag": {
                    "tasks": [
                        {
                            "name": "t",
                            "template": "work",
                            "hooks": {"running": {"template": "hook", "expression": "true"}},
                        },
                        {"name": "after", "template": "hook", "depends": "t"},
                    ]
                },
            },
            work,
            {"name": "hook", "container": {"image": "x", "command": ["h"]}},
        ],
    }
    return Workflow.model_validate(
        {"metadata": {"name": "w", "namespace": "default"}, "spec": spec}
    )


@pytest.mark.parametrize("retry", [{"limit": 1}, {"limit": 0}, None], ids=str)
def test_a_failed_running_hook_is_not_the_tasks_last_attempt(retry: dict | None) -> None:
    """The hook fails fast while the task's pod runs on and succeeds: the task and the
    workflow succeed (Argo: a hook's outcome does not decide its node), and nothing is
    left Running."""
    scripts: dict[str, Script | list[Script]] = {
        "work": Script(exit_code=0, seconds=4),
        "hook": [Script(exit_code=1, seconds=1), Script(exit_code=0, seconds=1)],
    }
    sim = Simulator(_workflow(retry), scripts=scripts).run(max_steps=200)
    nodes = {n.display_name: n for n in sim.status.nodes.values()}
    assert all(n.phase in FULFILLED_PHASES for n in nodes.values()), nodes
    assert nodes["t.hooks.running"].phase == "Failed"
    assert nodes["t"].phase == "Succeeded", nodes["t"].message
    assert nodes["after"].phase == "Succeeded"
    assert sim.status.phase == "Succeeded"
