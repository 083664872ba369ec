"""A hook that cannot be evaluated ends its steps or DAG template as Argo ends it, and
a failed DAG names its failed child, as Argo does.

Argo's controller (workflow/controller/hooks.go: executeTmplLifeCycleHook and
runOnExitNode return the expression's error; steps.go executeStepGroup and dag.go
executeDAG act on it): in a steps template the step group ends Error with the error
and the steps node Failed with the group's message; a DAG ends Error with it; a
workflow-level hook's error errors the workflow's root node (operator.go, after
executeWfLifeCycleHook). A DAG that fails says "child '<node id>' failed" for its first
failed task in declared order (Argo v4's boundaryFailureMessage, engine.go), and that
message becomes the workflow's. Real: `operate`; simulated: pods.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.engine.simulator import Script, Simulator
from workflow_engine.spec.models import Workflow

LEAF = {"name": "c", "container": {"image": "x", "command": ["true"]}}
DIVIDE = "hooks.h.expression: division by zero"


def _workflow(main: dict[str, Any], **spec: Any) -> Workflow:
    templates = [{"name": "main", **main}, LEAF]
    body = {"entrypoint": "main", "templates": templates, **spec}
    return Workflow.model_validate(
        {"metadata": {"name": "w", "namespace": "default"}, "spec": body}
    )


def _run(wf: Workflow, **scripts: Script) -> Simulator:
    return Simulator(wf, scripts={"c": Script(seconds=2), **scripts}).run(max_steps=200)


BAD_LIFECYCLE = {"h": {"expression": "1/0", "template": "c"}}
BAD_EXIT = {"exit": {"expression": "1/0", "template": "c"}}


@pytest.mark.parametrize(
    ("hooks", "message"),
    [(BAD_LIFECYCLE, DIVIDE), (BAD_EXIT, "division by zero")],
    ids=["lifecycle", "exit"],
)
def test_a_steps_hook_error_fails_the_steps_template(hooks: dict[str, Any], message: str) -> None:
    sim = _run(_workflow({"steps": [[{"name": "a", "template": "c", "hooks": hooks}]]}))
    group = sim.node("w[0]")
    assert group.phase == "Error" and message in (group.message or "")
    assert sim.node("w").phase == "Failed" and sim.node("w").message == group.message
    assert sim.status.phase == "Failed" and sim.status.message == group.message


@pytest.mark.parametrize(
    ("hooks", "message"),
    [(BAD_LIFECYCLE, DIVIDE), (BAD_EXIT, "division by zero")],
    ids=["lifecycle", "exit"],
)
def test_a_dag_hook_error_errors_the_dag(hooks: dict[str, Any], message: str) -> None:
    sim = _run(_workflow({"dag": {"tasks": [{"name": "a", "template": "c", "hooks": hooks}]}}))
    dag = sim.node("w")
    assert dag.phase == "Error" and message in (dag.message or "")
    assert sim.status.phase == "Error" and sim.status.message == dag.message


def test_a_hook_without_expression_is_an_error_naming_it() -> None:
    """Argo: "Expression required for hook <node>" (hooks.go)."""
    hooks = {"h": {"template": "c"}}
    sim = _run(_workflow({"dag": {"tasks": [{"name": "a", "template": "c", "hooks": hooks}]}}))
    assert sim.status.phase == "Error"
    assert sim.status.message == "Expression required for hook w.a.hooks.h"


def test_a_workflow_hook_error_errors_the_workflow() -> None:
    wf = _workflow({"steps": [[{"name": "a", "template": "c"}]]}, hooks=BAD_LIFECYCLE)
    sim = _run(wf)
    assert sim.status.phase == "Error"
    assert DIVIDE in (sim.status.message or "")


def test_a_holding_hook_still_runs_and_the_step_succeeds() -> None:
    hooks = {"h": {"expression": "true", "template": "c"}}
    sim = _run(_workflow({"dag": {"tasks": [{"name": "a", "template": "c", "hooks": hooks}]}}))
    assert sim.status.phase == "Succeeded"
    assert sim.node("w.a.hooks.h").phase == "Succeeded"


def test_a_failed_dag_names_its_first_failed_child() -> None:
    tasks = [
        {"name": "ok", "template": "c"},
        {"name": "bad", "template": "fails"},
        {"name": "also-bad", "template": "fails"},
    ]
    main = {"dag": {"tasks": tasks}}
    fails = {"name": "fails", "container": {"image": "x", "command": ["false"]}}
    wf = Workflow.model_validate(
        {
            "metadata": {"name": "w", "namespace": "default"},
            "spec": {"entrypoint": "main", "templates": [{"name": "main", **main}, LEAF, fails]},
        }
    )
    sim = _run(wf, fails=Script(exit_code=1, seconds=1))
    bad = sim.node("w.bad")
    assert sim.node("w").phase == "Failed"
    assert sim.node("w").message == f"child '{bad.id}' failed"
    assert sim.status.phase == "Failed" and sim.status.message == f"child '{bad.id}' failed"


def test_a_retried_step_whose_hook_fails_leaves_nothing_running() -> None:
    """The step's Retry node and its running attempt both end Error (found by
    test_nothing_stays_running's property test)."""
    retried = {**LEAF, "name": "r", "retryStrategy": {"limit": 1}}
    step = {"name": "a", "template": "r", "hooks": BAD_LIFECYCLE}
    body = {"entrypoint": "main", "templates": [{"name": "main", "steps": [[step]]}, LEAF, retried]}
    wf = Workflow.model_validate({"metadata": {"name": "w", "namespace": "default"}, "spec": body})
    sim = Simulator(wf, scripts={"r": Script(seconds=5)}).run(max_steps=200)
    assert sim.status.phase == "Failed"
    assert all(n.phase in ("Succeeded", "Failed", "Error") for n in sim.status.nodes.values())
    assert sim.node("w[0].a").phase == "Error"


