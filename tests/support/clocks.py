"""A wall clock tests move by hand while timers run on real monotonic time, so the
work queue and requeues behave as usual and scheduled times come exactly when the
test says (unlike `ManualClock`, whose monotonic time stands still too)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime


class SteppedClock:
    """`now()` stays at `start` until `jump_to()` moves it, which wakes whoever
    registered with `on_jump` (the controller's cron loop)."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        return time.monotonic()

    def on_jump(self, callback: Callable[[], None]) -> None:
        with self._lock:
            self._callbacks.append(callback)

    def jump_to(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment
            callbacks = list(self._callbacks)
        for callback in callbacks:
            callback()
