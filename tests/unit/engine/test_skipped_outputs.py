"""Outputs of skipped and omitted nodes, inputs that refer to other inputs, and an
argument artifact's subPath.

Argo v4 (workflow/controller, addSkippedNodeOutputsToScope; PR argoproj/argo-workflows
#16223 "drop values when skipped arguments are being substituted"): a skipped or
omitted step/task's declared output parameters with `valueFrom.default` take that
default; an argument that is exactly a reference to an output the skipped node never
produced is dropped, so the called template's input `default` applies; and expr-lang
makes every read left of `??` optional, so `tasks.A.outputs.parameters.x ?? 'y'` is
`'y'`. Inputs are substituted in order, so a default may use the inputs before it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.engine.simulator import Simulator
from workflow_engine.engine import CreatePod
from workflow_engine.engine.params import at_sub_path
from workflow_engine.spec.models import Artifact, Workflow

PRODUCE = {
    "name": "produce",
    "container": {"image": "alpine", "command": ["true"]},
    "outputs": {
        "parameters": [
            {"name": "out", "valueFrom": {"path": "/tmp/o", "default": "from-default"}},
            {"name": "bare", "valueFrom": {"path": "/tmp/b"}},
        ]
    },
}
ECHO = {
    "name": "echo",
    "inputs": {"parameters": [{"name": "p", "default": "input-default"}]},
    "container": {"image": "alpine", "command": ["echo", "{{inputs.parameters.p}}"]},
}
CASES = {
    "default-of-the-output": "{{X.A.outputs.parameters.out}}",
    "input-default": "{{X.A.outputs.parameters.bare}}",
    "coalesce": "{{=X.A.outputs.parameters.bare ?? 'coalesced'}}",
}
EXPECTED = {
    "default-of-the-output": "from-default",
    "input-default": "input-default",
    "coalesce": "coalesced",
}


def echoed(sim: Simulator) -> dict[str, str]:
    return {
        a.node_name.rsplit(".", 1)[-1]: a.template.container.command[1]
        for d in sim.decisions
        for a in d.actions
        if isinstance(a, CreatePod) and a.template.container.command[0] == "echo"
    }


def dag(skip: dict[str, Any]) -> Workflow:
    tasks: list[dict[str, Any]] = [{"name": "A", "template": "produce", **skip}]
    for name, value in CASES.items():
        tasks.append(
            {
                "name": name,
                "depends": "A.Skipped || A.Succeeded || A.Omitted" if "when" in skip else "A || !A",
                "template": "echo",
                "arguments": {"parameters": [{"name": "p", "value": value.replace("X", "tasks")}]},
            }
        )
    return wf(
        {
            "name": "main",
            "dag": {"tasks": tasks},
            "outputs": {
                "parameters": [
                    {
                        "name": "o",
                        "valueFrom": {
                            "parameter": "{{tasks.A.outputs.parameters.bare}}",
                            "default": "dag-default",
                        },
                    }
                ]
            },
        }
    )


def wf(main: dict[str, Any]) -> Workflow:
    return Workflow.model_validate(
        {
            "metadata": {"name": "wf", "namespace": "default"},
            "spec": {"entrypoint": "main", "templates": [main, PRODUCE, ECHO]},
        }
    )


def test_a_skipped_tasks_outputs_fall_back_to_defaults() -> None:
    sim = Simulator(dag({"when": "false"})).run()
    assert sim.status.phase == "Succeeded", sim.status.message
    assert sim.node("wf.A").phase == "Skipped"
    assert echoed(sim) == EXPECTED
    [param] = sim.node("wf").outputs.parameters
    assert param.value == "dag-default"


def test_a_skipped_steps_outputs_fall_back_to_defaults() -> None:
    later = [
        {
            "name": name,
            "template": "echo",
            "arguments": {"parameters": [{"name": "p", "value": value.replace("X", "steps")}]},
        }
        for name, value in CASES.items()
    ]
    main = {
        "name": "main",
        "steps": [[{"name": "A", "template": "produce", "when": "false"}], later],
    }
    sim = Simulator(wf(main)).run()
    assert sim.status.phase == "Succeeded", sim.status.message
    assert echoed(sim) == EXPECTED


def test_an_omitted_tasks_outputs_fall_back_to_defaults() -> None:
    tasks = [
        {"name": "Z", "template": "produce", "when": "false"},
        {"name": "A", "template": "produce", "depends": "Z.Succeeded"},
        *(
            {
                "name": name,
                "depends": "A.Omitted",
                "template": "echo",
                "arguments": {"parameters": [{"name": "p", "value": v.replace("X", "tasks")}]},
            }
            for name, v in CASES.items()
        ),
    ]
    sim = Simulator(wf({"name": "main", "dag": {"tasks": tasks}})).run()
    assert sim.node("wf.A").phase == "Omitted"
    assert echoed(sim) == EXPECTED


def test_a_reference_to_a_task_that_ran_is_not_dropped() -> None:
    """Only a skipped node's missing output is dropped: one that ran and did not report
    a declared output still fails the consumer."""
    main = {
        "name": "main",
        "dag": {
            "tasks": [
                {"name": "A", "template": "echo"},
                {
                    "name": "B",
                    "depends": "A",
                    "template": "echo",
                    "arguments": {
                        "parameters": [
                            {"name": "p", "value": "{{tasks.A.outputs.parameters.nope}}"}
                        ]
                    },
                },
            ]
        },
    }
    sim = Simulator(wf(main)).run()
    assert sim.status.phase != "Succeeded"
    assert "nope" in (sim.node("wf.B").message or "")


@pytest.mark.parametrize(
    ("default", "expected"),
    [
        ("{{inputs.parameters.a}}-plain", "base-plain"),
        ("{{=inputs.parameters.a + '-expr'}}", "base-expr"),
        ("{{=sprig.upper(inputs.parameters.a)}}", "BASE"),
    ],
    ids=["tag", "expression", "sprig"],
)
def test_an_input_default_may_use_an_earlier_input(default: str, expected: str) -> None:
    main = {
        "name": "main",
        "inputs": {
            "parameters": [{"name": "a", "value": "base"}, {"name": "b", "default": default}]
        },
        "container": {"image": "alpine", "command": ["echo", "{{inputs.parameters.b}}"]},
    }
    sim = Simulator(wf(main)).run()
    assert sim.status.phase == "Succeeded", sim.status.message
    assert echoed(sim) == {"wf": expected}


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ({"s3": {"key": "wf/site"}}, {"s3": {"key": "wf/site/docs/index.txt"}}),
        ({"local": {"key": "wf/site/"}}, {"local": {"key": "wf/site/docs/index.txt"}}),
        ({"http": {"url": "http://h/site"}}, {"http": {"url": "http://h/site/docs/index.txt"}}),
    ],
    ids=["s3", "local", "http"],
)
def test_an_argument_sub_path_extends_the_key(
    location: dict[str, Any], expected: dict[str, Any]
) -> None:
    """Argo's AppendToKey: `subPath` on an argument artifact picks a path inside it."""
    art = Artifact.model_validate({"name": "a", "subPath": "/docs/index.txt", **location})
    assert at_sub_path(art).to_dict() == {"name": "a", **expected}
