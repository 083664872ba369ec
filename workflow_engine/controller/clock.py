"""Time as an input of the controller loop: wall time for `operate`, a monotonic
clock for requeue timers, and a way for a test clock to wake waiters when it jumps.

The controller never calls `time` directly; tests pass a `ManualClock` and advance it
instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Wall time (UTC, aware), given to operate()."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back, for timers."""
        ...

    def on_jump(self, callback: Callable[[], None]) -> None:
        """Call `callback` whenever time moves other than by itself (a test clock's
        advance), so anyone waiting for a deadline re-checks it."""
        ...


class SystemClock:
    """The real clocks."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def on_jump(self, callback: Callable[[], None]) -> None:
        """Real time never jumps: nothing to register."""


class ManualClock:
    """A clock that moves only when told to (tests)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2025, 1, 1, tzinfo=UTC)
        self._mono = 1000.0
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def on_jump(self, callback: Callable[[], None]) -> None:
        with self._lock:
            self._callbacks.append(callback)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self._mono += seconds
            callbacks = list(self._callbacks)
        for callback in callbacks:
            callback()
