"""The controller loop with threads: watch -> queue -> workers, restarts, re-lists."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from tests.unit.controller.fakes import FAKE_ENGINE, FakeRuntime, pod_of, workflow
from workflow_engine.controller.clock import ManualClock, SystemClock
from workflow_engine.controller.events import MemoryEventLog
from workflow_engine.controller.indexes import PodIndex, ResultIndex
from workflow_engine.controller.loop import Controller, LoopOptions
from workflow_engine.controller.reconcile import Reconciler
from workflow_engine.store import MemoryStore

P0, P1 = pod_of("wf", 0, "a"), pod_of("wf", 1, "b")  # the pods of steps a and b


def wait_for(predicate: Callable[[], bool], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        time.sleep(0.01)


def phase(store: MemoryStore, name: str) -> str:
    return (store.get("Workflow", name).get("status") or {}).get("phase", "")


@pytest.fixture
def make_controller() -> Iterator[Callable[..., Controller]]:
    started: list[Controller] = []

    def make(store: MemoryStore, runtime: FakeRuntime, clock=None) -> Controller:  # type: ignore[no-untyped-def]
        clock = clock or SystemClock()
        reconciler = Reconciler(
            store, runtime, FAKE_ENGINE, clock, MemoryEventLog(), PodIndex(), ResultIndex()
        )
        controller = Controller(reconciler, clock, LoopOptions(workers=3, watch_timeout=0.5))
        controller.start()
        started.append(controller)
        return controller

    yield make
    for controller in started:
        controller.stop()


def test_many_workflows_complete(make_controller: Callable[..., Controller]) -> None:
    store, runtime = MemoryStore(), FakeRuntime(auto=True)
    controller = make_controller(store, runtime)
    names = [f"wf-{i}" for i in range(20)]
    for name in names:
        store.create(workflow(name, "a", "b", "c"))
    wait_for(lambda: all(phase(store, n) == "Succeeded" for n in names))
    assert len(runtime.created) == 60
    assert len(set(runtime.created)) == 60  # no pod created twice
    wait_for(controller.is_idle)


def test_a_restarted_controller_finishes_the_run_without_repeating_a_step(
    make_controller: Callable[..., Controller],
) -> None:
    store, runtime = MemoryStore(), FakeRuntime()
    first = make_controller(store, runtime)
    store.create(workflow("wf", "a", "b"))
    wait_for(lambda: runtime.created == [P0])
    first.stop()
    runtime.finish(P0, 0)  # the pod ends while no controller runs
    make_controller(store, runtime)
    wait_for(lambda: runtime.created == [P0, P1])
    runtime.finish(P1, 0)
    wait_for(lambda: phase(store, "wf") == "Succeeded")
    assert runtime.created == [P0, P1]


def test_requeue_timers_run_on_the_injected_clock(
    make_controller: Callable[..., Controller],
) -> None:
    store, runtime, clock = MemoryStore(), FakeRuntime(), ManualClock()
    controller = make_controller(store, runtime, clock)
    store.create(workflow("wf", "sleep:60"))
    wait_for(lambda: phase(store, "wf") == "Running" and controller.queue.pending_timers() == 1)
    assert not controller.is_idle()
    clock.advance(60)
    wait_for(lambda: phase(store, "wf") == "Succeeded")


def test_a_deleted_workflow_loses_its_pods(make_controller: Callable[..., Controller]) -> None:
    store, runtime = MemoryStore(), FakeRuntime()
    make_controller(store, runtime)
    store.create(workflow("wf", "a"))
    wait_for(lambda: runtime.created == [P0])
    store.delete("Workflow", "wf")
    wait_for(lambda: runtime.deleted == [P0])


def test_orphan_pods_are_deleted_at_start(make_controller: Callable[..., Controller]) -> None:
    store, runtime = MemoryStore(), FakeRuntime()
    first = make_controller(store, runtime)
    store.create(workflow("wf", "a"))
    wait_for(lambda: runtime.created == [P0])
    first.stop()
    store.delete("Workflow", "wf")  # deleted while no controller watched
    make_controller(store, runtime)
    wait_for(lambda: runtime.deleted == [P0])


def test_a_compacted_watch_lists_again_and_loses_nothing(
    make_controller: Callable[..., Controller],
) -> None:
    store, runtime = MemoryStore(history=1), FakeRuntime(auto=True)
    make_controller(store, runtime)
    names = [f"wf-{i}" for i in range(30)]
    writers = [threading.Thread(target=lambda n=n: store.create(workflow(n, "a"))) for n in names]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    wait_for(lambda: all(phase(store, n) == "Succeeded" for n in names))


def test_suspended_workflows_do_not_keep_the_controller_busy(
    make_controller: Callable[..., Controller],
) -> None:
    store, runtime = MemoryStore(), FakeRuntime(auto=True)
    controller = make_controller(store, runtime)
    store.create(workflow("wf", "a", suspend=True))
    wait_for(lambda: phase(store, "wf") == "Running")
    wait_for(controller.is_idle)
    assert runtime.created == []


def test_an_early_wake_up_keeps_the_timer(make_controller: Callable[..., Controller]) -> None:
    store, runtime, clock = MemoryStore(), FakeRuntime(), ManualClock()
    controller = make_controller(store, runtime, clock)
    store.create(workflow("wf", "sleep:60"))
    wait_for(lambda: phase(store, "wf") == "Running" and controller.queue.pending_timers() == 1)
    controller.queue.add_after(("default", "wf"), 1)  # e.g. a TaskResult's delayed wake-up
    reconciles = controller.reconciles
    clock.advance(1)
    wait_for(lambda: controller.reconciles > reconciles and controller.queue.pending_timers())
    clock.advance(59)
    wait_for(lambda: phase(store, "wf") == "Succeeded")
