"""No workflow ever stays Running because of a metric, an expression or a missing
output (issue 11's acceptance): random workflows mix failing `{{=...}}` arguments and
`when` conditions, metrics that cannot be computed, references to outputs that do
not exist (or that a pod did not report), retryStrategy, exit handlers, lifecycle hooks and
random pod failures; each is driven to its end by `operate` and must complete within a bounded
number of rounds, with every errored node saying which field failed.

Real: `operate` and the spec models. Simulated: pods (tests/unit/engine/simulator.py,
on a simulated clock)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.engine.simulator import Script, Simulator
from workflow_engine.spec.models import Workflow
from workflow_engine.spec.status import FULFILLED_PHASES

COMPLETED = ("Succeeded", "Failed", "Error")
ROUNDS = 400  # operate calls; a workflow of these sizes needs well under 100

# `X` stands for the reference prefix of an earlier task (`tasks.tN` / `steps.tN`).
ARGUMENTS = [
    "plain",
    "{{X.outputs.parameters.out}}",  # exists when the pod reported it
    "{{X.outputs.parameters.nope}}",  # never declared
    "{{X.outputs.result}}",
    "{{=1/0}}",
    "{{=nope(1)}}",
    "{{=X.outputs.parameters.nope ?? 'fallback'}}",
    "{{=X.outputs.result + 1}}",  # a string plus a number
    "{{workflow.parameters.missing}}",
]
WHENS = [
    None,
    "{{=true}}",
    "{{=1/0}}",
    "{{X.outputs.result}} == out",
    "{{X.outputs.parameters.nope}} == 1",
    "{{workflow.name}} ==",  # a syntax error
    "{{=X.outputs.result > 2}}",  # a string compared to a number
]
METRIC_VALUES = [
    "1",
    "{{duration}}",
    "{{exitCode}}",
    "{{outputs.parameters.nope}}",
    "x",
    "{{=1/0}}",
]
METRIC_WHENS = [None, "{{status}} == Succeeded", "{{status}} ==", "{{nope}} == 1"]
MAIN_OUTPUTS = [
    None,
    {"name": "o", "valueFrom": {"parameter": "{{X.outputs.parameters.out}}"}},
    {"name": "o", "valueFrom": {"parameter": "{{X.outputs.parameters.nope}}"}},
    {"name": "o", "valueFrom": {"parameter": "{{X.outputs.parameters.nope}}", "default": "d"}},
    {"name": "o", "valueFrom": {"expression": "X.outputs.result + 1"}},
    {"name": "o", "valueFrom": {"expression": "1/0"}},
]
RETRY_EXPRESSIONS = [None, "lastRetry.status == 'Failed'", "lastRetry.nope > 1", "1/0"]
HOOK_EXPRESSIONS = ["true", "1/0", "nope.x > 1", "X.status == 'Running'", "X.outputs.result > 2"]

# Words an errored node's message must contain one of: the field that failed
# (unless it is one of the messages Argo itself gives).
FIELD_WORDS = (
    "when",
    "arguments",
    "outputs",
    "output parameter",
    "inputs",
    "retryStrategy",
    "hooks",
)
ARGO_MESSAGES = ("No more retries left", "executor failed")


def _fill(text: str, ref: str) -> str:
    return text.replace("X.", f"{ref}.")


@st.composite
def metrics(draw: st.DrawFn) -> dict[str, Any] | None:
    chosen = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["gauge", "counter", "histogram"]),
                st.sampled_from(METRIC_VALUES),
                st.sampled_from(METRIC_WHENS),
            ),
            max_size=2,
        )
    )
    if not chosen:
        return None
    out = []
    for i, (kind, value, when) in enumerate(chosen):
        metric: dict[str, Any] = {"name": f"m{i}", "help": "h", kind: {"value": value}}
        if kind == "histogram":
            metric[kind]["buckets"] = [1.0]
        if when is not None:
            metric["when"] = when
        out.append(metric)
    return {"prometheus": out}


@st.composite
def workflows(draw: st.DrawFn) -> tuple[Workflow, dict[str, list[Script]]]:
    dag = draw(st.booleans())
    count = draw(st.integers(1, 4))
    calls: list[dict[str, Any]] = []
    for i in range(count):
        ref = f"{'tasks' if dag else 'steps'}.t{draw(st.integers(0, max(i - 1, 0)))}"
        call: dict[str, Any] = {"name": f"t{i}", "template": draw(st.sampled_from(["c", "r"]))}
        if i:
            arg = _fill(draw(st.sampled_from(ARGUMENTS)), ref)
            call["arguments"] = {"parameters": [{"name": "p", "value": arg}]}
            when = draw(st.sampled_from(WHENS))
            if when is not None:
                call["when"] = _fill(when, ref)
            if dag:
                call["depends"] = draw(
                    st.sampled_from([f"t{i - 1}", f"t{i - 1} || !t{i - 1}", f"t{i - 1}.Failed"])
                )
        if draw(st.booleans()) and draw(st.booleans()):
            call["continueOn"] = {"failed": True}
        if draw(st.booleans()) and draw(st.booleans()):
            call["onExit"] = "exit"
        if i and draw(st.booleans()) and draw(st.booleans()):
            hook = _fill(draw(st.sampled_from(HOOK_EXPRESSIONS)), ref)
            call["hooks"] = {"running": {"expression": hook, "template": "exit"}}
        calls.append(call)
    last = f"{'tasks' if dag else 'steps'}.t{count - 1}"
    main: dict[str, Any] = {"name": "main"}
    main["dag" if dag else "steps"] = {"tasks": calls} if dag else [[c] for c in calls]
    output = draw(st.sampled_from(MAIN_OUTPUTS))
    if output is not None:
        main["outputs"] = {"parameters": [json.loads(_fill(json.dumps(output), last))]}
    leaf: dict[str, Any] = {
        "name": "c",
        "inputs": {"parameters": [{"name": "p", "value": "0"}]},
        "outputs": {"parameters": [{"name": "out", "valueFrom": {"path": "/tmp/out"}}]},
        "container": {"image": "x", "args": ["{{inputs.parameters.p}}"]},
    }
    leaf_metrics = draw(metrics())
    if leaf_metrics:
        leaf["metrics"] = leaf_metrics
    retry: dict[str, Any] = {"limit": draw(st.integers(0, 2))}
    retry_expression = draw(st.sampled_from(RETRY_EXPRESSIONS))
    if retry_expression is not None:
        retry["expression"] = retry_expression
    retried = {**leaf, "name": "r", "retryStrategy": retry}
    exit_handler: dict[str, Any] = {
        "name": "exit",
        "inputs": {"parameters": [{"name": "p", "value": "{{workflow.status}}"}]},
        "container": {"image": "x", "args": ["{{inputs.parameters.p}}"]},
    }
    exit_metrics = draw(metrics())
    if exit_metrics:
        exit_handler["metrics"] = exit_metrics
    spec: dict[str, Any] = {
        "entrypoint": "main",
        "templates": [main, leaf, retried, exit_handler],
    }
    if draw(st.booleans()):
        spec["onExit"] = "exit"
    wf_metrics = draw(metrics())
    if wf_metrics:
        spec["metrics"] = wf_metrics
    outcome = st.builds(
        Script,
        exit_code=st.sampled_from([0, 0, 1, 2]),
        stdout=st.sampled_from(["out", "3"]),
        params=st.sampled_from([{"out": "v"}, {}]),  # {}: the pod did not report `out`
        seconds=st.integers(1, 4),
        executor_error=st.sampled_from([None, None, None, "executor failed"]),
    )
    scripts = {name: draw(st.lists(outcome, min_size=1, max_size=6)) for name in ("c", "r")}
    scripts["exit"] = [draw(outcome)]
    meta = {"name": "w", "namespace": "default"}
    return Workflow.model_validate({"metadata": meta, "spec": spec}), scripts


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(workflows())
def test_no_workflow_stays_running(case: tuple[Workflow, dict[str, list[Script]]]) -> None:
    wf, scripts = case
    sim = Simulator(wf, scripts=dict(scripts)).run(max_steps=ROUNDS)
    shown = json.dumps(wf.spec.model_dump(mode="json", by_alias=True, exclude_none=True))
    assert sim.status.phase in COMPLETED, shown
    assert all(n.phase in FULFILLED_PHASES for n in sim.status.nodes.values()), shown
    for node in sim.status.nodes.values():
        if node.phase == "Error" and node.message and node.message not in ARGO_MESSAGES:
            named = re.fullmatch(r"child '([^']+)' failed", node.message)
            if named is not None:  # a DAG names its failed child, as Argo does
                assert sim.status.nodes[named.group(1)].phase in ("Failed", "Error"), shown
                continue
            assert any(word in node.message for word in FIELD_WORDS), (node.message, shown)


LEAF = {
    "name": "c",
    "inputs": {"parameters": [{"name": "p", "value": "0"}]},
    "container": {"image": "x", "args": ["{{inputs.parameters.p}}"]},
}


def _one_call(kind: str, call: dict[str, Any], **main: Any) -> Workflow:
    body = {"dag": {"tasks": [call]}} if kind == "dag" else {"steps": [[call]]}
    templates = [{"name": "main", **body, **main}, LEAF]
    retried = {**LEAF, "name": "r", "retryStrategy": {"limit": 2, "expression": "1/0"}}
    spec = {"entrypoint": "main", "templates": [*templates, retried]}
    return Workflow.model_validate(
        {"metadata": {"name": "w", "namespace": "default"}, "spec": spec}
    )


FIELD_CASES = {
    "when": ({"name": "a", "template": "c", "when": "{{=1/0}}"}, {}, "when: {{=1/0}}: division"),
    "argument": (
        {
            "name": "a",
            "template": "c",
            "arguments": {"parameters": [{"name": "p", "value": "{{=nope(1)}}"}]},
        },
        {},
        "arguments.parameters[0].value: in tag {{=nope(1)}}",
    ),
    "missing-output": (
        {"name": "a", "template": "c"},
        {
            "outputs": {
                "parameters": [
                    {"name": "o", "valueFrom": {"parameter": "{{X.a.outputs.parameters.nope}}"}}
                ]
            }
        },
        "outputs.parameters[0]: unresolved tag {{X.a.outputs.parameters.nope}}",
    ),
    "hook-expression": (
        {"name": "a", "template": "c", "hooks": {"h": {"expression": "1/0", "template": "c"}}},
        {},
        "hooks.h.expression: division by zero",
    ),
    "retry-expression": (
        {"name": "a", "template": "r"},
        {},
        "retryStrategy.expression: division by zero",
    ),
}


@pytest.mark.parametrize("kind", ["dag", "steps"])
@pytest.mark.parametrize("case", list(FIELD_CASES), ids=list(FIELD_CASES))
def test_an_error_names_the_field_that_failed(kind: str, case: str) -> None:
    call, main, expected = FIELD_CASES[case]
    ref = "tasks" if kind == "dag" else "steps"
    main = json.loads(json.dumps(main).replace("X.", f"{ref}."))
    scripts = {"c": Script(), "r": Script(exit_code=1)}
    sim = Simulator(_one_call(kind, call, **main), scripts=dict(scripts)).run(max_steps=50)
    assert sim.status.phase in COMPLETED  # a hook's error errors its node, not the step
    messages = [n.message or "" for n in sim.status.nodes.values() if n.phase == "Error"]
    assert any(m.startswith(expected.replace("X.", f"{ref}.")) for m in messages), messages
