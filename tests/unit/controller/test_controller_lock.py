"""The state directory's controller lock: probes never pass for a controller."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from workflow_engine.controller.autostart import await_start
from workflow_engine.controller.statedir import ControllerLock, StatePaths


def _hold(path: Path) -> IO[str]:
    """Hold the lock as another process would (flock is per open file)."""
    handle = path.open("a+")
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return handle


def test_a_probe_writes_nothing_so_the_file_names_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "controller.lock"
    path.write_text("4242\n")  # as a controller of pid 4242 leaves it
    held = _hold(path)
    probe = ControllerLock(path)
    assert not probe.is_free()
    assert probe.holder() == 4242
    held.close()
    assert probe.is_free()
    assert probe.holder() == 4242  # the last holder still, not the probe


def test_a_probe_of_a_missing_lock_creates_no_file(tmp_path: Path) -> None:
    assert ControllerLock(tmp_path / "controller.lock").is_free()
    assert not (tmp_path / "controller.lock").exists()


def test_acquire_without_patience_fails_while_held(tmp_path: Path) -> None:
    path = tmp_path / "controller.lock"
    path.write_text("4242\n")
    held = _hold(path)
    lock = ControllerLock(path)
    assert not lock.acquire()
    assert not lock.acquire(patience=0.1)
    assert lock.holder() == 4242
    held.close()


def test_acquire_with_patience_outlasts_a_brief_holder(tmp_path: Path) -> None:
    """A `wf` command's probe holds the lock for an instant: a controller starting then
    must not exit believing another one runs."""
    path = tmp_path / "controller.lock"
    held = _hold(path)
    lock = ControllerLock(path)
    taken: list[bool] = []
    trying = threading.Thread(target=lambda: taken.append(lock.acquire(patience=120)))
    trying.start()
    trying.join(0.2)  # it cannot finish while the lock is held
    held.close()
    trying.join(120)
    assert taken == [True]
    assert lock.holder() == os.getpid()
    lock.release()


_LOCK_THEN_WAIT = """
import sys
from pathlib import Path
from workflow_engine.controller.autostart import await_start
from workflow_engine.controller.statedir import ControllerLock, StatePaths
lock = ControllerLock(Path(sys.argv[1]))
assert lock.acquire()
sys.stdin.read()  # holds the lock until the test closes stdin
"""


def test_await_start_returns_once_the_started_child_holds_the_lock(tmp_path: Path) -> None:
    # `wf submit --wait` starts the controller before lint; its second ensure must not
    # take a controller still importing for none (and start another)
    paths = StatePaths(tmp_path)
    child = subprocess.Popen(
        [sys.executable, "-c", _LOCK_THEN_WAIT, str(paths.lock)], stdin=subprocess.PIPE
    )
    try:
        await_start(paths, child.pid, timeout=120)
        assert not ControllerLock(paths.lock).is_free()
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=60)


def test_await_start_returns_when_the_child_exits_without_locking(tmp_path: Path) -> None:
    paths = StatePaths(tmp_path)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    began = time.monotonic()
    await_start(paths, child.pid, timeout=600)
    assert time.monotonic() - began < 600  # it did not wait the bound out
    assert ControllerLock(paths.lock).is_free()