def test_a_dag_hook_error_ends_the_dependant_started_beside_it() -> None:
    """`t2` depends on `t1 || !t1`, so the pass that errors `t1` through its hook
    also starts `t2`; it ends with the DAG instead of staying Pending (found by
    test_nothing_stays_running's property test)."""
    hooked = {"name": "t1", "template": "c", "hooks": BAD_LIFECYCLE}
    tasks = [hooked, {"name": "t2", "template": "c", "depends": "t1 || !t1"}]
    sim = _run(_workflow({"dag": {"tasks": tasks}}))
    assert sim.status.phase == "Error"
    assert sim.node("w.t2").phase == "Error" and DIVIDE in (sim.node("w.t2").message or "")
    assert all(
        n.phase in ("Succeeded", "Failed", "Error", "Skipped") for n in sim.status.nodes.values()
    )


def test_a_dag_hook_error_ends_an_exit_hook_started_in_the_same_pass() -> None:
    bad_argument = {"parameters": [{"name": "p", "value": "{{tasks.t1.outputs.parameters.nope}}"}]}
    task = {"name": "t2", "template": "c", "depends": "t1", "onExit": "c"}
    task |= {"hooks": BAD_LIFECYCLE, "arguments": bad_argument}
    sim = _run(_workflow({"dag": {"tasks": [{"name": "t1", "template": "c"}, task]}}))
    assert sim.status.phase == "Error"
    assert sim.node("w.t2.onExit").phase == "Error"
    assert all(
        n.phase in ("Succeeded", "Failed", "Error", "Skipped") for n in sim.status.nodes.values()
    )


def test_a_steps_hook_error_ends_the_other_steps_of_its_group() -> None:
    """`a` started before `b`'s hook failed: it ends Error with the group."""
    group = [{"name": "a", "template": "c"}, {"name": "b", "template": "c", "hooks": BAD_LIFECYCLE}]
    sim = _run(_workflow({"steps": [group]}))
    assert sim.status.phase == "Failed"
    assert sim.node("w[0].a").phase == "Error" and DIVIDE in (sim.node("w[0].a").message or "")
