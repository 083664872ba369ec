"""Loops (withItems, withParam, withSequence, aggregated outputs) and retries
(limit, policies, backoff requeues, expression, `{{retries}}`)."""

from __future__ import annotations

import pytest

from tests.unit.engine.conftest import DATA
from tests.unit.engine.simulator import Script, Simulator, load
from workflow_engine.spec.models import Workflow


def wf_of(spec: dict, name: str = "wf") -> Workflow:
    return Workflow.model_validate(
        {"metadata": {"name": name, "namespace": "default"}, "spec": spec}
    )


def creates(sim: Simulator, template: str) -> list:
    return [
        a
        for d in sim.decisions
        for a in d.actions
        if getattr(a, "template", None) is not None and a.template.name == template
    ]


def test_loop_names_items_and_aggregated_outputs() -> None:
    sim = Simulator(
        load(str(DATA / "loops.yaml")),
        scripts={
            "gen": Script(stdout="[1, 2, 3]"),
            "loops[1].fan(0:1)": Script(params={"sq": "1"}, stdout="1"),
            "loops[1].fan(1:2)": Script(params={"sq": "4"}, stdout="4"),
            "loops[1].fan(2:3)": Script(params={"sq": "9"}, stdout="9"),
        },
    ).run()
    assert sim.status.phase == "Succeeded"
    names = {n.name for n in sim.nodes_named("loops[1].")}
    assert names == {
        "loops[1].fan(0:1)",
        "loops[1].fan(1:2)",
        "loops[1].fan(2:3)",
        "loops[1].letters(0:name:a,size:1)",
        "loops[1].letters(1:name:b,size:2)",
        "loops[1].seq(0:n01)",
        "loops[1].seq(1:n02)",
        "loops[1].seq(2:n03)",
    }
    assert sim.node("loops[1].letters(1:name:b,size:2)").inputs.parameters[0].value == "b-2"
    assert sim.node("loops[1].fan(0:1)").display_name == "fan(0:1)"
    total = creates(sim, "echo")[-1]
    assert total.template.container.command == ["echo", "[1,4,9]|[1,4,9]"]


def test_dag_loop_makes_a_task_group_and_aggregates() -> None:
    wf = wf_of(
        {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "dag": {
                        "tasks": [
                            {
                                "name": "each",
                                "template": "c",
                                "withItems": ["x", "y"],
                                "arguments": {"parameters": [{"name": "v", "value": "{{item}}"}]},
                            },
                            {
                                "name": "sum",
                                "template": "c",
                                "dependencies": ["each"],
                                "arguments": {
                                    "parameters": [
                                        {
                                            "name": "v",
                                            "value": "{{tasks.each.outputs.parameters.o}}",
                                        }
                                    ]
                                },
                            },
                        ]
                    },
                },
                {
                    "name": "c",
                    "inputs": {"parameters": [{"name": "v"}]},
                    "outputs": {"parameters": [{"name": "o", "valueFrom": {"path": "/o"}}]},
                    "container": {"image": "x"},
                },
            ],
        }
    )
    sim = Simulator(wf, scripts={"c": Script(params={"o": "z"})}).run()
    group = sim.node("wf.each")
    assert group.type == "TaskGroup" and group.phase == "Succeeded"
    assert [sim.status.nodes[c].name for c in group.children] == ["wf.each(0:x)", "wf.each(1:y)"]
    assert sim.node("wf.sum").inputs.parameters[0].value == '["z","z"]'


def test_empty_with_param_skips() -> None:
    wf = wf_of(
        {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "steps": [[{"name": "none", "template": "c", "withParam": "[]"}]]},
                {"name": "c", "container": {"image": "x"}},
            ],
        }
    )
    sim = Simulator(wf).run()
    node = sim.node("wf[0].none")
    assert (node.phase, node.message) == ("Skipped", "Skipped, empty params")
    assert sim.status.phase == "Succeeded"


def test_bad_with_param_is_an_error_with_argo_message() -> None:
    wf = wf_of(
        {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "steps": [[{"name": "x", "template": "c", "withParam": "not json"}]],
                },
                {"name": "c", "container": {"image": "x"}},
            ],
        }
    )
    sim = Simulator(wf).run()
    assert sim.status.phase == "Failed"
    assert (
        "withParam value could not be parsed as a JSON list: not json" in sim.node("wf[0]").message
    )


