"""Property tests over random DAGs: dependencies end before dependants start,
parallelism is never exceeded, everything ends in a terminal phase, and replaying
operate from any saved status gives the same decision."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.engine.simulator import Script, Simulator
from workflow_engine.engine import operate
from workflow_engine.spec.models import Workflow
from workflow_engine.spec.status import FULFILLED_PHASES


@st.composite
def random_dags(draw: st.DrawFn) -> tuple[Workflow, dict[str, Script], int | None]:
    count = draw(st.integers(1, 10))
    tasks = []
    scripts = {}
    for i in range(count):
        deps = draw(st.sets(st.integers(0, i - 1), max_size=3)) if i else set()
        task: dict = {"name": f"t{i}", "template": "c"}
        if deps:
            task["dependencies"] = [f"t{d}" for d in sorted(deps)]
        if draw(st.booleans()) and draw(st.booleans()):
            task["continueOn"] = {"failed": True}
        tasks.append(task)
        scripts[f"t{i}"] = Script(
            exit_code=draw(st.sampled_from([0, 0, 0, 1])), seconds=draw(st.integers(1, 5))
        )
    parallelism = draw(st.one_of(st.none(), st.integers(1, 3)))
    spec: dict = {
        "entrypoint": "main",
        "templates": [
            {"name": "main", "dag": {"tasks": tasks, "failFast": draw(st.booleans())}},
            {"name": "c", "container": {"image": "x"}},
        ],
    }
    if parallelism is not None:
        spec["parallelism"] = parallelism
    wf = Workflow.model_validate({"metadata": {"name": "p", "namespace": "default"}, "spec": spec})
    return wf, scripts, parallelism


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_dags())
def test_random_dags_respect_order_and_limits_and_finish(case: tuple) -> None:
    wf, scripts, parallelism = case
    sim = Simulator(wf, scripts=scripts, round_trip=False).run()
    assert sim.status.phase in ("Succeeded", "Failed", "Error")
    assert all(n.phase in FULFILLED_PHASES for n in sim.status.nodes.values())
    if parallelism is not None:
        assert sim.max_running <= parallelism
    tasks = {t.name: t for t in wf.spec.templates[0].dag.tasks}
    started = {n: t for t, k, n in sim.events if k == "started"}
    ended = {n: t for t, k, n in sim.events if k == "ended"}
    for name, task in tasks.items():
        node_name = f"p.{name}"
        if node_name not in started:
            continue
        for dep in task.dependencies or ():
            assert ended[f"p.{dep}"] <= started[node_name]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_dags())
def test_replaying_operate_from_any_saved_status_is_deterministic(case: tuple) -> None:
    wf, scripts, _ = case
    sim = Simulator(wf, scripts=scripts)
    for _ in range(200):
        saved, observed, now = sim.wf, sim.observed(), sim.now
        sim.step()
        assert operate(saved, observed, now) == sim.decisions[-1]
        if sim.status.phase in ("Succeeded", "Failed", "Error") or not sim.advance():
            break
    assert sim.status.phase in ("Succeeded", "Failed", "Error")
