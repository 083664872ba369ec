"""The embedded controller seen from outside its process: `wf controller status|stop`.

Sits beside `embedded` in the controller room. The controller that holds a state
directory's lock (`controller.lock`, which names its pid) keeps `controller.status` up to
date: when it started, whether it is busy or idle, and how many unfinished workflows and
live pods it has (rewritten only when one of those changes, by an atomic rename).
`read_status` joins the two; `stop_controller` sends the holder SIGTERM, which stops it
as Ctrl-C does (running pods are left to the next controller), and waits until the lock
is free.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from workflow_engine.controller.statedir import ControllerLock, StatePaths

STATUS_FILE = "controller.status"
State = Literal["busy", "idle"]


@dataclass(frozen=True)
class ControllerStatus:
    pid: int
    state_dir: Path
    started_at: datetime | None = None  # None: not reported (yet)
    state: str = "starting"
    workflows: int | None = None  # unfinished workflows it watches over
    pods: int | None = None  # pods Pending or Running

    def uptime(self, now: datetime) -> float | None:
        return None if self.started_at is None else (now - self.started_at).total_seconds()


class StatusReport:
    """What a running controller writes about itself (`<state>/controller.status`)."""

    def __init__(self, paths: StatePaths, started_at: datetime) -> None:
        self._path = paths.root / STATUS_FILE
        self._started = started_at.isoformat()
        self._last: tuple[str, int, int] | None = None

    def update(self, state: State, workflows: int, pods: int) -> None:
        if self._last == (state, workflows, pods):
            return
        self._last = (state, workflows, pods)
        data = {
            "pid": os.getpid(),
            "startedAt": self._started,
            "state": state,
            "workflows": workflows,
            "pods": pods,
        }
        scratch = self._path.with_name(f".{STATUS_FILE}.{os.getpid()}")
        scratch.write_text(json.dumps(data) + "\n")
        scratch.replace(self._path)

    def remove(self) -> None:
        """The controller stopped: a report of it would mislead."""
        try:
            data = json.loads(self._path.read_text())
        except (OSError, ValueError):
            return
        if data.get("pid") == os.getpid():
            self._path.unlink(missing_ok=True)


def read_status(paths: StatePaths) -> ControllerStatus | None:
    """The controller holding the state directory's lock, or None when none does."""
    lock = ControllerLock(paths.lock)
    if lock.is_free():
        return None
    pid = lock.holder()
    if pid is None:  # taken this instant, the pid not written yet
        return None
    try:
        data = json.loads((paths.root / STATUS_FILE).read_text())
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict) or data.get("pid") != pid:
        return ControllerStatus(pid, paths.root)  # an earlier controller's report
    started = data.get("startedAt")
    return ControllerStatus(
        pid=pid,
        state_dir=paths.root,
        started_at=datetime.fromisoformat(started) if isinstance(started, str) else None,
        state=str(data.get("state") or "starting"),
        workflows=_count(data.get("workflows")),
        pods=_count(data.get("pods")),
    )


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class StopResult:
    pid: int | None  # None: no controller was running
    stopped: bool


def stop_controller(
    paths: StatePaths,
    timeout: float = 30.0,
    wait: Callable[[float], object] | None = None,
) -> StopResult:
    """SIGTERM the controller of `paths` and wait (at most `timeout` seconds) until it has
    let go of the lock. `stopped` is False when it was still holding it then."""
    lock = ControllerLock(paths.lock)
    pid = None if lock.is_free() else lock.holder()
    if pid is None:
        return StopResult(None, True)
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return StopResult(pid, True)  # it ended meanwhile
    pause = wait or threading.Event().wait
    waited = 0.0
    while not lock.is_free():
        if waited >= timeout:
            return StopResult(pid, False)
        pause(0.05)
        waited += 0.05
    return StopResult(pid, True)


__all__ = [
    "STATUS_FILE",
    "ControllerStatus",
    "StatusReport",
    "StopResult",
    "read_status",
    "stop_controller",
]
