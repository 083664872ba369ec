"""The controller's pod and TaskResult indexes: which changes move a workflow's version
(and so cost it a reconcile). Pure in-memory: no store, no runtime."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from workflow_engine.controller.indexes import PodIndex, ResultIndex
from workflow_engine.runtime.base import ContainerObservation, PodChanges, PodObservation

WF = ("default", "wf")


def result(node: str, exit_code: str = "0") -> dict[str, Any]:
    return {
        "kind": "WorkflowTaskResult",
        "metadata": {
            "name": node,
            "namespace": "default",
            "labels": {"workflows.argoproj.io/workflow": "wf"},
        },
        "outputs": {"exitCode": exit_code},
    }


@pytest.mark.parametrize(
    ("events", "moves"),
    [
        ([("ADDED", result("n1"))], [True]),
        ([("ADDED", result("n1")), ("MODIFIED", result("n1"))], [True, False]),
        ([("ADDED", result("n1")), ("MODIFIED", result("n1", "1"))], [True, True]),
        ([("ADDED", result("n1")), ("ADDED", result("n2"))], [True, True]),
        ([("ADDED", result("n1")), ("DELETED", result("n1"))], [True, True]),
        ([("DELETED", result("n1"))], [False]),
    ],
    ids=[
        "new-result",
        "same-result-again-is-nothing-new",
        "changed-result",
        "second-node",
        "deleted",
        "deleting-an-unknown-result",
    ],
)
def test_only_real_changes_move_the_version(
    events: list[tuple[str, dict[str, Any]]], moves: list[bool]
) -> None:
    index = ResultIndex()
    for (kind, obj), moved in zip(events, moves, strict=True):
        before = index.version(WF)
        key = index.apply(kind, obj)
        assert (key == WF) is moved
        assert (index.version(WF) != before) is moved


def pod(name: str, phase: str, exit_code: int | None = None) -> PodObservation:
    state = "terminated" if exit_code is not None else "running"
    return PodObservation(
        name=name,
        namespace="default",
        phase=phase,  # type: ignore[arg-type]
        labels={"workflows.argoproj.io/workflow": "wf"},
        annotations={"workflows.argoproj.io/node-id": f"id-{name}"},
        containers=(ContainerObservation(name="main", state=state, exit_code=exit_code),),  # type: ignore[arg-type]
    )


DONE = pod("a", "Succeeded", 0)


@pytest.mark.parametrize(
    ("first", "second", "urgent", "lazy"),
    [
        ([DONE], [DONE], False, False),
        ([DONE], [pod("a", "Succeeded", 0)], False, False),
        ([pod("a", "Running")], [DONE], True, False),
        ([], [pod("a", "Running")], False, True),
        ([DONE], [], True, False),
        ([DONE, pod("b", "Running")], [pod("b", "Running"), pod("c", "Running")], True, False),
    ],
    ids=[
        "same-object-again",
        "equal-object-again",
        "pod-ended",
        "pod-started",
        "pod-vanished",
        "one-vanished-one-new-same-count",
    ],
)
def test_refresh_splits_urgent_and_lazy_changes(
    first: list[PodObservation], second: list[PodObservation], urgent: bool, lazy: bool
) -> None:
    index = PodIndex()
    index.refresh_split(first)
    before = index.version(WF)
    news = index.refresh_split(second)
    assert (WF in news.urgent, WF in news.lazy, WF in news.details) == (urgent, lazy, False)
    assert (index.version(WF) != before) is (urgent or lazy)
    assert set(index.pods(WF)) == {p.name for p in second}


def test_a_pod_noted_pending_moves_nothing_when_the_runtime_reports_it_pending() -> None:
    index = PodIndex()
    index.note_created(WF, "a", "id-a")
    before = index.version(WF)
    pending = PodObservation(
        name="a",
        namespace="default",
        phase="Pending",
        labels={"workflows.argoproj.io/workflow": "wf"},
        annotations={"workflows.argoproj.io/node-id": "id-a"},
    )
    assert index.refresh_split([pending]) == (set(), set(), set())
    assert index.version(WF) == before


def placed(name: str, phase: str, **fields: Any) -> PodObservation:
    """`pod` with the details a cluster fills in before a pod runs."""
    return dataclasses.replace(pod(name, phase), containers=(), **fields)


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ([placed("a", "Pending")], [placed("a", "Pending", host_node_name="n1")], "details"),
        (
            [placed("a", "Pending", host_node_name="n1")],
            [placed("a", "Pending", host_node_name="n1", reason="PodInitializing")],
            "details",
        ),
        ([placed("a", "Running")], [placed("a", "Running", pod_ip="10.0.0.1")], "details"),
        ([placed("a", "Pending", host_node_name="n1")], [placed("a", "Running")], "lazy"),
        ([placed("a", "Pending")], [pod("a", "Failed", 1)], "urgent"),
        (
            [placed("a", "Pending"), placed("b", "Pending")],
            [placed("a", "Pending", host_node_name="n1"), placed("b", "Running")],
            "lazy",
        ),
    ],
    ids=[
        "scheduled-to-a-node",
        "initializing",
        "running-pod-got-its-ip",
        "started-running",
        "failed-before-running",
        "a-start-outranks-another-pods-details",
    ],
)
def test_changes_that_leave_a_live_pods_phase_are_details(
    first: list[PodObservation], second: list[PodObservation], expected: str
) -> None:
    """A pod's details before it runs change two or three times in its first second:
    they are news of their own class, which the loop delays longer than a start, so
    that they are written with the pod's Running instead of one status write each.
    The version still moves: the next reconcile, whatever wakes it, shows them."""
    for refresh in ("full", "incremental"):
        index = PodIndex()
        index.refresh_split(first)
        before = index.version(WF)
        if refresh == "full":
            news = index.refresh_split(second)
        else:
            news = index.refresh_changes(PodChanges(second, set()))
        got = {name for name in news._fields if WF in getattr(news, name)}
        assert got == {expected}, refresh
        assert index.version(WF) != before


def test_finished_lists_ended_pods_with_their_node_ids() -> None:
    index = PodIndex()
    index.refresh_split([DONE, pod("b", "Running"), pod("c", "Failed", 1)])
    assert sorted(index.finished(WF)) == [("a", "id-a"), ("c", "id-c")]


@pytest.mark.parametrize(
    ("then", "left"),
    [
        ("nothing", [("a", "id-a")]),
        ("vanish", []),
        ("remove", []),
        ("forget", []),
        ("rerun", []),  # `wf retry`: the pod is back, running again
    ],
    ids=lambda v: str(v),
)
def test_finished_follows_every_way_a_pod_leaves(then: str, left: list) -> None:
    index = PodIndex()
    index.refresh_split([DONE])
    if then == "vanish":
        index.refresh_split([])
    elif then == "remove":
        index.remove(WF, "a")
    elif then == "forget":
        index.forget(WF)
    elif then == "rerun":
        index.refresh_split([pod("a", "Running")])
    assert index.finished(WF) == left


def test_a_pod_removed_on_purpose_holds_its_name_until_the_runtime_drops_it() -> None:
    """`wf retry` deletes a failed pod and its node runs again under the same pod name:
    the name stays taken (creating now would be a no-op in the runtime) and the old
    pod's state is not shown again; its disappearance is news for the workflow."""
    index = PodIndex()
    failed = pod("a", "Failed", 1)
    index.refresh_split([failed])
    index.remove(WF, "a")
    assert index.deleting("default", "a")
    assert "a" not in index.pods(WF)
    terminating = pod("a", "Failed", 137)
    assert index.refresh_split([terminating]) == (set(), set(), set())
    assert "a" not in index.pods(WF)
    assert index.refresh_split([]) == ({WF}, set(), set())
    assert not index.deleting("default", "a")


