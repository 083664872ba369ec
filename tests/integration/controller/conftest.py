"""Embedded-mode integration tests. Everything is real: SqliteStore in a temporary
state directory, ProcessRuntime (pods are local processes), the executor's in-process
handler, the engine, and the controller loop (run in a thread of the test process, or
as a separate `python -m workflow_engine.controller` process where a test says so).
The CLI runs through click's CliRunner, or as `wf` processes for concurrency tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.main import app_from_env, cli
from workflow_engine.controller.embedded import EmbeddedOptions, StatePaths, run

DATA = Path(__file__).parents[2] / "data"
REPO = Path(__file__).parents[3]
pytestmark = pytest.mark.integration


def data(*parts: str) -> str:
    return str(DATA.joinpath(*parts))


def poll(predicate: Callable[[], object], timeout: float = 120.0, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        time.sleep(0.02)


@dataclass
class Embedded:
    home: Path
    env: dict[str, str]

    @property
    def paths(self) -> StatePaths:
        return StatePaths(self.home)

    def wf(self, *args: str, input: str | None = None) -> Result:
        app = app_from_env(self.env)
        return CliRunner().invoke(cli, list(args), input=input, obj=app)

    def wf_process(self, *args: str, autostart: bool = True) -> subprocess.Popen[str]:
        extra = {} if autostart else {"WF_NO_CONTROLLER": "1"}
        return subprocess.Popen(
            [sys.executable, "-m", "cli.main", *args],
            env={**os.environ, **self.env, **extra},
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def _env(home: Path, **extra: str) -> dict[str, str]:
    return {"WF_HOME": str(home), "HOME": str(home), **extra}


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[Embedded]:
    """A controller running in a thread of this process over `tmp_path/state`."""
    home = tmp_path / "state"
    stop = threading.Event()
    errors: list[BaseException] = []

    def serve() -> None:
        try:
            run(StatePaths(home), EmbeddedOptions(), stop)
        except BaseException as exc:  # surfaced by the fixture's teardown
            errors.append(exc)

    thread = threading.Thread(target=serve, name="test-controller", daemon=True)
    thread.start()
    yield Embedded(home, _env(home, WF_NO_CONTROLLER="1"))
    stop.set()
    thread.join(30)
    assert not errors, errors


@pytest.fixture
def state(tmp_path: Path) -> Iterator[Embedded]:
    """A state directory with no controller: tests start (and end) their own."""
    home = tmp_path / "state"
    yield Embedded(home, _env(home, WF_IDLE_EXIT="1"))
    # A controller this test caused to start (named by the lock file) must not outlive it.
    for pid in _controller_pids(home):
        os.kill(pid, signal.SIGKILL)


def _controller_pids(home: Path) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and _is_our_controller(int(proc.name), home):
            pids.append(int(proc.name))
    return pids


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and b"(Z)" not in _stat(pid)


def _stat(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/stat").read_bytes().replace(b" Z ", b"(Z)")
    except OSError:
        return b"(Z)"


def _is_our_controller(pid: int, home: Path) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"workflow_engine.controller" in cmdline and str(home).encode() in cmdline


from tests.integration.controller.rig import rig  # noqa: E402, F401  (fixture: a stepped-clock controller)


@pytest.fixture
def busy_machine() -> Iterator[None]:
    """Two processes spinning on the CPU (this machine's cores) for the length of the
    test: the kill -9 tests run under load, where a start window is widest."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    yield
    for hog in hogs:
        hog.kill()
        hog.wait()
