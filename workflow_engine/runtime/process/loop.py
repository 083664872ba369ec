"""A small single-threaded event loop: file descriptors, timers, calls from other threads.

Part of the process runtime: one thread watches every container's output pipe and
process (through a pidfd), so a pod costs no thread of its own. Callbacks run through
a `dispatch` wrapper given by the owner (the supervisor takes its lock there).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import os
import selectors
import threading
import time
from collections import deque
from collections.abc import Callable

log = logging.getLogger(__name__)

Callback = Callable[[], None]


class Timer:
    __slots__ = ("cancelled", "fn", "when")

    def __init__(self, when: float, fn: Callback) -> None:
        self.when = when
        self.fn = fn
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class EventLoop:
    def __init__(self, dispatch: Callable[[Callback], None], name: str = "process-runtime") -> None:
        self._dispatch = dispatch
        self._selector = selectors.EpollSelector()
        self._wake = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self._selector.register(self._wake, selectors.EVENT_READ, None)
        self._calls: deque[Callback] = deque()
        self._timers: list[tuple[float, int, Timer]] = []
        self._seq = itertools.count()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @property
    def thread(self) -> threading.Thread:
        return self._thread

    def call_soon(self, fn: Callback) -> None:
        """Thread-safe: run fn on the loop thread (dropped once the loop has stopped)."""
        if self._stop:
            return
        self._calls.append(fn)
        with contextlib.suppress(OSError):  # closed by a concurrent stop()
            os.eventfd_write(self._wake, 1)

    def call_later(self, delay: float, fn: Callback) -> Timer:
        """Loop thread only."""
        timer = Timer(time.monotonic() + delay, fn)
        heapq.heappush(self._timers, (timer.when, next(self._seq), timer))
        return timer

    def add_reader(self, fd: int, fn: Callback) -> None:
        self._selector.register(fd, selectors.EVENT_READ, fn)

    def remove_reader(self, fd: int) -> None:
        self._selector.unregister(fd)

    def stop(self, timeout: float = 10.0) -> None:
        def halt() -> None:
            self._stop = True

        self.call_soon(halt)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def _timeout(self) -> float | None:
        if self._calls:
            return 0
        while self._timers and self._timers[0][2].cancelled:
            heapq.heappop(self._timers)
        if not self._timers:
            return None
        return max(0.0, self._timers[0][0] - time.monotonic())

    def _run(self) -> None:
        while not self._stop:
            events = self._selector.select(self._timeout())
            registered = self._selector.get_map()
            for key, _ in events:
                # an earlier callback of this batch may have closed the fd (and the
                # number may even be reused): only serve keys still registered
                if registered.get(key.fd) is not key:
                    continue
                if key.data is None:
                    with contextlib.suppress(BlockingIOError):
                        os.eventfd_read(self._wake)
                else:
                    self._safely(key.data)
            now = time.monotonic()
            while self._timers and self._timers[0][0] <= now:
                timer = heapq.heappop(self._timers)[2]
                if not timer.cancelled:
                    self._safely(timer.fn)
            while self._calls:
                self._safely(self._calls.popleft())
        self._selector.close()
        os.close(self._wake)

    def _safely(self, fn: Callback) -> None:
        try:
            self._dispatch(fn)
        except Exception:  # one bad pod must not stop the loop for all others
            log.exception("process runtime callback failed")
