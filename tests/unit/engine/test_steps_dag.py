"""Steps and DAG semantics: order, node tree (children, boundaries, outbound nodes),
`when`, `depends`, continueOn, failFast and the messages Argo writes."""

from __future__ import annotations

import pytest

from tests.unit.engine.conftest import DATA
from tests.unit.engine.simulator import Script, Simulator, load
from workflow_engine.spec.models import Workflow


def wf_of(spec: dict, name: str = "wf") -> Workflow:
    return Workflow.model_validate(
        {"metadata": {"name": name, "namespace": "default"}, "spec": spec}
    )


def test_steps_run_groups_in_sequence_and_steps_in_parallel() -> None:
    sim = Simulator(load(str(DATA / "steps-hello.yaml"))).run()
    assert sim.status.phase == "Succeeded"
    assert sim.span("steps[0].hello1") == (0.0, 1.0)
    assert sim.span("steps[1].hello2a") == (1.0, 2.0)
    assert sim.span("steps[1].hello2b") == (1.0, 2.0)


def test_steps_node_tree_is_shaped_like_argo() -> None:
    sim = Simulator(load(str(DATA / "steps-hello.yaml"))).run()
    root, g0, g1 = sim.node("steps"), sim.node("steps[0]"), sim.node("steps[1]")
    hello1 = sim.node("steps[0].hello1")
    assert (root.type, g0.type, hello1.type) == ("Steps", "StepGroup", "Pod")
    assert root.children == [g0.id]
    assert g0.children == [hello1.id]
    assert hello1.children == [g1.id]  # groups chain through the previous group's outbound nodes
    assert g0.display_name == "[0]" and hello1.display_name == "hello1"
    assert {g0.boundary_id, hello1.boundary_id} == {root.id}
    assert sorted(root.outbound_nodes) == sorted(
        [sim.node("steps[1].hello2a").id, sim.node("steps[1].hello2b").id]
    )
    assert hello1.template_name == "print-message"
    assert hello1.inputs.parameters[0].value == "hello1"


@pytest.mark.parametrize("side", ["heads", "tails"])
def test_coinflip_runs_only_the_matching_branch(side: str) -> None:
    other = "tails" if side == "heads" else "heads"
    sim = Simulator(
        load(str(DATA / "coinflip.yaml")), scripts={"flip-coin": Script(stdout=side)}
    ).run()
    assert sim.status.phase == "Succeeded"
    assert sim.node(f"coinflip[1].{side}").phase == "Succeeded"
    skipped = sim.node(f"coinflip[1].{other}")
    assert (skipped.phase, skipped.type) == ("Skipped", "Skipped")
    assert skipped.message == f"when '{side} == {other}' evaluated false"
    assert f"coinflip[1].{other}" not in sim.started_order()


def test_dag_diamond_order_and_edges() -> None:
    sim = Simulator(load(str(DATA / "dag-diamond.yaml"))).run()
    assert sim.status.phase == "Succeeded"
    assert sim.span("dag-diamond.A") == (0.0, 1.0)
    assert sim.span("dag-diamond.B")[0] == sim.span("dag-diamond.C")[0] == 1.0
    assert sim.span("dag-diamond.D")[0] == 2.0
    a, b, c, d = (sim.node(f"dag-diamond.{x}") for x in "ABCD")
    assert sim.node("dag-diamond").children == [a.id]
    assert sorted(a.children) == sorted([b.id, c.id])
    assert b.children == [d.id] and c.children == [d.id]
    assert sim.node("dag-diamond").outbound_nodes == [d.id]


def test_step_failure_fails_group_and_workflow_with_argo_messages() -> None:
    sim = Simulator(
        load(str(DATA / "steps-hello.yaml")), scripts={"hello1": Script(exit_code=1)}
    ).run()
    hello1 = sim.node("steps[0].hello1")
    assert (hello1.phase, hello1.message) == ("Failed", "Error (exit code 1)")
    assert sim.node("steps[0]").message == f"child '{hello1.id}' failed"
    assert sim.status.phase == "Failed"
    assert sim.status.message == f"child '{hello1.id}' failed"
    assert "steps[1].hello2a" not in sim.started_order()


@pytest.mark.parametrize(
    ("continue_on", "exit_code", "phase"),
    [
        pytest.param({"failed": True}, 1, "Succeeded", id="continue-on-failed"),
        pytest.param({"error": True}, 1, "Failed", id="error-flag-does-not-cover-failure"),
        pytest.param(None, 1, "Failed", id="no-continue-on"),
    ],
)
def test_steps_continue_on(continue_on: dict | None, exit_code: int, phase: str) -> None:
    step = {"name": "a", "template": "c"}
    if continue_on:
        step["continueOn"] = continue_on
    wf = wf_of(
        {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "steps": [[step], [{"name": "b", "template": "c"}]]},
                {"name": "c", "container": {"image": "x"}},
            ],
        }
    )
    sim = Simulator(wf, scripts={"a": Script(exit_code=exit_code)}).run()
    assert sim.status.phase == phase
    assert ("wf[1].b" in sim.started_order()) == (phase == "Succeeded")