def test_retry_backoff_requeues_and_counts_attempts() -> None:
    sim = Simulator(
        load(str(DATA / "retry-backoff.yaml")),
        scripts={"flaky": [Script(exit_code=1), Script(exit_code=1), Script()]},
    ).run()
    assert sim.status.phase == "Succeeded"
    retry = sim.node("retry[0].flaky")
    assert retry.type == "Retry" and retry.phase == "Succeeded"
    assert [sim.status.nodes[c].name for c in retry.children] == [
        "retry[0].flaky(0)",
        "retry[0].flaky(1)",
        "retry[0].flaky(2)",
    ]
    # backoff: 10s, then 10*2s, each counted from the previous attempt's end
    assert [t for t, kind, _ in sim.events if kind == "started"] == [0.0, 11.0, 32.0]
    assert 10.0 in sim.requeues and 20.0 in sim.requeues
    commands = [c.template.container.command[-1] for c in creates(sim, "flaky")]
    assert commands == ["exit $(( 0 < 2 ))", "exit $(( 1 < 2 ))", "exit $(( 2 < 2 ))"]


def _retry_wf(strategy: dict) -> Workflow:
    return wf_of(
        {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "retryStrategy": strategy, "container": {"image": "x"}},
            ],
        }
    )


@pytest.mark.parametrize(
    ("strategy", "script", "attempts", "phase", "message"),
    [
        pytest.param(
            {"limit": 2}, Script(exit_code=1), 3, "Failed", "No more retries left", id="limit"
        ),
        pytest.param(
            {"limit": 2, "retryPolicy": "OnError"},
            Script(exit_code=1),
            1,
            "Failed",
            "Error (exit code 1)",
            id="on-error-ignores-failure",
        ),
        pytest.param(
            {"limit": 2},
            Script(executor_error="boom"),
            1,
            "Error",
            "boom",
            id="default-on-failure-ignores-error",
        ),
        pytest.param(
            {"limit": 2, "retryPolicy": "OnError"},
            Script(executor_error="boom"),
            3,
            "Error",
            "No more retries left",
            id="on-error",
        ),
        pytest.param(
            {"limit": 1, "retryPolicy": "Always"},
            Script(executor_error="boom"),
            2,
            "Error",
            "No more retries left",
            id="always",
        ),
        pytest.param(
            {"limit": 2, "retryPolicy": "OnTransientError"},
            Script(executor_error="dial: connection reset by peer"),
            3,
            "Error",
            "No more retries left",
            id="transient",
        ),
        pytest.param(
            {"limit": 5, "expression": "asInt(lastRetry.exitCode) == 2"},
            Script(exit_code=3),
            1,
            "Failed",
            "retryStrategy.expression evaluated to false",
            id="expression-false",
        ),
        pytest.param(
            {"limit": 2, "expression": "asInt(lastRetry.exitCode) == 2"},
            Script(exit_code=2),
            3,
            "Failed",
            "No more retries left",
            id="expression-true",
        ),
    ],
)
def test_retry_policies(
    strategy: dict, script: Script, attempts: int, phase: str, message: str
) -> None:
    sim = Simulator(_retry_wf(strategy), scripts={"main": script}).run()
    assert sim.creates == attempts
    root = sim.node("wf")
    assert (root.type, root.phase, root.message) == ("Retry", phase, message)
    assert sim.status.phase == phase


def test_retry_max_duration_stops_retrying() -> None:
    strategy = {"limit": 10, "backoff": {"duration": "5s", "maxDuration": "12s"}}
    sim = Simulator(_retry_wf(strategy), scripts={"main": Script(exit_code=1, seconds=1)}).run()
    # attempts start at 0s, 6s and 12s; after the third ends (13s) the 12s budget is spent
    assert sim.node("wf").message == "Max duration limit exceeded"
    assert sim.creates == 3


def test_retry_node_takes_the_last_attempts_outputs() -> None:
    wf = wf_of(
        {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "retryStrategy": {"limit": 3},
                    "script": {"image": "x", "command": ["sh"], "source": "echo"},
                },
            ],
        }
    )
    sim = Simulator(wf, scripts={"main": [Script(exit_code=1), Script(stdout="ok")]}).run()
    assert sim.node("wf").outputs.result == "ok"


@pytest.mark.parametrize(
    ("step", "message"),
    [
        pytest.param({"withSequence": {"count": "many"}}, "invalid literal", id="bad-sequence"),
        pytest.param({"withItems": ["{{nope}}"]}, "nope", id="unresolved-item"),
    ],
)
def test_bad_loops_error_the_group_instead_of_crashing(step: dict, message: str) -> None:
    wf = wf_of(
        {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "steps": [[{"name": "x", "template": "c", **step}]]},
                {"name": "c", "container": {"image": "x"}},
            ],
        }
    )
    sim = Simulator(wf).run()
    group = sim.node("wf[0]")
    assert group.phase == "Error" and message in group.message
