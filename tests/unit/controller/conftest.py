"""Controller unit tests. Real: MemoryStore, the controller's own code, the clock
logic (a ManualClock). Fake: the Runtime (`fakes.FakeRuntime`, pods end when the test
says) and the engine (`fakes.FAKE_ENGINE`, runs templates in order)."""

from __future__ import annotations

import pytest

from tests.unit.controller.fakes import FAKE_ENGINE, FakeRuntime
from workflow_engine.controller.clock import ManualClock
from workflow_engine.controller.events import MemoryEventLog
from workflow_engine.controller.indexes import PodIndex, ResultIndex
from workflow_engine.controller.reconcile import Reconciler
from workflow_engine.store import MemoryStore


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def runtime() -> FakeRuntime:
    return FakeRuntime()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def reconciler(store: MemoryStore, runtime: FakeRuntime, clock: ManualClock) -> Reconciler:
    return Reconciler(
        store, runtime, FAKE_ENGINE, clock, MemoryEventLog(), PodIndex(), ResultIndex()
    )
