"""Loops held back by parallelism: once a loop's first pass has run, later calls resolve
only the iterations that may move (engine/loops.py `would_wait`). These tests pin that
nothing is lost by it: every iteration runs once with its own item substituted, `when`
skips still happen, limits hold, bad items still error, and replay stays deterministic."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.engine.simulator import Script, Simulator
from workflow_engine.engine import CreatePod, operate
from workflow_engine.spec.models import Workflow
from workflow_engine.spec.status import FULFILLED_PHASES


def loop_workflow(
    form: str,
    items: int,
    parallelism: int | None,
    template_parallelism: int | None = None,
    when: str | None = None,
    retry: bool = False,
    continue_on: bool = False,
) -> Workflow:
    loop: dict[str, Any] = {
        "name": "t",
        "template": "echo",
        "arguments": {"parameters": [{"name": "v", "value": "{{item}}"}]},
        "withSequence": {"count": str(items)},
    }
    if when:
        loop["when"] = when
    if continue_on:
        loop["continueOn"] = {"failed": True}
    main: dict[str, Any] = (
        {"name": "main", "steps": [[loop]]}
        if form == "steps"
        else {"name": "main", "dag": {"tasks": [loop]}}
    )
    if template_parallelism is not None:
        main["parallelism"] = template_parallelism
    echo: dict[str, Any] = {
        "name": "echo",
        "inputs": {"parameters": [{"name": "v"}]},
        "container": {"image": "x", "command": ["echo", "{{inputs.parameters.v}}"]},
    }
    if retry:
        echo["retryStrategy"] = {"limit": 1}
    spec: dict[str, Any] = {"entrypoint": "main", "templates": [main, echo]}
    if parallelism is not None:
        spec["parallelism"] = parallelism
    return Workflow.model_validate(
        {"metadata": {"name": "lp", "namespace": "default"}, "spec": spec}
    )


def pods_by_item(sim: Simulator) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for decision in sim.decisions:
        for action in decision.actions:
            if isinstance(action, CreatePod):
                out.setdefault(action.template.container.command[1], []).append(action.node_name)
    return out


@pytest.mark.parametrize(
    ("form", "items", "parallelism", "template_parallelism", "when", "retry", "ran"),
    [
        ("dag", 20, 2, None, None, False, 20),
        ("steps", 20, 2, None, None, False, 20),
        ("dag", 12, None, 3, None, False, 12),
        ("steps", 12, None, 3, None, False, 12),
        ("dag", 12, 2, None, "{{item}} != 5", False, 11),
        ("steps", 12, 2, None, "{{item}} != 5", False, 11),
        ("dag", 9, 1, None, None, True, 9),
        ("steps", 9, 1, None, None, True, 9),
    ],
    ids=[
        "dag-workflow-limit",
        "steps-workflow-limit",
        "dag-template-limit",
        "steps-template-limit",
        "dag-when-skips-one",
        "steps-when-skips-one",
        "dag-retry-nodes",
        "steps-retry-nodes",
    ],
)
def test_every_iteration_runs_once_with_its_own_item(
    form: str,
    items: int,
    parallelism: int | None,
    template_parallelism: int | None,
    when: str | None,
    retry: bool,
    ran: int,
) -> None:
    wf = loop_workflow(form, items, parallelism, template_parallelism, when, retry)
    sim = Simulator(wf).run()
    assert sim.status.phase == "Succeeded"
    by_item = pods_by_item(sim)
    assert len(by_item) == ran
    assert all(len(names) == 1 for names in by_item.values())
    assert all(f"({item}:{item})" in names[0] for item, names in by_item.items())
    assert sim.max_running <= (parallelism or template_parallelism or items)
    skipped = [n for n in sim.status.nodes.values() if n.phase == "Skipped"]
    assert len(skipped) == items - ran


@pytest.mark.parametrize("form", ["dag", "steps"])
def test_failed_iterations_still_fail_the_loop_when_held_back(form: str) -> None:
    wf = loop_workflow(form, 6, 1)
    sim = Simulator(wf, scripts={"echo": Script(exit_code=1)}).run()
    assert sim.status.phase == "Failed"


@st.composite
def loops(draw: st.DrawFn) -> tuple[Workflow, dict[str, Script]]:
    form = draw(st.sampled_from(["dag", "steps"]))
    items = draw(st.integers(1, 10))
    parallelism = draw(st.one_of(st.none(), st.integers(1, 3)))
    template_parallelism = draw(st.one_of(st.none(), st.integers(1, 3)))
    when = draw(st.sampled_from([None, "{{item}} != 2"]))
    wf = loop_workflow(
        form,
        items,
        parallelism,
        template_parallelism,
        when,
        retry=draw(st.booleans()),
        continue_on=draw(st.booleans()),
    )
    scripts = {
        f"t({i}:{i})": Script(
            exit_code=draw(st.sampled_from([0, 0, 1])), seconds=draw(st.integers(1, 4))
        )
        for i in range(items)
    }
    return wf, scripts


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(loops())
def test_held_back_loops_replay_deterministically_and_finish(case: tuple) -> None:
    wf, scripts = case
    sim = Simulator(wf, scripts=scripts)
    for _ in range(300):
        saved, observed, now = sim.wf, sim.observed(), sim.now
        sim.step()
        assert operate(saved, observed, now) == sim.decisions[-1]
        pods = [n for n in sim.status.nodes.values() if n.type == "Pod"]
        done = sum(1 for n in pods if n.phase in FULFILLED_PHASES)
        assert sim.status.progress == f"{done}/{len(pods)}"  # kept by counters
        if sim.status.phase in ("Succeeded", "Failed", "Error") or not sim.advance():
            break
    assert sim.status.phase in ("Succeeded", "Failed", "Error")
    limit = wf.spec.parallelism or wf.spec.templates[0].parallelism
    if limit is not None:
        assert sim.max_running <= limit
