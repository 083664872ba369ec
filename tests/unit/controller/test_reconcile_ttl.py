"""ttlStrategy through one Reconciler on a manual clock: the real `operate()` asks for
a timer, then for the deletion, which the reconciler applies to the store (fake
runtime, memory store: see fakes.py)."""

from __future__ import annotations

import dataclasses

import pytest

from tests.unit.controller.fakes import FAKE_ENGINE, FakeRuntime, workflow
from workflow_engine.controller.clock import ManualClock
from workflow_engine.controller.events import MemoryEventLog
from workflow_engine.controller.indexes import PodIndex, ResultIndex
from workflow_engine.controller.reconcile import Reconciler
from workflow_engine.engine import operate
from workflow_engine.errors import NotFound
from workflow_engine.store import MemoryStore

KEY = ("default", "wf")


def test_a_completed_workflow_is_deleted_when_its_ttl_runs_out(
    store: MemoryStore, runtime: FakeRuntime, clock: ManualClock
) -> None:
    engine = dataclasses.replace(FAKE_ENGINE, operate=operate)
    reconciler = Reconciler(
        store, runtime, engine, clock, MemoryEventLog(), PodIndex(), ResultIndex()
    )
    store.create(workflow("wf", "a", ttlStrategy={"secondsAfterCompletion": 30}))
    reconciler.reconcile(KEY)
    (pod,) = runtime.created
    runtime.finish(pod, 0)
    reconciler.pods.refresh(runtime.observe())
    done = reconciler.reconcile(KEY)
    assert store.get("Workflow", "wf")["status"]["phase"] == "Succeeded"
    assert done.requeue_after == 30
    clock.advance(29)
    early = reconciler.reconcile(KEY)
    assert early.requeue_after == pytest.approx(1)
    assert store.get("Workflow", "wf")
    clock.advance(1)
    reconciler.reconcile(KEY)
    with pytest.raises(NotFound):
        store.get("Workflow", "wf")
