"""How a `wf` command gets the embedded controller running: start a detached one unless
one holds the state directory's lock.

Part of the controller room, beside `statedir` (paths and lock) and beneath the CLI's
program edge. Apart from `embedded` (which re-exports `ensure_controller`), so that a
command finding a controller running imports none of the controller's pieces, and
apart from `statedir`, so that `wf --help` does not import subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from workflow_engine.controller.statedir import ControllerLock, StatePaths
from workflow_engine.spec.limits import DEFAULT_MAX_EXPRESSION_LENGTH

DEFAULT_IDLE_EXIT = 5.0
_POLL = 0.02  # seconds between looks at a starting controller


def ensure_controller(
    paths: StatePaths,
    idle_exit: float = DEFAULT_IDLE_EXIT,
    python: str = sys.executable,
    max_expression_length: int = DEFAULT_MAX_EXPRESSION_LENGTH,
    resource_kubeconfig: str | None = None,
) -> int | None:
    """Start a detached controller unless one holds the lock; returns its pid.

    The controller evaluates expressions under `max_expression_length`, the bound the
    starting command linted with (a controller already running keeps its own)."""
    extra = ["--resource-kubeconfig", resource_kubeconfig] if resource_kubeconfig else []
    if not ControllerLock(paths.lock).is_free():
        return None
    paths.root.mkdir(parents=True, exist_ok=True, mode=0o700)
    with paths.log.open("ab") as out:
        process = subprocess.Popen(
            [
                python,
                "-m",
                "workflow_engine.controller",
                "--state-dir",
                str(paths.root),
                "--idle-exit",
                str(idle_exit),
                "--max-expression-length",
                str(max_expression_length),
                *extra,
            ],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
            cwd=paths.root,  # a daemon should not pin the caller's working directory
        )
    return process.pid


def await_start(paths: StatePaths, pid: int, timeout: float = 30.0) -> None:
    """Return once the controller `pid` (a child `ensure_controller` started) holds the
    lock or has exited, or `timeout` seconds passed. Then a lock probe tells the truth
    again: a held lock is a controller that will see what was written before."""
    lock = ControllerLock(paths.lock)
    deadline = time.monotonic() + timeout
    while lock.is_free() and _running(pid) and time.monotonic() < deadline:
        time.sleep(_POLL)


def _running(pid: int) -> bool:
    """Whether our child `pid` has not exited (reaping it if it has)."""
    try:
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return False
