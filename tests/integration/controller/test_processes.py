"""The embedded controller as a process: started on demand, exiting when idle, one per
state directory, surviving kill -9, and concurrent `wf` processes on one store."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.controller.conftest import (
    REPO,
    Embedded,
    alive,
    data,
    poll,
)
from workflow_engine.controller.embedded import ControllerLock

# several controller and `wf` starts per test: more than the default 300 s at load 70
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]
HELLO = str(REPO / "examples" / "hello-world.yaml")
# How long to wait for a controller, a `wf` process or a workflow step: a deadline for
# a machine at load 70 (where 30 to 120 s ran out: each `wf` process and pod is a
# Python start of a second or more of CPU), not a budget; a pass takes far less.
SLOW = 240.0


def test_submit_starts_a_controller_that_exits_when_idle(state: Embedded) -> None:
    submit = state.wf_process("submit", HELLO, "--wait")
    out, err = submit.communicate(timeout=SLOW)
    assert submit.returncode == 0, err
    assert out.endswith(" Succeeded\n")
    lock = ControllerLock(state.paths.lock)
    pid = lock.holder()
    assert pid is not None
    poll(lambda: not alive(pid), timeout=SLOW, what="the idle controller to exit")
    assert lock.is_free()
    assert "controller started" in state.paths.log.read_text()


def test_one_controller_per_state_directory(state: Embedded) -> None:
    first = _controller(state)
    try:
        poll(
            lambda: not ControllerLock(state.paths.lock).is_free(),
            what="the first lock",
            timeout=SLOW,
        )
        second = _controller(state)
        assert second.wait(timeout=SLOW) == 0  # it finds the lock taken and leaves
        assert first.poll() is None
    finally:
        first.kill()
        first.wait()


def test_concurrent_submits_and_a_delete_lose_nothing(embedded: Embedded) -> None:
    keep = [embedded.wf_process("submit", HELLO, "-o", "name") for _ in range(2)]
    doomed_name = embedded.wf("submit", HELLO, "-o", "name").output.strip()
    delete = embedded.wf_process("delete", doomed_name)
    outputs = [p.communicate(timeout=SLOW) for p in [*keep, delete]]
    assert [p.returncode for p in [*keep, delete]] == [0, 0, 0], outputs
    names = [out.strip() for out, _ in outputs[:2]]
    waited = embedded.wf("wait", *names)
    assert waited.exit_code == 0, waited.output
    listed = set(embedded.wf("list", "-o", "name").output.split())
    assert listed == set(names)
    with sqlite3.connect(embedded.paths.db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def _controller(state: Embedded, *extra: str) -> subprocess.Popen[bytes]:
    state.home.mkdir(parents=True, exist_ok=True)
    with (state.home / "test-controllers.log").open("ab") as log:
        return _start(state, log, extra)


def _start(state: Embedded, log: object, extra: tuple[str, ...]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workflow_engine.controller",
            "--state-dir",
            str(state.home),
            *extra,
        ],
        cwd=REPO,
        env={**os.environ, **state.env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def _submit_appender(state: Embedded, tmp_path: Path, out: Path, pause: str = "2") -> str:
    spec = tmp_path / "appender.yaml"
    text = Path(data("embedded", "appender.yaml")).read_text()
    text = text.replace('duration: "2"', f'duration: "{pause}"')
    spec.write_text(text.replace("__DIR__", str(out)))
    submit = state.wf_process("submit", str(spec), "-p", "pause=1", "-o", "name", autostart=False)
    return submit.communicate(timeout=SLOW)[0].strip()


def _kill_when(state: Embedded, ready: Callable[[], object], what: str) -> None:
    controller = _controller(state)
    try:
        poll(ready, what=what, timeout=SLOW)
        os.kill(controller.pid, signal.SIGKILL)
    finally:
        controller.kill()
        controller.wait()


def _finish_with_a_new_controller(state: Embedded, name: str, lines: Path) -> None:
    """Start a controller, let it finish the appender workflow: it must succeed with
    every step's line written exactly once."""
    controller = _controller(state)
    try:
        poll(
            lambda: _phase(state, name) in ("Succeeded", "Failed", "Error"),
            timeout=SLOW,
            what="the workflow to finish after the restart",
        )
        assert _phase(state, name) == "Succeeded", state.wf("get", name).output
        assert _lines(lines) == ["one", "two", "three"]
    finally:
        controller.kill()
        controller.wait()


def test_kill_9_between_pods_repeats_no_step(
    state: Embedded, tmp_path: Path, busy_machine: None
) -> None:
    # The pause outlasts any poll however loaded the machine is (a 2 s one could pass
    # unseen between two looks); it is resumed once the controller is dead.
    lines = tmp_path / "lines"
    name = _submit_appender(state, tmp_path, tmp_path, pause="1h")
    _kill_when(
        state,
        lambda: _node_phase(state, name, "pause") == "Running",
        "step one done and the pause (no pod) running",
    )
    assert _lines(lines) == ["one"]
    resume = state.wf_process("resume", name, autostart=False)
    assert resume.wait(timeout=SLOW) == 0, resume.communicate()
    _finish_with_a_new_controller(state, name, lines)