def _dag(tasks: list[dict], fail_fast: bool | None = None) -> Workflow:
    dag: dict = {"tasks": tasks}
    if fail_fast is not None:
        dag["failFast"] = fail_fast
    return wf_of(
        {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "dag": dag},
                {"name": "c", "container": {"image": "x"}},
            ],
        }
    )


@pytest.mark.parametrize(
    ("fail_fast", "started", "message"),
    [
        pytest.param(
            True, 2, "template has failed or errored children and failFast enabled", id="on"
        ),
        pytest.param(None, 4, None, id="off-by-default-for-steps"),
    ],
)
def test_template_fail_fast_stops_new_children(
    fail_fast: bool | None, started: int, message: str | None
) -> None:
    main: dict = {
        "name": "main",
        "parallelism": 2,
        "steps": [
            [
                {
                    "name": "s",
                    "template": "c",
                    "withItems": ["bad", "b", "c", "d"],
                    "arguments": {"parameters": [{"name": "x", "value": "{{item}}"}]},
                },
            ]
        ],
    }
    if fail_fast is not None:
        main["failFast"] = fail_fast
    wf = wf_of(
        {
            "entrypoint": "main",
            "templates": [
                main,
                {
                    "name": "c",
                    "inputs": {"parameters": [{"name": "x"}]},
                    "container": {"image": "x"},
                },
            ],
        }
    )
    sim = Simulator(
        wf, scripts={"wf[0].s(0:bad)": Script(exit_code=1, seconds=1), "c": Script(seconds=3)}
    ).run()
    assert sim.status.phase == "Failed"
    assert len(sim.started_order()) == started
    if message:
        assert sim.node("wf").message == message


@pytest.mark.parametrize(
    ("depends", "a_exit", "runs"),
    [
        pytest.param("a", 0, True, id="bare-name-means-succeeded"),
        pytest.param("a", 1, False, id="bare-name-omits-on-failure"),
        pytest.param("a.Failed", 1, True, id="failed-branch"),
        pytest.param("a.Failed", 0, False, id="failed-branch-not-taken"),
        pytest.param("a.Succeeded || a.Failed", 1, True, id="either"),
        pytest.param("!a.Succeeded", 1, True, id="negation"),
    ],
)
def test_dag_depends(depends: str, a_exit: int, runs: bool) -> None:
    wf = _dag(
        [
            {"name": "a", "template": "c"},
            {"name": "b", "template": "c", "depends": depends},
        ]
    )
    sim = Simulator(wf, scripts={"a": Script(exit_code=a_exit)}).run()
    b = sim.node("wf.b")
    if runs:
        assert b.phase == "Succeeded"
    else:
        assert (b.phase, b.message) == ("Omitted", "omitted: depends condition not met")


def test_dag_continue_on_lets_dependants_run_and_dag_succeed() -> None:
    wf = _dag(
        [
            {"name": "a", "template": "c", "continueOn": {"failed": True}},
            {"name": "b", "template": "c", "dependencies": ["a"]},
        ]
    )
    sim = Simulator(wf, scripts={"a": Script(exit_code=1)}).run()
    assert sim.node("wf.b").phase == "Succeeded"
    assert sim.status.phase == "Succeeded"


def test_dag_target_runs_only_the_targets_ancestry() -> None:
    wf = wf_of(
        {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "dag": {
                        "target": "b",
                        "tasks": [
                            {"name": "a", "template": "c"},
                            {"name": "b", "template": "c", "dependencies": ["a"]},
                            {"name": "other", "template": "c"},
                        ],
                    },
                },
                {"name": "c", "container": {"image": "x"}},
            ],
        }
    )
    sim = Simulator(wf).run()
    assert sim.status.phase == "Succeeded"
    assert sim.started_order() == ["wf.a", "wf.b"]


def _targeted(target: str) -> Workflow:
    return wf_of(
        {
            "entrypoint": "main",
            "arguments": {"parameters": [{"name": "goal", "value": "b"}]},
            "templates": [
                {
                    "name": "main",
                    "inputs": {"parameters": [{"name": "pick", "value": "other"}]},
                    "dag": {
                        "target": target,
                        "tasks": [
                            {"name": "a", "template": "c"},
                            {"name": "b", "template": "c", "dependencies": ["a"]},
                            {"name": "other", "template": "c"},
                        ],
                    },
                },
                {"name": "c", "container": {"image": "x"}},
            ],
        }
    )


