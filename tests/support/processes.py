"""Finding a pod's processes from the host, in tests.

A pod in a PID namespace reports its own pids (`$$` is 1 or 2 there), which mean other
processes on the host; tests mark the container with an environment variable and look
it up in the host's /proc instead. wf-sandbox's shim and init carry the container's
environment too, so they are left out (`--shim`/`--init` in their command lines).
"""

from __future__ import annotations

import os
from pathlib import Path

MARKER = "WF_TEST_MARKER"


def marker_env(value: str) -> list[dict[str, str]]:
    """The `env` entry that marks a container's processes."""
    return [{"name": MARKER, "value": value}]


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError:
        return b""


def marked_pids(value: str) -> list[int]:
    """Host pids of the running processes whose environment has the marker `value`."""
    wanted = f"{MARKER}={value}".encode()
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        if wanted not in _read(f"/proc/{entry.name}/environ").split(b"\0"):
            continue
        args = _read(f"/proc/{entry.name}/cmdline").split(b"\0")
        stat = _read(f"/proc/{entry.name}/stat")
        if len(args) > 1 and args[1] in (b"--shim", b"--init"):
            continue
        if stat and stat.rpartition(b")")[2].split()[0] not in (b"Z", b"X"):
            found.append(int(entry.name))
    return found


def first_marked_pid(value: str) -> int | None:
    """The container's first process: the marked one whose parent is not marked."""
    pids = marked_pids(value)
    for pid in pids:
        stat = _read(f"/proc/{pid}/stat")
        if stat and int(stat.rpartition(b")")[2].split()[1]) not in pids:
            return pid
    return None


def alive(pid: int) -> bool:
    """Is process `pid` running (a zombie counts as gone)?"""
    stat = _read(f"/proc/{pid}/stat")
    return bool(stat) and stat.rpartition(b")")[2].split()[0] not in (b"Z", b"X")
