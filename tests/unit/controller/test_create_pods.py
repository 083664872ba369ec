"""A decision's pods are created several at once (controller/reconcile.py): a wide
fan-out pays one API round trip per pod, not one after another. Real: MemoryStore,
the engine, the status codec; fake: the Runtime (FakeRuntime, here made to wait for
its peers or to fail once)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import pytest

from tests.unit.controller.fakes import FakeRuntime, fake_pod
from workflow_engine.controller.clock import ManualClock
from workflow_engine.controller.events import MemoryEventLog
from workflow_engine.controller.indexes import PodIndex, ResultIndex
from workflow_engine.controller.reconcile import CREATE_POD_WORKERS, Engine, Reconciler
from workflow_engine.engine import operate
from workflow_engine.errors import TransientError
from workflow_engine.spec.status_codec import status_from_dict, status_to_dict
from workflow_engine.store import MemoryStore

KEY = ("default", "fan")


class TogetherRuntime(FakeRuntime):
    """Each create waits until `parties` creates are in flight: sequential creation
    breaks the barrier (its timeout) instead of passing."""

    def __init__(self, parties: int) -> None:
        super().__init__()
        self.barrier = threading.Barrier(parties, timeout=30)

    def create_pod(self, manifest: Mapping[str, Any]) -> None:
        self.barrier.wait()
        super().create_pod(manifest)


class FailsOnce(FakeRuntime):
    def __init__(self) -> None:
        super().__init__()
        self.failed: list[str] = []

    def create_pod(self, manifest: Mapping[str, Any]) -> None:
        if not self.failed:
            self.failed.append(manifest["metadata"]["name"])
            raise TransientError("the API server is busy")
        super().create_pod(manifest)


def reconciler(runtime: FakeRuntime) -> Reconciler:
    engine = Engine(
        operate=operate,
        status_to_dict=status_to_dict,
        status_from_dict=status_from_dict,
        build_pod=fake_pod,
    )
    store = MemoryStore()
    store.create(
        {
            "apiVersion": "wfengine.io/v1alpha1",
            "kind": "Workflow",
            "metadata": {"name": "fan", "namespace": "default"},
            "spec": {
                "entrypoint": "main",
                "templates": [
                    {
                        "name": "main",
                        "steps": [[{"name": "t", "template": "t", "withSequence": {"count": "8"}}]],
                    },
                    {"name": "t", "container": {"image": "x"}},
                ],
            },
        }
    )
    clock, events = ManualClock(), MemoryEventLog()
    return Reconciler(store, runtime, engine, clock, events, PodIndex(), ResultIndex())


def test_the_pods_of_one_decision_are_created_at_once() -> None:
    assert CREATE_POD_WORKERS >= 8
    runtime = TogetherRuntime(8)
    reconciler(runtime).reconcile(KEY)
    assert len(runtime.created) == 8 == len(set(runtime.created))


def test_a_failed_create_is_raised_after_the_others_were_made() -> None:
    runtime = FailsOnce()
    controller = reconciler(runtime)
    with pytest.raises(TransientError, match="busy"):
        controller.reconcile(KEY)
    assert len(runtime.created) == 7
    assert runtime.failed[0] not in runtime.created
    controller.reconcile(KEY)  # the retry creates the missing one, and only it
    assert sorted(runtime.created) == sorted({*runtime.created, runtime.failed[0]})
    assert len(runtime.created) == 8
