"""Process plumbing for the test control plane (tests/cluster).

Below `cluster.py`: free loopback ports, starting one control-plane binary with
its output in a log file, polling a health URL with a deadline, and stopping only
the processes this code started (terminate, wait, then kill).
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_PR_SET_PDEATHSIG = 1


class ClusterError(RuntimeError):
    """The control plane could not be built, started or reached."""


def free_ports(count: int) -> list[int]:
    """Return `count` distinct free TCP ports on 127.0.0.1.

    All sockets are held open until every port is chosen, so the ports differ;
    another program may still take one before the caller binds it (rare on loopback).
    """
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]


def _die_with_parent() -> None:
    # If the Python process that started the control plane is killed outright,
    # its children get SIGTERM instead of running on as orphans eating the CPU.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Proc:
    """One started control-plane process and its log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def check_alive(self) -> None:
        code = self.popen.poll()
        if code is not None:
            raise ClusterError(f"{self.name} exited with code {code}:\n{self.log_tail()}")


def start_process(name: str, argv: list[str], log_dir: Path) -> Proc:
    """Start `argv` with stdout and stderr in `log_dir/<name>.log`."""
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in a terminal reaches only our Python
            preexec_fn=_die_with_parent,
        )
    return Proc(name, popen, log)


def stop_process(proc: Proc, grace: float = 10.0) -> None:
    """Terminate `proc`, wait up to `grace` seconds, then kill it."""
    if proc.popen.poll() is not None:
        return
    proc.popen.terminate()
    try:
        proc.popen.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.popen.kill()
        proc.popen.wait(timeout=grace)


def https_get(url: str, context: ssl.SSLContext, timeout: float = 2.0) -> tuple[int, str]:
    """GET `url`; return (status, body), an HTTP error status included."""
    try:
        with urllib.request.urlopen(url, context=context, timeout=timeout) as resp:
            return resp.status, resp.read().decode(errors="replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(errors="replace")


def wait_until(
    what: str,
    probe: Callable[[], bool],
    timeout: float,
    *,
    interval: float = 0.1,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Call `probe` until it returns True; raise ClusterError after `timeout` s.

    `probe` may raise ClusterError to give up at once (e.g. a process died).
    """
    deadline = clock() + timeout
    while True:
        if probe():
            return
        if clock() >= deadline:
            raise ClusterError(f"timed out after {timeout:.0f} s waiting for {what}")
        sleep(interval)


def url_ok(proc: Proc, url: str, context: ssl.SSLContext) -> Callable[[], bool]:
    """A probe: True once `url` answers 200; raises if `proc` has exited."""

    def probe() -> bool:
        proc.check_alive()
        try:
            status, _ = https_get(url, context)
        except (OSError, ssl.SSLError):
            return False
        return status == 200

    return probe
