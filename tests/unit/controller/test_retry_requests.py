"""`wf retry` on a cluster: the CLI writes one request (`operations.request_retry`),
the reconcile makes the reset (controller/retry_requests.py): the failed node's pod
and TaskResult go, the status is Running again, the request is removed; a request
found on a workflow that was reset already is dropped without touching anything."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.unit.controller.fakes import FakeRuntime, pod_of, workflow
from workflow_engine.controller import operations as ops
from workflow_engine.controller.operrors import OperationError
from workflow_engine.controller.reconcile import Reconciler
from workflow_engine.store import MemoryStore
from workflow_engine.vocabulary import RETRY_REQUEST

KEY = ("default", "wf")
P0 = pod_of("wf", 0, "a")
NOW = datetime(2026, 1, 1, tzinfo=UTC)
PHASE = "workflows.argoproj.io/phase"


def step(reconciler: Reconciler, runtime: FakeRuntime) -> dict:
    reconciler.pods.refresh(runtime.observe())
    reconciler.reconcile(KEY)
    return reconciler.store.get("Workflow", "wf")


def offer(reconciler: Reconciler, obj: dict) -> None:
    reconciler.cache.offer(obj)  # what the loop does when the watch reports it


def failed(store: MemoryStore, runtime: FakeRuntime, reconciler: Reconciler) -> dict:
    store.create(workflow("wf", "a"))
    step(reconciler, runtime)
    runtime.finish(P0, 1)
    result = {
        "apiVersion": "wfengine.io/v1alpha1",
        "kind": "WorkflowTaskResult",
        "metadata": {"name": "wf-0", "labels": {"workflows.argoproj.io/workflow": "wf"}},
        "outputs": {"exitCode": 1},
    }
    reconciler.results.apply("ADDED", store.create(result))
    obj = step(reconciler, runtime)
    assert obj["status"]["phase"] == "Failed"
    return obj


def test_the_request_is_one_write_and_the_reconcile_makes_the_reset(
    store: MemoryStore, runtime: FakeRuntime, reconciler: Reconciler
) -> None:
    before = failed(store, runtime, reconciler)
    requested = ops.request_retry(store, "wf", now=NOW)
    # one write: the annotation; the status is the controller's to change
    assert int(requested["metadata"]["resourceVersion"]) == (
        int(before["metadata"]["resourceVersion"]) + 1
    )
    assert requested["status"] == before["status"]
    assert RETRY_REQUEST in requested["metadata"]["annotations"]
    assert ops.retry_pending(requested)

    offer(reconciler, requested)
    obj = step(reconciler, runtime)
    assert runtime.deleted == [P0]
    assert store.list("WorkflowTaskResult").items == []
    assert reconciler.results.results(KEY) == {}
    assert RETRY_REQUEST not in (obj["metadata"].get("annotations") or {})
    assert obj["status"]["phase"] == "Running"
    assert obj["metadata"]["labels"][PHASE] == "Running"
    # decided at once on the reset status: the node is new again, its pod still going
    assert obj["status"]["nodes"]["wf-0"].get("phase", "Pending") == "Pending"
    step(reconciler, runtime)  # the pod is gone now: the node runs again
    assert runtime.created == [P0, P0]


def test_a_request_on_a_workflow_reset_already_is_dropped(
    store: MemoryStore, runtime: FakeRuntime, reconciler: Reconciler
) -> None:
    """A controller stopped between its status write and removing the request."""
    failed(store, runtime, reconciler)
    offer(reconciler, ops.request_retry(store, "wf", now=NOW))
    step(reconciler, runtime)
    current = store.get("Workflow", "wf")
    meta = {**current["metadata"], "annotations": {RETRY_REQUEST: "{}"}}
    offer(reconciler, store.update({**current, "metadata": meta}))
    obj = step(reconciler, runtime)
    assert RETRY_REQUEST not in (obj["metadata"].get("annotations") or {})
    assert runtime.deleted == [P0]  # only the first request's deletion
    assert obj["status"]["phase"] == "Running"


def test_a_workflow_that_cannot_be_retried_is_refused_before_any_write(
    store: MemoryStore, runtime: FakeRuntime, reconciler: Reconciler
) -> None:
    store.create(workflow("wf", "a"))
    written = step(reconciler, runtime)
    with pytest.raises(OperationError, match="it is Running; only failed workflows"):
        ops.request_retry(store, "wf", now=NOW)
    assert (
        store.get("Workflow", "wf")["metadata"]["resourceVersion"]
        == (written["metadata"]["resourceVersion"])
    )
