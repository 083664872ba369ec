"""The steps pass that passes over its done groups (engine/steps.py) and the children
sets a node map's index keeps (engine/run.py `add_child`) decide what the full passes
decide.

Random steps templates (groups of one to three steps, loops, `when`, continueOn) run
with pods that end in a random order; at every call the decision from the status the
last call returned (its node index kept) is compared with the decision from the same
status read back as plain data (no index: the full pass), and with a second call from
the same status (a call whose result was thrown away, as a lost write conflict does,
must leave nothing behind that the next call trusts). What is real: `operate` and the
spec models.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflow_engine.engine import CreatePod, Observed, PodState, TaskResult, operate
from workflow_engine.engine.decision import Decision
from workflow_engine.engine.node_index import index_of
from workflow_engine.spec.models import Outputs, Workflow, WorkflowStatus

START = datetime(2024, 1, 1, tzinfo=UTC)


@st.composite
def steps_workflows(draw: st.DrawFn) -> Workflow:
    groups: list[list[dict[str, Any]]] = []
    for g in range(draw(st.integers(1, 6))):
        group = []
        for s in range(draw(st.integers(1, 3))):
            step: dict[str, Any] = {"name": f"s{g}x{s}", "template": "c"}
            kind = draw(st.sampled_from(["pod", "pod", "loop", "big-loop", "when"]))
            if kind == "loop":
                step["withItems"] = list(range(draw(st.integers(0, 4))))
            elif kind == "big-loop":  # over the size whose children set is kept
                step["withSequence"] = {"count": str(draw(st.integers(64, 80)))}
            elif kind == "when":
                step["when"] = draw(st.sampled_from(["1 == 1", "1 == 2"]))
            if draw(st.integers(0, 3)) == 0:
                step["continueOn"] = {"failed": True}
            group.append(step)
        groups.append(group)
    spec: dict[str, Any] = {
        "entrypoint": "main",
        "templates": [
            {"name": "main", "steps": groups},
            {"name": "c", "container": {"image": "x"}},
        ],
    }
    parallelism = draw(st.sampled_from([None, 4, 16]))
    if parallelism is not None:
        spec["parallelism"] = parallelism
    return Workflow.model_validate(
        {"metadata": {"name": "s", "namespace": "default"}, "spec": spec}
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


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps_workflows(), st.randoms(use_true_random=False))
def test_steps_pass_decides_as_the_full_pass(wf: Workflow, rnd: Any) -> None:
    pods: dict[str, PodState] = {}
    results: dict[str, TaskResult] = {}
    running: list[tuple[str, str]] = []
    now, calls, kept_calls = START, 0, 0
    for _ in range(300):
        calls += 1
        observed = Observed(pods=dict(pods), results=dict(results))
        status = wf.status or WorkflowStatus()
        kept_calls += index_of(status.nodes) is not None
        thrown_away = operate(wf, observed, now)  # its result is never stored
        kept = operate(wf, observed, now)
        _same(kept, thrown_away)
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
            code = rnd.choice([0, 0, 0, 0, 1])
            ended = PodState(name=pod_name, phase="Failed", exit_code=code)
            pods[pod_name] = ended if code else replace(ended, phase="Succeeded")
            results[node_id] = TaskResult(node_id, Outputs(exit_code=str(code)))
        running = [r for r in running if pods[r[0]].phase == "Running"]
        now += timedelta(seconds=1)
    assert wf.status is not None and wf.status.phase in ("Succeeded", "Failed", "Error")
    # a workflow that ends at its first call (only empty loops and false `when`s) has no
    # index to carry; every longer run must have decided from a kept one
    assert kept_calls > 0 or calls == 1


def test_a_chain_of_steps_starts_each_call_at_its_first_unfinished_group() -> None:
    """The index records how many leading groups are done, so a call does not look
    them up again (the chain of steps is O(n) in total, not O(n^2))."""
    groups = [[{"name": f"s{i}", "template": "c"}] for i in range(30)]
    wf = Workflow.model_validate(
        {
            "metadata": {"name": "chain", "namespace": "default"},
            "spec": {
                "entrypoint": "main",
                "templates": [
                    {"name": "main", "steps": groups},
                    {"name": "c", "container": {"image": "x"}},
                ],
            },
        }
    )
    pods: dict[str, PodState] = {}
    results: dict[str, TaskResult] = {}
    done_counts = []
    now = START
    for _ in range(100):
        decision = operate(wf, Observed(pods=dict(pods), results=dict(results)), now)
        wf = wf.model_copy(update={"status": decision.status})
        if decision.status.phase == "Succeeded":
            break
        index = index_of(decision.status.nodes)
        assert index is not None
        done_counts.append(index.groups_done[wf.metadata.name])
        for action in decision.actions:
            if isinstance(action, CreatePod):
                pods[action.pod_name] = PodState(name=action.pod_name, phase="Succeeded")
                results[action.node_id] = TaskResult(action.node_id, Outputs(exit_code="0"))
        now += timedelta(seconds=1)
    assert wf.status is not None and wf.status.phase == "Succeeded"
    assert done_counts == list(range(30))
