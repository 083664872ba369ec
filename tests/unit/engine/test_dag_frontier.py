"""The frontier DAG pass (engine/dag_frontier.py) and the loop pass that skips its
done iterations (engine/dag_loops.py) decide what the full passes decide.

Random DAGs (declared out of topological order, `depends` and `dependencies`, loops,
a nested DAG, continueOn, failFast on and off, parallelism or not) run with pods that
end in a random order; at every call the decision from the status the last call returned (its node
index and frontiers kept) is compared with the decision from the same status read back
as plain data (no index: the full pass). What is real: `operate` and the spec models.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflow_engine.engine import CreatePod, Observed, PodState, TaskResult, operate
from workflow_engine.engine.dag_plan import plan
from workflow_engine.engine.decision import Decision
from workflow_engine.engine.node_index import index_of
from workflow_engine.spec.models import DAGTask, Outputs, Template, Workflow, WorkflowStatus

START = datetime(2024, 1, 1, tzinfo=UTC)


@st.composite
def dags(draw: st.DrawFn) -> Workflow:
    count = draw(st.integers(2, 10))
    tasks: list[dict[str, Any]] = []
    for i in range(count):
        task: dict[str, Any] = {"name": f"t{i}", "template": "c"}
        deps = sorted(draw(st.sets(st.integers(0, i - 1), max_size=3))) if i else []
        if deps and draw(st.booleans()):
            forms = ["t{}", "t{}.Succeeded", "t{}.Failed", "(t{}.Succeeded || t{}.Failed)"]
            joiner = draw(st.sampled_from([" && ", " || "]))
            task["depends"] = joiner.join(draw(st.sampled_from(forms)).format(d, d) for d in deps)
        elif deps:
            task["dependencies"] = [f"t{d}" for d in deps]
        kind = draw(st.sampled_from(["pod", "pod", "pod", "loop", "nested"]))
        if kind == "loop":
            task["withItems"] = list(range(draw(st.integers(0, 6))))
        elif kind == "nested":
            task["template"] = "inner"
        if draw(st.integers(0, 4)) == 0:
            task["continueOn"] = {"failed": True}
        tasks.append(task)
    order = draw(st.permutations(tasks))  # declared order need not be topological
    inner = [
        {"name": "a", "template": "c"},
        {"name": "b", "template": "c", "dependencies": ["a"]},
    ]
    spec: dict[str, Any] = {
        "entrypoint": "main",
        "templates": [
            {"name": "main", "dag": {"tasks": list(order), "failFast": draw(st.booleans())}},
            {"name": "inner", "dag": {"tasks": inner}},
            {"name": "c", "container": {"image": "x"}},
        ],
    }
    parallelism = draw(st.sampled_from([None, None, 1, 2, 3]))
    if parallelism is not None:  # tasks and loops held back
        spec["parallelism"] = parallelism
    own = draw(st.sampled_from([None, None, 1, 2]))
    if own is not None:  # the DAG template's own limit
        spec["templates"][0]["parallelism"] = own
    return Workflow.model_validate(
        {"metadata": {"name": "f", "namespace": "default"}, "spec": spec}
    )


def _plain(wf: Workflow) -> Workflow:
    """The workflow as if read back from the store: a plain node map, no index."""
    status = wf.status or WorkflowStatus()
    nodes = dict(status.nodes) if status.nodes is not None else None
    return wf.model_copy(update={"status": status.model_copy(update={"nodes": nodes})})


def _same(kept: Decision, full: Decision) -> None:
    assert kept.status == full.status
    assert list(kept.status.nodes or ()) == list(full.status.nodes or ())
    assert kept.actions == full.actions


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dags(), st.randoms(use_true_random=False))
def test_frontier_pass_decides_as_the_full_pass(wf: Workflow, rnd: Any) -> None:
    """At least one running pod ends per call, so every workflow ends."""
    pods: dict[str, PodState] = {}
    results: dict[str, TaskResult] = {}
    running: list[tuple[str, str]] = []
    now, calls, frontier_calls = START, 0, 0
    for _ in range(200):
        calls += 1
        observed = Observed(pods=dict(pods), results=dict(results))
        status = wf.status or WorkflowStatus()
        frontier_calls += index_of(status.nodes) is not None
        kept = operate(wf, observed, now)
        _same(kept, operate(_plain(wf), observed, now))
        wf = wf.model_copy(update={"status": kept.status})
        if kept.status.phase in ("Succeeded", "Failed", "Error"):
            break
        for action in kept.actions:
            if isinstance(action, CreatePod) and action.pod_name not in pods:
                pods[action.pod_name] = PodState(name=action.pod_name, phase="Running")
                running.append((action.pod_name, action.node_id))
        rnd.shuffle(running)
        for pod_name, node_id in running[: rnd.randint(1, max(1, len(running)))]:
            code = rnd.choice([0, 0, 0, 1])
            ended = PodState(name=pod_name, phase="Failed", exit_code=code)
            pods[pod_name] = ended if code else replace(ended, phase="Succeeded")
            results[node_id] = TaskResult(node_id, Outputs(exit_code=str(code)))
        running = [r for r in running if pods[r[0]].phase == "Running"]
        now += timedelta(seconds=1)
    assert wf.status is not None and wf.status.phase in ("Succeeded", "Failed", "Error")
    assert frontier_calls > 0 or calls == 1  # a DAG of empty loops ends at its first call


def test_tasks_parallelism_holds_back_stay_in_the_frontier() -> None:
    """A DAG at parallelism 2 with 6 ready tasks: the call records a frontier (the two
    started and the four held back), so the next call visits those, not every task."""
    spec = {
        "entrypoint": "main",
        "parallelism": 2,
        "templates": [
            {
                "name": "main",
                "dag": {
                    "tasks": [{"name": f"t{i}", "template": "c"} for i in range(6)]
                    + [{"name": "end", "template": "c", "dependencies": ["t0"]}]
                },
            },
            {"name": "c", "container": {"image": "x"}},
        ],
    }
    wf = Workflow.model_validate({"metadata": {"name": "p", "namespace": "default"}, "spec": spec})
    first = operate(wf, Observed(pods={}, results={}), START)
    assert len([a for a in first.actions if isinstance(a, CreatePod)]) == 2
    index = index_of(first.status.nodes)
    assert index is not None
    [frontier] = index.frontiers.values()
    assert frontier == {f"t{i}" for i in range(6)}


PLAIN = [
    ("bare", {}, True),
    ("literal-argument", {"arguments": {"parameters": [{"name": "p", "value": "1"}]}}, True),
    ("tagged-argument", {"arguments": {"parameters": [{"name": "p", "value": "{{x}}"}]}}, False),
    (
        "artifact-argument",
        {"arguments": {"artifacts": [{"name": "a", "raw": {"data": "x"}}]}},
        False,
    ),
    ("when", {"when": "true"}, False),
    ("loop", {"withItems": [1, 2]}, False),
    ("tagged-template", {"template": "{{workflow.parameters.t}}"}, False),
]


@pytest.mark.parametrize(("extra", "plain"), [c[1:] for c in PLAIN], ids=[c[0] for c in PLAIN])
def test_plain_tasks_are_the_ones_that_resolve_to_themselves(
    extra: dict[str, Any], plain: bool
) -> None:
    """Only a plain task held back by parallelism goes unresolved (DagPass._held)."""
    task = DAGTask.model_validate({"name": "t", "template": "c", **extra})
    template = Template.model_validate({"name": "main", "dag": {"tasks": [task.to_dict()]}})
    assert plan(template, validate=False).plain("t") is plain