@pytest.mark.parametrize(
    ("target", "started"),
    [
        ("{{workflow.parameters.goal}}", ["wf.a", "wf.b"]),
        ("{{inputs.parameters.pick}}", ["wf.other"]),
        (
            "{{=inputs.parameters.pick + ' ' + workflow.parameters.goal}}",
            ["wf.a", "wf.b", "wf.other"],
        ),
    ],
    ids=["workflow-parameter", "input-parameter", "expression"],
)
def test_dag_target_is_substituted(target: str, started: list[str]) -> None:
    sim = Simulator(_targeted(target)).run()
    assert sim.status.phase == "Succeeded"
    assert sorted(sim.started_order()) == started


def test_dag_target_naming_no_task_errors_the_dag() -> None:
    sim = Simulator(_targeted("{{inputs.parameters.pick}}x")).run()
    assert sim.status.phase == "Error"
    assert "target 'otherx' is not a task of the dag" in (sim.node("wf").message or "")


def test_dag_when_false_skips_and_dependants_still_run() -> None:
    wf = _dag(
        [
            {"name": "a", "template": "c", "when": "1 == 2"},
            {"name": "b", "template": "c", "dependencies": ["a"]},
        ]
    )
    sim = Simulator(wf).run()
    assert sim.node("wf.a").phase == "Skipped"
    assert sim.node("wf.b").phase == "Succeeded"


def test_dag_task_outputs_feed_later_tasks() -> None:
    wf = wf_of(
        {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "dag": {
                        "tasks": [
                            {"name": "gen", "template": "gen"},
                            {
                                "name": "use",
                                "template": "echo",
                                "dependencies": ["gen"],
                                "arguments": {
                                    "parameters": [
                                        {
                                            "name": "m",
                                            "value": "{{tasks.gen.outputs.result}}/"
                                            "{{tasks.gen.outputs.parameters.p}}/"
                                            "{{tasks.gen.status}}",
                                        },
                                    ]
                                },
                            },
                        ]
                    },
                },
                {
                    "name": "gen",
                    "outputs": {"parameters": [{"name": "p", "valueFrom": {"path": "/p"}}]},
                    "script": {"image": "x", "command": ["sh"], "source": "echo hi"},
                },
                {
                    "name": "echo",
                    "inputs": {"parameters": [{"name": "m"}]},
                    "container": {"image": "x", "args": ["{{inputs.parameters.m}}"]},
                },
            ],
        }
    )
    sim = Simulator(wf, scripts={"gen": Script(stdout="hi", params={"p": "v"})}).run()
    create = next(
        a for d in sim.decisions for a in d.actions if getattr(a, "node_name", "") == "wf.use"
    )
    assert create.template.container.args == ["hi/v/Succeeded"]


def test_dag_tasks_declared_before_their_dependencies_still_run_in_order() -> None:
    wf = _dag(
        [
            {"name": "c", "template": "c", "dependencies": ["b"]},
            {"name": "b", "template": "c", "dependencies": ["a"], "when": "1 == 2"},
            {"name": "a", "template": "c"},
        ]
    )
    sim = Simulator(wf).run()
    assert sim.started_order() == ["wf.a", "wf.c"]
    assert sim.span("wf.c")[0] == 1.0  # b was skipped in the same call that saw a finish


@pytest.mark.parametrize(
    ("tasks", "message"),
    [
        pytest.param(
            [
                {"name": "a", "template": "c", "dependencies": ["b"]},
                {"name": "b", "template": "c", "dependencies": ["a"]},
            ],
            "dependency cycle detected among the dag's tasks",
            id="cycle",
        ),
        pytest.param(
            [{"name": "a", "template": "c", "dependencies": ["zz"]}],
            "task 'a' depends on unknown task 'zz'",
            id="unknown-dependency",
        ),
    ],
)
def test_broken_dags_end_in_error(tasks: list[dict], message: str) -> None:
    sim = Simulator(_dag(tasks)).run()
    assert (sim.status.phase, sim.status.message) == ("Error", message)


def test_expression_now_is_the_operate_instant() -> None:
    """`now()` reads operate()'s `now` (the simulated clock), never the machine's."""
    at = "{{=now().Format('2006-01-02T15:04:05Z07:00')}} {{=now() - date('2023-12-31')}}"
    task = {
        "name": "a",
        "template": "c",
        "arguments": {"parameters": [{"name": "at", "value": at}]},
    }
    wf = wf_of(
        {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "dag": {"tasks": [task]}},
                {
                    "name": "c",
                    "inputs": {"parameters": [{"name": "at"}]},
                    "container": {"image": "x"},
                },
            ],
        }
    )
    sim = Simulator(wf).run()
    assert sim.status.phase == "Succeeded"
    [param] = sim.node("wf.a").inputs.parameters
    assert param.value == "2024-01-01T00:00:00Z 24h0m0s"  # Simulator's START