def test_kill_9_while_a_pod_runs_repeats_no_step(
    state: Embedded, tmp_path: Path, busy_machine: None
) -> None:
    """The process runtime records its pods on disk and runs each container under a
    shim that outlives the controller: the next controller re-adopts the running pod,
    sees it end, and the workflow completes with every step run once."""
    lines = tmp_path / "lines"
    name = _submit_appender(state, tmp_path, tmp_path)
    _kill_when(state, lambda: _lines(lines) == ["one"], "step one running")
    _finish_with_a_new_controller(state, name, lines)


def test_sigterm_while_a_pod_runs_leaves_it_to_the_next_controller(
    state: Embedded, tmp_path: Path
) -> None:
    """A graceful stop (SIGTERM, Ctrl-C) detaches from running pods instead of killing
    them: the next controller adopts the pod, and every step runs once."""
    lines = tmp_path / "lines"
    name = _submit_appender(state, tmp_path, tmp_path)
    controller = _controller(state)
    try:
        poll(lambda: _lines(lines) == ["one"], what="step one running", timeout=SLOW)
        controller.send_signal(signal.SIGTERM)
        assert controller.wait(timeout=SLOW) == 0
    finally:
        controller.kill()
        controller.wait()
    _finish_with_a_new_controller(state, name, lines)


def _phase(state: Embedded, workflow: str) -> str | None:
    result = state.wf("get", workflow, "-o", "json")
    return (json.loads(result.output).get("status") or {}).get("phase")


def _node_phase(state: Embedded, workflow: str, display_name: str) -> str | None:
    result = state.wf("get", workflow, "-o", "json")
    nodes = (json.loads(result.output).get("status") or {}).get("nodes") or {}
    for node in nodes.values():
        if node.get("displayName") == display_name:
            return node.get("phase")
    return None


def test_an_idle_controller_exits_while_a_workflow_waits_for_resume(state: Embedded) -> None:
    example = str(REPO / "examples" / "suspend-resume.yaml")
    submit = state.wf_process("submit", example, "-o", "name")
    name = submit.communicate(timeout=SLOW)[0].strip()
    poll(
        lambda: _node_phase(state, name, "approve") == "Running",
        what="the approve step",
        timeout=SLOW,
    )
    pid = ControllerLock(state.paths.lock).holder()
    assert pid is not None
    poll(lambda: not alive(pid), timeout=SLOW, what="the idle controller to exit")
    resumed = state.wf_process("resume", name)  # starts a controller again
    assert resumed.wait(timeout=SLOW) == 0
    waited = state.wf_process("wait", name)
    out, _ = waited.communicate(timeout=SLOW)
    assert out == f"{name} Succeeded\n"


def test_kill_9_at_three_points_of_one_run_repeats_no_step(state: Embedded, tmp_path: Path) -> None:
    """One workflow, three controllers killed in turn: while step one runs, during the
    pause between pods, and while step three runs; a fourth sees it through, every step
    having run exactly once."""
    lines = tmp_path / "lines"
    name = _submit_appender(state, tmp_path, tmp_path)
    _kill_when(state, lambda: _lines(lines) == ["one"], "step one running")
    _kill_when(
        state,
        lambda: _node_phase(state, name, "pause") == "Running",
        "the pause (no pod) running",
    )
    _kill_when(state, lambda: _lines(lines) == ["one", "two", "three"], "step three running")
    assert _phase(state, name) == "Running"
    _finish_with_a_new_controller(state, name, lines)


def test_an_active_cron_workflow_keeps_the_on_demand_controller_up(state: Embedded) -> None:
    """WF_IDLE_EXIT is 1s here: children keep coming every 2s only while the controller
    stays up; once the CronWorkflow is suspended it exits."""
    created = state.wf_process("cron", "create", data("cron", "every-2s.yaml"))
    assert created.wait(timeout=SLOW) == 0, created.communicate()
    lock = ControllerLock(state.paths.lock)
    # is_free() writes nothing while the lock is held: then the file names the holder
    pid = poll(
        lambda: None if lock.is_free() else lock.holder(),
        timeout=SLOW,
        what="a controller started by wf cron create",
    )

    def children() -> int:
        listed = state.wf("list", "--cron", "every-2s", "-o", "name")
        return len(listed.output.split())

    poll(lambda: children() >= 3, timeout=SLOW, what="three scheduled children")
    assert alive(pid)
    assert state.wf("cron", "suspend", "every-2s").exit_code == 0
    poll(lambda: not alive(pid), timeout=SLOW, what="the controller to exit once suspended")
