"""kill -9 of the controller at many points of its pods' container starts, on a busy
machine: the workflow still succeeds with every step run exactly once (no container
lost, none run twice).

Real: `python -m workflow_engine.controller` processes over one state directory, the
process runtime with wf-sandbox's shim, the executor; the load is two busy-looping
processes this test starts (and kills). The kill points sweep the first second and a
half of each controller's life (counted from when it holds the lock), over a
six-step workflow whose steps take about 0.1 s: each controller is killed while
adopting its predecessor's pods, creating pods, or starting containers. The exact
windows are each tested deterministically in
tests/integration/runtime/test_launch_windows.py.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path

import pytest

from tests.integration.controller.conftest import Embedded, data, poll
from tests.integration.controller.test_processes import _controller, _lines, _phase
from workflow_engine.controller.statedir import ControllerLock
from workflow_engine.runtime.process.sandbox import find_helper
from workflow_engine.runtime.process.shim import shim_supported

pytestmark = pytest.mark.integration
KILLS = 10
STEPS = ["s1", "s2", "s3", "s4", "s5", "s6"]


def _submit_chain(state: Embedded, tmp_path: Path) -> str:
    spec = tmp_path / "chain.yaml"
    text = Path(data("embedded", "appender-chain.yaml")).read_text()
    spec.write_text(text.replace("__DIR__", str(tmp_path)))
    submit = state.wf_process("submit", str(spec), "-o", "name", autostart=False)
    out, err = submit.communicate(timeout=120)
    assert submit.returncode == 0, err
    return out.strip()


@pytest.mark.timeout(900)  # eleven controller starts under two CPU hogs on a loaded machine
def test_kill_9_at_many_points_of_container_starts_loses_and_repeats_nothing(
    state: Embedded, tmp_path: Path, busy_machine: None
) -> None:
    helper = find_helper()
    if helper is None or not shim_supported(helper):
        pytest.skip("containers outlive a controller only under wf-sandbox's shim")
    lines = tmp_path / "lines"
    name = _submit_chain(state, tmp_path)
    lock = ControllerLock(state.paths.lock)
    for index in range(KILLS):
        if _phase(state, name) in ("Succeeded", "Failed", "Error"):
            break
        controller = _controller(state)
        try:
            pid = controller.pid
            poll(lambda: lock.holder() == pid, timeout=120, what="the lock")  # noqa: B023
            # a kill point: 0.0 to 1.35 s into this controller's life
            threading.Event().wait(0.15 * index)
            os.kill(controller.pid, signal.SIGKILL)
        finally:
            controller.kill()
            controller.wait()
        written = _lines(lines)
        assert written == STEPS[: len(written)], f"after kill {index}: {written}"
    controller = _controller(state)
    try:
        poll(
            lambda: _phase(state, name) in ("Succeeded", "Failed", "Error"),
            timeout=300,
            what="the workflow to finish after the last kill",
        )
    finally:
        controller.kill()
        controller.wait()
    result = state.wf("get", name, "-o", "json")
    status = json.loads(result.output)["status"]
    lost = [n.get("message") for n in status["nodes"].values() if n.get("phase") != "Succeeded"]
    assert status["phase"] == "Succeeded", lost
    assert _lines(lines) == STEPS
