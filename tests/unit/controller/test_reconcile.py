"""One reconcile: Decision applied once, Conflict redone, deletions cleaned up."""

from __future__ import annotations

import dataclasses
import json

import pytest

from tests.unit.controller.fakes import FAKE_ENGINE, FakeRuntime, pod_of, workflow
from workflow_engine.controller.clock import ManualClock
from workflow_engine.controller.events import MemoryEventLog
from workflow_engine.controller.indexes import PodIndex, ResultIndex
from workflow_engine.controller.reconcile import Reconciler
from workflow_engine.engine.decision import Decision
from workflow_engine.errors import SpecError
from workflow_engine.spec.status import IllegalTransition
from workflow_engine.store import MemoryStore
from workflow_engine.vocabulary import PODS_TO_DELETE

KEY = ("default", "wf")
LABELS = "workflows.argoproj.io"

P0, P1 = pod_of("wf", 0, "a"), pod_of("wf", 1, "b")  # the pods of steps a and b


def step(reconciler: Reconciler, runtime: FakeRuntime) -> dict:
    reconciler.pods.refresh(runtime.observe())
    reconciler.reconcile(KEY)
    return reconciler.store.get("Workflow", "wf")


def task_result(node_id: str, result: str) -> dict:
    return {
        "apiVersion": "wfengine.io/v1alpha1",
        "kind": "WorkflowTaskResult",
        "metadata": {"name": node_id, "labels": {f"{LABELS}/workflow": "wf"}},
        "outputs": {"result": result, "exitCode": 0},
    }


def test_runs_steps_in_order_and_labels_the_outcome(
    store: MemoryStore, runtime: FakeRuntime, reconciler: Reconciler
) -> None:
    store.create(workflow("wf", "a", "b"))
    obj = step(reconciler, runtime)
    assert obj["status"]["phase"] == "Running"
    assert obj["metadata"]["labels"][f"{LABELS}/phase"] == "Running"
    assert obj["metadata"]["labels"][f"{LABELS}/completed"] == "false"
    assert runtime.created == [P0]
    runtime.finish(P0, 0)
    step(reconciler, runtime)
    assert runtime.created == [P0, P1]
    runtime.finish(P1, 0)
    obj = step(reconciler, runtime)
    assert obj["status"]["phase"] == "Succeeded"
    assert obj["metadata"]["labels"][f"{LABELS}/completed"] == "true"
    assert [e.reason for e in reconciler.events.list("default", "wf")] == [
        "WorkflowRunning",
        "WorkflowSucceeded",
    ]


def test_a_reconcile_with_nothing_new_writes_nothing(
    store: MemoryStore, runtime: FakeRuntime, reconciler: Reconciler
) -> None:
    store.create(workflow("wf", "a"))
    first = step(reconciler, runtime)
    result = reconciler.reconcile(KEY)
    assert result.skipped
    assert (
        store.get("Workflow", "wf")["metadata"]["resourceVersion"]
        == (first["metadata"]["resourceVersion"])
    )


def test_a_conflicting_write_is_redone_on_the_fresh_copy(
    store: MemoryStore, runtime: FakeRuntime, reconciler: Reconciler
) -> None:
    store.create(workflow("wf", "a", "b"))
    step(reconciler, runtime)  # the reconciler now holds the workflow in memory
    # Someone else changes the workflow (as `wf suspend` would) behind the cache's back.
    current = store.get("Workflow", "wf")
    store.update({**current, "spec": {**current["spec"], "suspend": True}})
    runtime.finish(P0, 0)
    obj = step(reconciler, runtime)
    assert obj["spec"]["suspend"] is True
    assert obj["status"]["nodes"]["wf-0"]["phase"] == "Succeeded"
    assert runtime.created == [P0]  # suspended: the fake engine starts nothing new


def test_a_late_watch_copy_older_than_the_written_one_is_not_decided_on(
    store: MemoryStore, runtime: FakeRuntime, reconciler: Reconciler
) -> None:
    stale = store.create(workflow("wf", "a", "b"))
    step(reconciler, runtime)  # written: the reconciler holds a newer version
    conflicts: list[None] = []
    reconciler.observer.write_conflict = lambda: conflicts.append(None)  # type: ignore[method-assign]
    # A copy the watch delivers late (on the cluster: the echo of the status write,
    # after the label write that followed it was cached) is older than the one held.
    reconciler.cache.incoming[KEY] = stale
    runtime.finish(P0, 0)
    obj = step(reconciler, runtime)
    assert conflicts == []  # decided on the newer copy: no 409, no re-read
    assert obj["status"]["nodes"]["wf-0"]["phase"] == "Succeeded"
    assert runtime.created == [P0, P1]


def test_outputs_come_from_task_results_even_before_the_watch_delivers_them(
    store: MemoryStore, runtime: FakeRuntime, reconciler: Reconciler
) -> None:
    store.create(workflow("wf", "a"))
    step(reconciler, runtime)
    store.create(task_result("wf-0", "hello"))  # not fed to the ResultIndex
    runtime.finish(P0, 0)
    obj = step(reconciler, runtime)
    assert obj["status"]["nodes"]["wf-0"]["outputs"]["result"] == "hello"