@pytest.mark.parametrize(
    ("then", "active"),
    [
        ("nothing", ["b", "n"]),
        ("b-ends", ["n"]),
        ("b-vanishes", ["n"]),
        ("b-removed", ["n"]),
        ("n-failed-to-create", ["b"]),
        ("forget", []),
        ("a-reruns", ["a", "b", "n"]),
    ],
    ids=lambda v: str(v),
)
def test_active_holds_exactly_the_pods_not_ended(then: str, active: list[str]) -> None:
    """`Observed.active` (what the engine passes over for stray pods) follows every
    way a pod starts, ends or leaves, and always equals the active pods of `pods`."""
    index = PodIndex()
    index.refresh_split([DONE, pod("b", "Running")])
    index.note_created(WF, "n", "id-n")
    if then == "b-ends":
        index.refresh_split([DONE, pod("b", "Succeeded", 0)])
    elif then == "b-vanishes":
        index.refresh_split([DONE])
    elif then == "b-removed":
        index.remove(WF, "b")
    elif then == "n-failed-to-create":
        index.note_failed(WF, "n", "id-n", "Error", "no")
    elif then == "forget":
        index.forget(WF)
    elif then == "a-reruns":
        index.refresh_split([pod("a", "Running"), pod("b", "Running")])
    assert sorted(index.active(WF)) == active
    running = {n for n, s in index.pods(WF).items() if s.phase in ("Pending", "Running")}
    assert running == set(active)
    assert index.active_count() == len(active)


def test_finished_no_longer_lists_pods_whose_results_are_resolved() -> None:
    index = PodIndex()
    index.refresh_split([DONE, pod("c", "Failed", 1)])
    index.resolved(WF, ["a"])
    assert index.finished(WF) == [("c", "id-c")]
    index.refresh_split([pod("a", "Running"), pod("c", "Failed", 1)])  # `wf retry`
    index.refresh_split([pod("a", "Succeeded", 0), pod("c", "Failed", 1)])
    assert sorted(index.finished(WF)) == [("a", "id-a"), ("c", "id-c")]


