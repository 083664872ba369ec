"""Process plumbing of the test control plane (tests/cluster/procs.py), without a
cluster: port picking, deadline polling with an injected clock, and stopping a
process that ignores SIGTERM.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.cluster.procs import ClusterError, free_ports, start_process, stop_process, wait_until


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_free_ports_are_distinct_and_bindable() -> None:
    ports = free_ports(5)
    assert len(set(ports)) == 5
    assert all(1024 <= p < 65536 for p in ports)


@pytest.mark.parametrize(
    ("ready_at", "timeout", "succeeds"),
    [
        pytest.param(0.0, 1.0, True, id="ready-at-once"),
        pytest.param(0.5, 1.0, True, id="ready-before-deadline"),
        pytest.param(5.0, 1.0, False, id="never-ready-in-time"),
    ],
)
def test_wait_until_polls_until_deadline(ready_at: float, timeout: float, succeeds: bool) -> None:
    clock = FakeClock()

    def probe() -> bool:
        return clock.now >= ready_at

    if succeeds:
        wait_until("thing", probe, timeout, clock=clock, sleep=clock.sleep)
        assert clock.now <= timeout
    else:
        with pytest.raises(ClusterError, match="timed out after 1 s waiting for thing"):
            wait_until("thing", probe, timeout, clock=clock, sleep=clock.sleep)


@pytest.mark.parametrize(
    ("script", "expected_code"),
    [
        pytest.param("import time; time.sleep(60)", -15, id="terminates-on-sigterm"),
        pytest.param(
            "import signal, sys, time\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "print('armed', flush=True)\n"
            "time.sleep(60)",
            -9,
            id="killed-after-grace",
        ),
    ],
)
def test_stop_process_terminates_then_kills(
    tmp_path: Path, script: str, expected_code: int
) -> None:
    proc = start_process("sleeper", [sys.executable, "-c", script], tmp_path)
    if expected_code == -9:  # SIGTERM must arrive after the handler is set
        wait_until("handler armed", lambda: "armed" in proc.log.read_text(), 10.0)
    stop_process(proc, grace=0.5)
    assert proc.popen.returncode == expected_code


def test_check_alive_reports_exit_code_and_log(tmp_path: Path) -> None:
    proc = start_process(
        "failing", [sys.executable, "-c", "print('boom'); raise SystemExit(3)"], tmp_path
    )
    proc.popen.wait(timeout=10)
    with pytest.raises(ClusterError, match=r"failing exited with code 3:\nboom"):
        proc.check_alive()
