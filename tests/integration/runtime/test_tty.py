"""`tty: true` on a container: its process runs on a pseudo-terminal (stdin, stdout and
stderr are a terminal, as Argo's emissary gives one: workflow/executor/osspecific/
command_unix.go), its output still reaches the container's log with "\\n" line ends,
and its exit code is the container's. Without the field, no terminal.

Real: ProcessRuntime with real processes in every sandbox kind; the terminal wrapper
(workflow_engine/terminal.py) as a program.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest

from tests.contract.runtime_contract import log_text, pod, sh, unique, wait_phase
from workflow_engine.runtime.process import ProcessRuntime
from workflow_engine.terminal import terminal_argv

Factory = Callable[..., ProcessRuntime]
PROBE = 'for fd in 0 1 2; do [ -t $fd ] && echo "fd $fd: terminal" || echo "fd $fd: none"; done'


@pytest.mark.parametrize("tty", [True, False], ids=["tty", "no-tty"])
def test_a_container_gets_a_terminal_when_it_asks(runtime_factory: Factory, tty: bool) -> None:
    runtime, name = runtime_factory(), unique()
    extra = {"tty": True} if tty else {}
    runtime.create_pod(pod(name, sh("main", f"{PROBE}; exit 3", **extra)))
    seen = wait_phase(runtime, name)
    assert (seen.phase, seen.containers[0].exit_code) == ("Failed", 3), log_text(runtime, name)
    word = "terminal" if tty else "none"
    assert log_text(runtime, name) == "".join(f"fd {fd}: {word}\n" for fd in range(3))


def test_the_wrapper_passes_output_and_exit_code() -> None:
    script = "printf 'a\\nb\\n'; exit 7"
    done = subprocess.run(terminal_argv(["sh", "-c", script]), capture_output=True, timeout=60)
    assert (done.returncode, done.stdout) == (7, b"a\nb\n")


def test_the_wrapper_reports_a_missing_command() -> None:
    done = subprocess.run(terminal_argv(["no-such-command-x"]), capture_output=True, timeout=60)
    assert done.returncode == 127
    assert b"no-such-command-x" in done.stdout  # the terminal carries stderr too


def test_the_wrapper_needs_a_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "workflow_engine.terminal"], capture_output=True, timeout=60
    )
    assert done.returncode == 2 and b"usage" in done.stderr