def test_foreign_finds_pods_of_another_workflow_uid() -> None:
    def owned(name: str, uid: str) -> PodObservation:
        observed = pod(name, "Running")
        labels = {**observed.labels, "workflows.argoproj.io/workflow-uid": uid}
        return dataclasses.replace(observed, labels=labels)

    index = PodIndex()
    index.refresh_split([owned("a", "u1"), pod("b", "Running")])
    assert index.foreign(WF, "u1") == set()
    index.refresh_split([owned("a", "u1"), pod("b", "Running"), owned("c", "u0")])
    assert index.foreign(WF, "u1") == {"c"}
    assert index.foreign(WF, "u0") == {"a"}


@pytest.mark.parametrize(
    ("first", "second", "urgent", "lazy"),
    [
        ([DONE], ([], set()), False, False),
        ([DONE], ([pod("a", "Succeeded", 0)], set()), False, False),
        ([pod("a", "Running")], ([DONE], set()), True, False),
        ([], ([pod("a", "Running")], set()), False, True),
        ([DONE], ([], {("default", "a")}), True, False),
        ([DONE], ([], {("default", "unknown")}), False, False),
        ([DONE], ([pod("a", "Running")], {("default", "a")}), True, False),
    ],
    ids=[
        "nothing-changed",
        "equal-object-again",
        "pod-ended",
        "pod-started",
        "pod-gone",
        "an-unknown-pod-gone",
        "gone-and-back-under-the-same-name",
    ],
)
def test_incremental_refresh_splits_as_the_full_one(
    first: list[PodObservation],
    second: tuple[list[PodObservation], set[tuple[str, str]]],
    urgent: bool,
    lazy: bool,
) -> None:
    index = PodIndex()
    index.refresh_split(first)
    before = index.version(WF)
    changed, gone = second
    news = index.refresh_changes(PodChanges(changed, gone))
    assert (WF in news.urgent, WF in news.lazy, WF in news.details) == (urgent, lazy, False)
    assert (index.version(WF) != before) is (urgent or lazy)
    kept = {p.name for p in first if ("default", p.name) not in gone}
    assert set(index.pods(WF)) == kept | {p.name for p in changed}
    # what a later full observation finds agrees with the incremental one
    names = {p.name for p in changed}
    full = [p for p in first if ("default", p.name) not in gone and p.name not in names]
    assert index.refresh_split(full + changed) == (set(), set(), set())


def labelled(name: str, uid: str | None) -> PodObservation:
    labels = {"workflows.argoproj.io/workflow": "wf"}
    if uid is not None:
        labels["workflows.argoproj.io/workflow-uid"] = uid
    return PodObservation(name=name, namespace="default", phase="Running", labels=labels)


def test_foreign_pods_are_those_of_another_uid_while_observed() -> None:
    """A workflow deleted and submitted again under the same name: the old one's pods
    (another uid label) are foreign to the new one until they go; unlabelled pods and
    pods of the same uid are its own."""
    index = PodIndex()
    old, own, bare = labelled("a", "uid-1"), labelled("b", "uid-2"), labelled("c", None)
    index.refresh_split([old, own, bare])
    assert index.foreign(WF, "uid-2") == {"a"}
    assert index.foreign(WF, "uid-1") == {"b"}
    assert index.foreign(WF, None) == set()
    index.refresh_changes(PodChanges([labelled("a", "uid-2")], set()))  # relabelled
    assert index.foreign(WF, "uid-2") == set()
    index.refresh_changes(PodChanges([], {("default", "b")}))
    assert index.foreign(WF, "uid-1") == {"a"}
    index.refresh_split([bare])
    assert index.foreign(WF, "uid-1") == set()
    assert index.foreign(("default", "other"), "uid-1") == set()


def test_details_do_not_move_the_news_version_and_are_dated_until_taken() -> None:
    """The reconciler skips a wake-up (the watch echo of its own write, say) that finds
    only pod details new, until they are `details_delay` old: so it reads the date of
    the first detail, which a reconcile clears, and a version that details leave."""
    index = PodIndex()
    index.refresh_split([placed("a", "Pending")], now=1.0)
    news, version = index.news_version(WF), index.version(WF)
    assert index.details_since(WF) is None
    index.refresh_split([placed("a", "Pending", host_node_name="n1")], now=2.0)
    index.refresh_split([placed("a", "Pending", host_node_name="n1", reason="X")], now=3.0)
    assert (index.news_version(WF), index.details_since(WF)) == (news, 2.0)
    assert index.version(WF) == version + 2
    index.taking_details(WF)
    assert index.details_since(WF) is None
    index.refresh_split([placed("a", "Running")], now=4.0)
    assert index.news_version(WF) == news + 1
    assert index.details_since(WF) is None
