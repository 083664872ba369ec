"""Random expressions at run time: in a step's `when`, its arguments, a template's
output expression, a lifecycle hook's condition and a DAG task's arguments, whatever
they evaluate to (a value, a type error, an overflow), `operate()` raises nothing and
the workflow ends, in Error with a message when an expression could not be evaluated.
Real: `operate` and the spec models; pods are simulated (tests/unit/engine/simulator.py);
expressions come from tests/unit/expr/generated.py."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.engine.simulator import Script, Simulator
from tests.unit.expr.generated import EXPRESSIONS
from workflow_engine.spec.models import Workflow

PLACES = ("when", "argument", "output", "hook", "task")


def _tag(expr: str) -> str:
    return "{{=" + expr + "}}"


def _workflow(place: str, expr: str) -> Workflow:
    step: dict = {
        "name": "a",
        "template": "c",
        "arguments": {"parameters": [{"name": "p", "value": "1"}]},
    }
    task: dict = {
        "name": "t",
        "template": "c",
        "arguments": {"parameters": [{"name": "p", "value": "1"}]},
    }
    main_outputs: dict = {}
    if place == "when":
        step["when"] = _tag(expr)
    elif place == "argument":
        step["arguments"]["parameters"][0]["value"] = _tag(expr)
    elif place == "output":
        main_outputs = {"parameters": [{"name": "o", "valueFrom": {"expression": expr}}]}
    elif place == "hook":
        step["hooks"] = {"h": {"expression": expr, "template": "c"}}
    else:
        task["arguments"]["parameters"][0]["value"] = _tag(expr)
    spec = {
        "entrypoint": "main",
        "templates": [
            {
                "name": "main",
                "steps": [[step], [{"name": "d", "template": "dag"}]],
                "outputs": main_outputs,
            },
            {"name": "dag", "dag": {"tasks": [task]}},
            {
                "name": "c",
                "inputs": {"parameters": [{"name": "p", "value": "0"}]},
                "container": {"image": "x", "args": ["{{inputs.parameters.p}}"]},
            },
        ],
    }
    meta = {"name": "w", "namespace": "default"}
    return Workflow.model_validate({"metadata": meta, "spec": spec})


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(PLACES), EXPRESSIONS)
def test_any_expression_at_run_time_ends_the_workflow_with_a_message(place: str, expr: str) -> None:
    sim = Simulator(_workflow(place, expr), scripts={"c": Script(stdout="out")}).run()
    status = sim.status
    assert status.phase in ("Succeeded", "Failed", "Error"), json.dumps(expr)
    if status.phase != "Succeeded":
        messages = [status.message or ""] + [n.message or "" for n in status.nodes.values()]
        assert any(messages), f"{place}: {expr} ended {status.phase} without a message"