def test_a_failed_pod_fails_the_workflow(
    store: MemoryStore, runtime: FakeRuntime, reconciler: Reconciler
) -> None:
    store.create(workflow("wf", "a", "b"))
    step(reconciler, runtime)
    runtime.finish(P0, 3)
    obj = step(reconciler, runtime)
    assert obj["status"]["phase"] == "Failed"
    assert obj["status"]["nodes"]["wf-0"]["message"] == "exit code 3"
    assert runtime.created == [P0]


def test_a_deleted_workflow_loses_its_pods_and_results(
    store: MemoryStore, runtime: FakeRuntime, reconciler: Reconciler
) -> None:
    store.create(workflow("wf", "a"))
    step(reconciler, runtime)
    store.create(task_result("wf-0", "x"))
    store.delete("Workflow", "wf")
    reconciler.cache.drop(KEY)  # what the loop does when the watch reports DELETED
    result = reconciler.reconcile(KEY)
    assert result.deleted
    assert runtime.deleted == [P0]
    assert store.list("WorkflowTaskResult").items == []
    assert reconciler.events.list("default", "wf") == []


def test_pods_named_by_retry_are_deleted_before_deciding(
    store: MemoryStore, runtime: FakeRuntime, reconciler: Reconciler
) -> None:
    store.create(workflow("wf", "a"))
    step(reconciler, runtime)
    runtime.finish(P0, 1)
    step(reconciler, runtime)
    # What `wf retry` writes: the pod to delete, and a status without the failed node.
    current = store.get("Workflow", "wf")
    annotations = {PODS_TO_DELETE: json.dumps([P0])}
    meta = {**current["metadata"], "annotations": annotations}
    current = store.update({**current, "metadata": meta})
    current = store.update_status({**current, "status": {"phase": "Running"}})
    reconciler.cache.offer(current)  # what the loop does when the watch reports it
    obj = step(reconciler, runtime)
    assert runtime.deleted == [P0]
    # The name is still the deleted pod's until the runtime reports it gone.
    assert runtime.created == [P0]
    assert PODS_TO_DELETE not in (obj["metadata"].get("annotations") or {})
    assert obj["status"]["nodes"]["wf-0"].get("phase", "Pending") == "Pending"
    obj = step(reconciler, runtime)  # the runtime no longer has it: the node runs again
    assert runtime.created == [P0, P0]
    assert obj["status"]["nodes"]["wf-0"].get("phase", "Pending") == "Pending"


def test_requeue_after_is_returned_and_honoured_on_the_clock(
    store: MemoryStore, runtime: FakeRuntime, reconciler: Reconciler, clock: ManualClock
) -> None:
    store.create(workflow("wf", "sleep:30"))
    assert reconciler.reconcile(KEY).requeue_after == 30
    clock.advance(10)
    early = reconciler.reconcile(KEY)  # woken early (the queue keeps one timer per key)
    assert early.skipped
    assert early.requeue_after == 20  # so it hands the timer back
    clock.advance(20)
    reconciler.reconcile(KEY)
    assert store.get("Workflow", "wf")["status"]["phase"] == "Succeeded"


def test_a_workflow_that_vanished_before_the_first_reconcile_is_fine(
    reconciler: Reconciler, runtime: FakeRuntime
) -> None:
    assert reconciler.reconcile(KEY).deleted
    assert runtime.created == []


def test_a_workflow_deleted_behind_the_cache_is_cleaned_up(
    store: MemoryStore, runtime: FakeRuntime, reconciler: Reconciler
) -> None:
    store.create(workflow("wf", "a", "b"))
    step(reconciler, runtime)
    store.delete("Workflow", "wf")  # the watch has not told the reconciler yet
    runtime.finish(P0, 0)
    reconciler.pods.refresh(runtime.observe())
    assert reconciler.reconcile(KEY).deleted
    assert runtime.deleted == [P0]


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(SpecError("spec.templates", "bad"), id="spec-error"),
        pytest.param(IllegalTransition("node wf-0: Succeeded -> Running"), id="illegal-transition"),
    ],
)
def test_an_engine_error_ends_the_workflow_with_its_message(
    store: MemoryStore, runtime: FakeRuntime, clock: ManualClock, error: Exception
) -> None:
    def operate(*_: object) -> Decision:
        raise error

    engine = dataclasses.replace(FAKE_ENGINE, operate=operate)
    reconciler = Reconciler(
        store, runtime, engine, clock, MemoryEventLog(), PodIndex(), ResultIndex()
    )
    store.create(workflow("wf", "a"))
    reconciler.reconcile(KEY)
    status = store.get("Workflow", "wf")["status"]
    assert status["phase"] == "Error"
    assert str(error) in status["message"]


