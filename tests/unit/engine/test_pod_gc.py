"""podGC decided by `operate()`: which pods each strategy deletes, when (the delay runs
on the simulated clock), which the labelSelector spares, and the selector's own rules.
Semantics from Argo's PodGC field reference (strategies, deleteDelayDuration,
labelSelector)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from tests.unit.engine.conftest import DATA
from tests.unit.engine.simulator import START, Script, Simulator, load
from workflow_engine.engine import DeletePod, Observed, PodState, operate
from workflow_engine.engine.leaf import node_pod_name
from workflow_engine.engine.pod_gc import BadSelector, selector_matches
from workflow_engine.spec.objects import PodGC


@dataclass
class GCSimulator(Simulator):
    """The simulator, noting when each podGC deletion was decided (simulated seconds)."""

    gc_deletes: list[tuple[float, str]] = field(default_factory=list)

    def step(self) -> None:
        super().step()
        for action in self.decisions[-1].actions:
            if isinstance(action, DeletePod) and action.reason.startswith("podGC"):
                self.gc_deletes.append((self.t(), self.node_of_pod(action.pod_name)))

    def node_of_pod(self, pod: str) -> str:
        return pod.split("-")[1]  # gc-quick-123 -> quick

    def settle(self, steps: int = 20) -> GCSimulator:
        """After completion, follow the requeues until no timer is left."""
        self.run()
        for _ in range(steps):
            self.step()
            delay = self.decisions[-1].requeue_after
            if delay is None:
                return self
            self.now += timedelta(seconds=delay)
        raise AssertionError("podGC kept asking for time")


def sim(pod_gc: dict[str, Any] | None, slow: Script) -> GCSimulator:
    wf = load(str(DATA / "pod-gc.yaml"))
    if pod_gc is not None:
        wf = wf.model_copy(
            update={"spec": wf.spec.model_copy(update={"pod_gc": PodGC.model_validate(pod_gc)})}
        )
    return GCSimulator(wf, scripts={"quick": Script(seconds=1), "slow": slow})


OK, FAIL = Script(seconds=3), Script(seconds=3, exit_code=1)
# strategy, how the slow pod ends -> (when, which node's pod) each deletion was decided
CASES = [
    ("OnPodCompletion", OK, [(1.0, "quick"), (3.0, "slow")]),
    ("OnPodCompletion", FAIL, [(1.0, "quick"), (3.0, "slow")]),
    ("OnPodSuccess", OK, [(1.0, "quick"), (3.0, "slow")]),
    ("OnPodSuccess", FAIL, [(1.0, "quick")]),
    ("OnWorkflowCompletion", OK, [(3.0, "quick"), (3.0, "slow")]),
    ("OnWorkflowCompletion", FAIL, [(3.0, "quick"), (3.0, "slow")]),
    ("OnWorkflowSuccess", OK, [(3.0, "quick"), (3.0, "slow")]),
    ("OnWorkflowSuccess", FAIL, []),
]


@pytest.mark.parametrize(
    ("strategy", "slow", "expected"),
    CASES,
    ids=[f"{s}-{'ok' if w is OK else 'fail'}" for s, w, _ in CASES],
)
def test_strategy_deletes_these_pods_at_these_times(
    strategy: str, slow: Script, expected: list[tuple[float, str]]
) -> None:
    run = sim({"strategy": strategy, "deleteDelayDuration": "0s"}, slow).settle()
    assert sorted(run.gc_deletes) == expected
    assert run.status.phase == ("Succeeded" if slow is OK else "Failed")
    # deleted once each: a pod gone from the observation is not asked for again
    assert sorted({p for _, p in run.gc_deletes}) == sorted(p for _, p in run.gc_deletes)


def test_no_pod_gc_deletes_nothing() -> None:
    run = sim(None, OK).settle()
    assert run.gc_deletes == []
    assert len(run.pods) == 2


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        ("OnPodCompletion", [(11.0, "quick"), (13.0, "slow")]),
        ("OnWorkflowCompletion", [(13.0, "quick"), (13.0, "slow")]),
    ],
)
def test_delete_delay_duration_waits_and_requeues(
    strategy: str, expected: list[tuple[float, str]]
) -> None:
    run = sim({"strategy": strategy, "deleteDelayDuration": "10s"}, OK).settle()
    assert sorted(run.gc_deletes) == expected


def test_default_delay_is_argos_five_seconds() -> None:
    run = sim({"strategy": "OnWorkflowCompletion"}, OK).settle()
    assert sorted(run.gc_deletes) == [(8.0, "quick"), (8.0, "slow")]


def test_label_selector_spares_pods_that_do_not_match() -> None:
    selector = {"matchLabels": {"keep": "no"}}
    gc = {"strategy": "OnPodCompletion", "deleteDelayDuration": "0", "labelSelector": selector}
    run = sim(gc, OK).settle()
    assert run.gc_deletes == [(1.0, "quick")]
    assert [p.node_name for p in run.pods.values()] == ["gc.slow"]


def test_the_pod_of_an_unfinished_node_is_never_collected() -> None:
    """A running pod (its node not fulfilled) stays, however long it has run."""
    wf = sim({"strategy": "OnPodCompletion", "deleteDelayDuration": "0s"}, OK).wf
    first = operate(wf, Observed(), START)
    wf = wf.model_copy(update={"status": first.status})
    node = next(n for n in first.status.nodes.values() if n.display_name == "quick")
    name = node_pod_name("gc", node)
    pods = {name: PodState(name=name, phase="Running", node_id=node.id)}
    decision = operate(wf, Observed(pods=pods), START + timedelta(seconds=99))
    assert not [a for a in decision.actions if isinstance(a, DeletePod)]
    assert decision.status.nodes[node.id].phase == "Running"


def test_a_bad_delay_deletes_nothing() -> None:
    run = sim({"strategy": "OnPodCompletion", "deleteDelayDuration": "soon"}, OK).settle()
    assert run.gc_deletes == []


SELECTOR_CASES = [
    ({}, {}, True),
    ({"matchLabels": {"a": "1"}}, {"a": "1", "b": "2"}, True),
    ({"matchLabels": {"a": "1"}}, {"a": "2"}, False),
    (
        {"matchExpressions": [{"key": "a", "operator": "In", "values": ["1", "2"]}]},
        {"a": "2"},
        True,
    ),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["1"]}]}, {}, False),
    ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]}, {}, True),
    ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]}, {"a": "1"}, False),
    ({"matchExpressions": [{"key": "a", "operator": "Exists"}]}, {"a": ""}, True),
    ({"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}, {"a": ""}, False),
]


@pytest.mark.parametrize(("selector", "labels", "matches"), SELECTOR_CASES)
def test_label_selector(selector: dict[str, Any], labels: dict[str, str], matches: bool) -> None:
    assert selector_matches(selector, labels) is matches


@pytest.mark.parametrize(
    "selector",
    [
        {"matchExpressions": [{"key": "a", "operator": "Near"}]},
        {"matchExpressions": [{"operator": "Exists"}]},
        {"matchLabels": ["a"]},
    ],
)
def test_bad_label_selector_is_refused(selector: dict[str, Any]) -> None:
    with pytest.raises(BadSelector):
        selector_matches(selector, {})


def test_a_deletion_lost_in_a_crash_is_asked_for_again() -> None:
    """The decision is a function of the status and the observation: a pod still
    observed after its deletion was decided (the controller died before applying it)
    is named again by the next decision, and by none once it is gone."""
    run = sim({"strategy": "OnWorkflowCompletion", "deleteDelayDuration": "10s"}, OK).run()
    observed = run.observed()
    assert len(observed.pods) == 2
    due = run.now + timedelta(seconds=10)
    again = [operate(run.wf, observed, due) for _ in range(2)]
    for decision in again:
        assert sorted(a.pod_name for a in decision.actions if isinstance(a, DeletePod)) == sorted(
            observed.pods
        )
    gone = operate(run.wf, Observed(results=observed.results), due)
    assert not [a for a in gone.actions if isinstance(a, DeletePod)]
