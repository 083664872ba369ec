"""The work queue: dedup, one worker per key, re-adds while processing, timers."""

from __future__ import annotations

import threading

import pytest

from workflow_engine.controller.clock import ManualClock
from workflow_engine.controller.queue import ShutDown, WorkQueue


def test_a_key_added_many_times_is_handed_out_once() -> None:
    queue: WorkQueue[str] = WorkQueue(ManualClock())
    for key in ["a", "b", "a", "a", "b"]:
        queue.add(key)
    assert [queue.get(0), queue.get(0), queue.get(0)] == ["a", "b", None]


def test_a_key_being_processed_is_not_handed_to_a_second_worker() -> None:
    queue: WorkQueue[str] = WorkQueue(ManualClock())
    queue.add("a")
    assert queue.get(0) == "a"
    queue.add("a")  # an event while the first worker runs
    assert queue.get(0) is None
    queue.done("a")
    assert queue.get(0) == "a"


def test_done_without_re_add_does_not_requeue() -> None:
    queue: WorkQueue[str] = WorkQueue(ManualClock())
    queue.add("a")
    queue.get(0)
    queue.done("a")
    assert queue.get(0) is None
    assert not queue.busy()


@pytest.mark.parametrize(
    ("delays", "advance", "expected"),
    [
        pytest.param([5.0], 4.9, None, id="not-yet-due"),
        pytest.param([5.0], 5.0, "a", id="due"),
        pytest.param([5.0, 1.0], 1.0, "a", id="earlier-timer-wins"),
        pytest.param([1.0, 5.0], 1.0, "a", id="later-timer-ignored"),
    ],
)
def test_add_after_fires_on_the_injected_clock(
    delays: list[float], advance: float, expected: str | None
) -> None:
    clock = ManualClock()
    queue: WorkQueue[str] = WorkQueue(clock)
    for delay in delays:
        queue.add_after("a", delay)
    clock.advance(advance)
    assert queue.get(0) == expected


def test_a_waiting_worker_wakes_when_the_clock_jumps() -> None:
    clock = ManualClock()
    queue: WorkQueue[str] = WorkQueue(clock)
    queue.add_after("a", 60)
    got: list[str | None] = []
    worker = threading.Thread(target=lambda: got.append(queue.get(30)))
    worker.start()
    clock.advance(60)
    worker.join(10)
    assert got == ["a"]


def test_shut_down_releases_waiting_workers() -> None:
    queue: WorkQueue[str] = WorkQueue(ManualClock())
    errors: list[BaseException] = []

    def work() -> None:
        try:
            queue.get()
        except ShutDown as exc:
            errors.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    queue.shut_down()
    worker.join(10)
    assert len(errors) == 1


def test_a_key_re_added_during_processing_waits_out_the_cooldown() -> None:
    clock = ManualClock()
    queue: WorkQueue[str] = WorkQueue(clock)
    queue.add("a")
    queue.get(0)
    queue.add("a")
    queue.done("a", cooldown=0.5)
    assert queue.get(0) is None
    clock.advance(0.5)
    assert queue.get(0) == "a"


def test_no_cooldown_when_nothing_arrived_meanwhile() -> None:
    clock = ManualClock()
    queue: WorkQueue[str] = WorkQueue(clock)
    queue.add("a")
    queue.get(0)
    queue.done("a", cooldown=0.5)
    assert queue.pending_timers() == 0


@pytest.mark.parametrize(
    ("cooldown", "added_after", "waits"),
    [(0.5, 0.2, 0.3), (0.5, 0.6, 0.0), (0.0, 0.0, 0.0)],
    ids=["within-cooldown-waits-the-rest", "after-cooldown-at-once", "no-cooldown"],
)
def test_a_key_added_soon_after_its_run_waits_out_the_cooldown(
    cooldown: float, added_after: float, waits: float
) -> None:
    clock = ManualClock()
    queue: WorkQueue[str] = WorkQueue(clock)
    queue.add("a")
    queue.get(0)
    queue.done("a", cooldown=cooldown)
    clock.advance(added_after)
    queue.add("a")
    queue.add("b")  # other keys are not held back
    assert queue.get(0) == ("b" if waits else "a")
    if waits:
        assert queue.get(0) is None
        clock.advance(waits)
        assert queue.get(0) == "a"


@pytest.mark.parametrize(
    ("processing", "done_meanwhile", "quiet"),
    [(False, False, True), (True, False, False), (True, True, True)],
    ids=["idle-at-once", "busy-until-timeout", "busy-then-done"],
)
def test_wait_quiet_waits_for_the_reconcile_in_flight(
    processing: bool, done_meanwhile: bool, quiet: bool
) -> None:
    queue: WorkQueue[str] = WorkQueue(ManualClock())
    if processing:
        queue.add("a")
        assert queue.get(0) == "a"
    waiting = threading.Event()
    result: list[bool] = []

    def source() -> None:
        waiting.set()
        result.append(queue.wait_quiet(30.0 if done_meanwhile else 0.05))

    thread = threading.Thread(target=source)
    thread.start()
    assert waiting.wait(5)
    if done_meanwhile:
        queue.done("a")
    thread.join(10)
    assert not thread.is_alive()
    assert result == [quiet]


def test_rests_of_keys_that_never_come_back_are_dropped() -> None:
    clock = ManualClock()
    queue: WorkQueue[int] = WorkQueue(clock)
    for key in range(3000):
        queue.add(key)
        assert queue.get(0) == key
        queue.done(key, cooldown=0.5)
        clock.advance(1.0)
    assert len(queue._rest_until) <= 1025
