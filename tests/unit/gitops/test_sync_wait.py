"""workflow_engine.gitops.apply.wait_healthy: polling with an injected clock (no sleeps).
The cluster is a small stand-in that replays a scripted series of live objects."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from workflow_engine.gitops.apply import Waiting, wait_healthy

DESIRED = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "namespace": "n"}}


def _job(condition: str | None) -> dict[str, Any]:
    conditions = [{"type": condition, "status": "True"}] if condition else []
    return {**DESIRED, "status": {"conditions": conditions}}


class Replay:
    """Answers `get` with the next scripted object (the last one forever after)."""

    def __init__(self, states: list[dict[str, Any] | None]) -> None:
        self._states: Iterator[dict[str, Any] | None] = iter(states)
        self._last: dict[str, Any] | None = None
        self.gets = 0

    def serves(self, obj: dict[str, Any]) -> bool:
        return True

    def get(self, obj: dict[str, Any]) -> dict[str, Any] | None:
        self.gets += 1
        self._last = next(self._states, self._last)
        return self._last


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.mark.parametrize(
    ("states", "healthy", "timed_out", "polls"),
    [
        pytest.param([_job(None), _job("Complete")], True, False, 3, id="healthy-twice"),
        pytest.param([_job("Complete"), _job(None)], False, True, 11, id="flicker-then-stuck"),
        pytest.param([_job(None), _job("Failed")], False, False, 2, id="degraded-stops-early"),
        pytest.param([None], False, True, 11, id="missing-times-out"),
    ],
)
def test_wait_for_health(
    states: list[dict[str, Any] | None], healthy: bool, timed_out: bool, polls: int
) -> None:
    clock, cluster = Clock(), Replay(states)
    waiting = Waiting(timeout=10, interval=1, clock=clock, sleep=clock.sleep)
    report = wait_healthy(cluster, [DESIRED], waiting)  # type: ignore[arg-type]
    assert (report.healthy, report.timed_out, cluster.gets) == (healthy, timed_out, polls)
    if not healthy:
        assert report.format().startswith("Job/n/j: ")
