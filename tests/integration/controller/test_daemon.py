"""`wf controller status` and `wf controller stop` against real controller processes
(`python -m workflow_engine.controller`) on a temporary state directory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.controller.conftest import REPO, Embedded, alive, poll
from tests.integration.controller.test_processes import (
    _controller,
    _finish_with_a_new_controller,
    _lines,
    _submit_appender,
)
from workflow_engine.controller.statedir import ControllerLock

pytestmark = pytest.mark.integration


def _status(state: Embedded) -> dict:
    result = state.wf("controller", "status", "-o", "json")
    assert result.exit_code in (0, 3), result.output
    return json.loads(result.output)


def test_without_a_controller_status_says_so_and_stop_has_nothing_to_do(
    state: Embedded,
) -> None:
    status = state.wf("controller", "status")
    assert status.exit_code == 3
    assert status.output == f"no controller is running for {state.home}\n"
    stop = state.wf("controller", "stop")
    assert (stop.exit_code, stop.output) == (0, f"no controller is running for {state.home}\n")


def test_status_shows_the_running_controller_and_stop_ends_it(state: Embedded) -> None:
    controller = _controller(state)
    try:
        poll(  # a busy machine may take many seconds to start a Python controller
            lambda: _status(state).get("state") == "idle",
            timeout=120,
            what="the controller's report",
        )
        info = _status(state)
        assert info["pid"] == controller.pid
        assert (info["state dir"], info["workflows"], info["pods"]) == (str(state.home), 0, 0)
        assert info["uptime"].endswith("s")
        table = state.wf("controller", "status")
        assert table.exit_code == 0
        assert f"pid:       {controller.pid}\n" in table.output
        stop = state.wf("controller", "stop", "--timeout", "120")  # a busy machine is slow
        assert (stop.exit_code, stop.output) == (0, f"controller (pid {controller.pid}) stopped\n")
        assert controller.wait(timeout=30) == 0
    finally:
        controller.kill()
        controller.wait()
    assert ControllerLock(state.paths.lock).is_free()
    assert state.wf("controller", "status").exit_code == 3
    assert not (state.home / "controller.status").exists()


def test_stop_while_a_pod_runs_leaves_it_to_the_next_controller(
    state: Embedded, tmp_path: Path
) -> None:
    """Graceful, as SIGTERM: the running pod goes on, the next controller adopts it,
    and every step runs once."""
    lines = tmp_path / "lines"
    name = _submit_appender(state, tmp_path, tmp_path)
    controller = _controller(state)
    try:
        poll(lambda: _lines(lines) == ["one"], timeout=120, what="step one running")
        poll(
            lambda: (_status(state).get("workflows"), _status(state).get("pods")) == (1, 1),
            timeout=60,
            what="the report of one workflow and its pod",
        )
        assert _status(state)["state"] == "busy"
        stop = state.wf("controller", "stop", "--timeout", "120")
        assert stop.exit_code == 0, stop.output
        assert controller.wait(timeout=30) == 0
    finally:
        controller.kill()
        controller.wait()
    _finish_with_a_new_controller(state, name, lines)


HOLDER = """
import signal, sys
from pathlib import Path
from workflow_engine.controller.statedir import ControllerLock
signal.signal(signal.SIGTERM, signal.SIG_IGN)
lock = ControllerLock(Path(sys.argv[1]))
assert lock.acquire()
print("held", flush=True)
sys.stdin.read()
"""


def test_stop_fails_when_the_controller_does_not_stop_in_time(state: Embedded) -> None:
    """A lock holder that ignores SIGTERM: stop gives up after --timeout, exit code 1."""
    state.home.mkdir(parents=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(state.paths.lock)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        stop = state.wf("controller", "stop", "--timeout", "0.2")
        assert stop.exit_code == 1
        assert f"controller (pid {holder.pid}) still runs after 0.2s" in stop.output
        assert alive(holder.pid)
        info = _status(state)  # no report of its own: the pid, the rest unknown
        assert (info["pid"], info["state"], info["workflows"]) == (holder.pid, "starting", None)
    finally:
        holder.kill()
        holder.wait()


def test_stop_rejects_a_negative_timeout(state: Embedded) -> None:
    result = state.wf("controller", "stop", "--timeout", "-1")
    assert result.exit_code == 2
    assert "--timeout" in result.output
