"""The controller's work queue: workflow keys waiting to be reconciled.

Sits between the event sources (store watch, runtime listener, requeue timers) and
the reconcile workers, with client-go's workqueue rules: a key is queued at most once
however many events arrive for it (so a burst of pod completions costs one reconcile),
a key being reconciled is never handed to a second worker, and a key re-added while it
is processed runs again once the first worker is done. Delayed adds (`add_after`) are
timed on the injected clock.
"""

from __future__ import annotations

import heapq
import threading
from collections import deque
from collections.abc import Hashable
from typing import Generic, TypeVar

from workflow_engine.controller.clock import Clock

K = TypeVar("K", bound=Hashable)
_REST_ENTRIES = 1024  # past this many, finished rests are dropped


class ShutDown(Exception):
    """The queue was shut down: the worker should exit."""


class WorkQueue(Generic[K]):
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._cond = threading.Condition(threading.Lock())
        self._queue: deque[K] = deque()
        self._dirty: set[K] = set()
        self._processing: set[K] = set()
        self._timers: list[tuple[float, int, K]] = []
        self._due: dict[K, float] = {}  # earliest pending timer per key
        self._rest_until: dict[K, float] = {}  # cooldown after a key's last run
        self._seq = 0
        self._shutdown = False
        clock.on_jump(self.kick)

    def add(self, key: K) -> None:
        with self._cond:
            self._add_locked(key)

    def add_many(self, keys: list[K]) -> None:
        with self._cond:
            for key in keys:
                self._add_locked(key)

    def add_after(self, key: K, seconds: float) -> None:
        if seconds <= 0:
            self.add(key)
            return
        with self._cond:
            self._timer_locked(key, self._clock.monotonic() + seconds)

    def get(self, timeout: float | None = None) -> K | None:
        """The next key to reconcile; None when `timeout` passes first. Raises ShutDown."""
        with self._cond:
            waited = False
            while True:
                if self._shutdown:
                    raise ShutDown
                self._fire_timers()
                if self._queue:
                    key = self._queue.popleft()
                    self._dirty.discard(key)
                    self._processing.add(key)
                    return key
                if waited and timeout is not None:
                    return None
                wait = self._next_timer_in()
                if timeout is not None:
                    wait = timeout if wait is None else min(wait, timeout)
                    waited = wait == timeout
                self._cond.wait(wait)

    def done(self, key: K, cooldown: float = 0.0) -> None:
        """The worker finished `key`. It runs again when added again, but not before
        `cooldown` seconds have passed (so the changes of a burst batch into one run
        instead of one run each); at once when no cooldown is given."""
        with self._cond:
            self._processing.discard(key)
            if not self._processing:
                self._cond.notify_all()  # wake wait_quiet()
            if cooldown > 0:
                now = self._clock.monotonic()
                if len(self._rest_until) > _REST_ENTRIES:  # keys that never came back
                    self._rest_until = {k: t for k, t in self._rest_until.items() if t > now}
                self._rest_until[key] = now + cooldown
            if key not in self._dirty:
                return
            self._dirty.discard(key)
            self._add_locked(key)

    def forget_timers(self, key: K) -> None:
        with self._cond:
            self._due.pop(key, None)
            self._rest_until.pop(key, None)

    def pending_timers(self) -> int:
        with self._cond:
            return len(self._due)

    def wait_quiet(self, timeout: float) -> bool:
        """Block until no key is being processed, at most `timeout` seconds; True when
        quiet. Lets a source batch what arrives during a reconcile instead of handing
        each change over as it comes (the reconcile could not take it before it ends)."""
        with self._cond:
            self._cond.wait_for(lambda: not self._processing or self._shutdown, timeout)
            return not self._processing

    def depth(self) -> int:
        """Keys waiting for a worker (not those in process, nor timers)."""
        with self._cond:
            return len(self._queue)

    def busy(self) -> bool:
        """True while any key is queued or being processed."""
        with self._cond:
            return bool(self._queue or self._processing)

    def kick(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def shut_down(self) -> None:
        with self._cond:
            self._shutdown = True
            self._cond.notify_all()

    # -- internals (lock held) -----------------------------------------------------

    def _add_locked(self, key: K) -> None:
        if self._shutdown or key in self._dirty:
            return
        rest = self._rest_until.get(key)
        if rest is not None and key not in self._processing:
            if rest > self._clock.monotonic():
                self._timer_locked(key, rest)  # resting after its last run
                return
            del self._rest_until[key]
        self._dirty.add(key)
        if key not in self._processing:
            self._queue.append(key)
            self._cond.notify()

    def _timer_locked(self, key: K, due: float) -> None:
        if self._due.get(key, float("inf")) <= due:
            return  # an earlier timer will wake it anyway
        self._due[key] = due
        self._seq += 1
        heapq.heappush(self._timers, (due, self._seq, key))
        self._cond.notify_all()

    def _fire_timers(self) -> None:
        now = self._clock.monotonic()
        while self._timers and self._timers[0][0] <= now:
            due, _, key = heapq.heappop(self._timers)
            if self._due.get(key) == due:
                del self._due[key]
                self._add_locked(key)

    def _next_timer_in(self) -> float | None:
        while self._timers and self._due.get(self._timers[0][2]) != self._timers[0][0]:
            heapq.heappop(self._timers)  # superseded or forgotten
        if not self._timers:
            return None
        return max(0.0, self._timers[0][0] - self._clock.monotonic())
