"""Waiting in tests: poll a condition until it holds or a deadline passes, the one
way tests wait for threads, processes and files (never a bare sleep). The default
deadline is generous on purpose: a condition that holds returns at once, and only a
test that is failing anyway waits it out, so a loaded machine never fails a test that
would pass on a quiet one."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def poll(
    predicate: Callable[[], T],
    timeout: float = 120.0,
    what: str = "condition",
    interval: float = 0.01,
) -> T:
    """The first truthy value of `predicate()`, which is called every `interval`
    seconds; AssertionError when none came within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)