def test_missing_results_are_kept_per_workflow_and_forgotten_with_it(
    store: MemoryStore, runtime: FakeRuntime, reconciler: Reconciler
) -> None:
    # "a" is a prefix of "ab" (and of its node ids): one's cleanup must not touch the other.
    for name in ("a", "ab"):
        store.create(workflow(name, "s", "t"))
        reconciler.reconcile(("default", name))
        runtime.finish(pod_of(name, 0, "s"), 0)  # no TaskResult: the executor wrote none
    reconciler.pods.refresh(runtime.observe())
    for name in ("a", "ab"):
        reconciler.reconcile(("default", name))
    assert reconciler.missing_results.of(("default", "ab")) == {"ab-0"}
    store.delete("Workflow", "a")
    reconciler.cache.drop(("default", "a"))
    assert reconciler.reconcile(("default", "a")).deleted
    assert reconciler.missing_results.of(("default", "a")) == set()
    assert reconciler.missing_results.of(("default", "ab")) == {"ab-0"}
    runtime.finish(pod_of("ab", 1, "t"), 0)
    reconciler.pods.refresh(runtime.observe())
    assert reconciler.reconcile(("default", "ab")).completed
    assert reconciler.missing_results.of(("default", "ab")) == set()


@pytest.mark.parametrize(
    "value",
    ['"wf-pod"', "{}", "3", "null", "[1, null]", "not json"],
    ids=["string", "object", "number", "null", "list-of-non-names", "not-json"],
)
def test_a_malformed_pods_to_delete_annotation_is_dropped(
    store: MemoryStore, runtime: FakeRuntime, reconciler: Reconciler, value: str
) -> None:
    store.create(workflow("wf", "a"))
    step(reconciler, runtime)
    current = store.get("Workflow", "wf")
    meta = {**current["metadata"], "annotations": {PODS_TO_DELETE: value}}
    reconciler.cache.offer(store.update({**current, "metadata": meta}))
    obj = step(reconciler, runtime)
    assert PODS_TO_DELETE not in (obj["metadata"].get("annotations") or {})
    assert runtime.deleted == []


def test_a_recreated_workflow_does_not_show_its_namesakes_events(
    store: MemoryStore, runtime: FakeRuntime, reconciler: Reconciler
) -> None:
    store.create(workflow("wf", "fail"))
    step(reconciler, runtime)
    runtime.finish(pod_of("wf", 0, "fail"), 1)
    step(reconciler, runtime)
    assert [e.reason for e in reconciler.events.list("default", "wf")][-1] == "WorkflowFailed"
    # Deleted and created again while no controller ran: no cleanup saw the delete.
    store.delete("Workflow", "wf")
    store.create(workflow("wf", "a"))
    reconciler.cache.drop(KEY)
    step(reconciler, runtime)
    assert [e.reason for e in reconciler.events.list("default", "wf")] == ["WorkflowRunning"]


def test_a_namesakes_pod_is_deleted_then_the_step_runs_in_a_pod_of_its_own(
    store: MemoryStore, runtime: FakeRuntime, reconciler: Reconciler
) -> None:
    store.create(workflow("wf", "a"))
    step(reconciler, runtime)
    runtime.finish(P0, 0)
    assert step(reconciler, runtime)["status"]["phase"] == "Succeeded"
    # Deleted and created again while no controller ran: the old pod is still there.
    store.delete("Workflow", "wf")
    store.create(workflow("wf", "a"))
    reconciler.cache.drop(KEY)
    reconciler.pods.refresh(runtime.observe())
    result = reconciler.reconcile(KEY)
    assert runtime.deleted == [P0]
    assert runtime.created == [P0]  # not created again while the old one held the name
    assert result.requeue_after is not None
    obj = step(reconciler, runtime)
    assert runtime.created == [P0, P0]
    assert obj["status"]["phase"] == "Running"
    runtime.finish(P0, 0)
    assert step(reconciler, runtime)["status"]["phase"] == "Succeeded"


def test_a_wake_up_that_finds_only_pod_details_waits_for_them_to_age(
    store: MemoryStore, runtime: FakeRuntime, reconciler: Reconciler, clock: ManualClock
) -> None:
    """On a cluster a pod is scheduled and initialises within a second of its creation;
    a reconcile then (the watch echo of our own status write woke it) would write those
    details alone. It is skipped until they are `details_delay` old (the loop's timer
    for them), and news (the pod running) is decided on at once."""
    reconciler.details_delay = 5.0
    store.create(workflow("wf", "a", "b"))
    step(reconciler, runtime)
    (pending,) = runtime.observe()
    scheduled = dataclasses.replace(pending, host_node_name="n1", reason="PodInitializing")
    reconciler.pods.refresh_split([scheduled], now=clock.monotonic())
    assert reconciler.reconcile(KEY).skipped
    clock.advance(4.9)
    assert reconciler.reconcile(KEY).skipped
    clock.advance(0.1)
    assert not reconciler.reconcile(KEY).skipped  # the details' own timer
    assert reconciler.reconcile(KEY).skipped
    later = dataclasses.replace(scheduled, pod_ip="10.0.0.1")
    reconciler.pods.refresh_split([later], now=clock.monotonic())
    assert reconciler.reconcile(KEY).skipped
    reconciler.pods.refresh_split([dataclasses.replace(later, phase="Running")])
    assert not reconciler.reconcile(KEY).skipped  # news: at once
