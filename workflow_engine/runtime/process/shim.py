"""Starting a container's process under its shim, and finding it again later.

Part of the process runtime: when scripts/setup.sh built wf-sandbox (wf_sandbox.c), every
container process runs under `wf-sandbox --shim`, a small C process that enters the
sandbox, forks the program, writes its output into the container's log (the format of
logs.py) and, when it ends, appends its exit code to the runtime's journal (persist.py).
The shim does not depend on the runtime that started it: a runtime that dies (SIGKILL)
leaves its containers running, and the next one on the same state directory finds them
by pid (guarded against pid reuse by the start time in /proc/<pid>/stat) and reads
their exit codes. Without the helper, sandbox.start_process is used as before, and a
runtime's death loses its containers.
"""

from __future__ import annotations

import os
import select
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from workflow_engine.runtime.process.claims import claim
from workflow_engine.runtime.process.sandbox import (
    LaunchError,
    Layout,
    flat_binds,
    launch_error,
    overlay_options,
    plain_env,
)

SHIM_VERSION = b"wf-shim 5"


@dataclass(frozen=True)
class ShimFiles:
    """Names relative to the pod's directory ("" for none)."""

    log: str  # stamped lines, stdout and stderr
    key: str  # names the exit code in the journal (persist.exit_key)
    out: str = ""  # stdout as written (a handler's Sandbox.run reads its tail)
    capture: str = ""  # stdout and stderr as written (Sandbox.run(capture=))


def container_files(container: str, key: str) -> ShimFiles:
    return ShimFiles(log=f"logs/{container}.log", key=key)


def run_name(container: str, index: int) -> str:
    return f"{container}.run{index}"


def run_files(container: str, index: int, capture: bool, key_prefix: str) -> ShimFiles:
    """The files of a handler container's `index`-th Sandbox.run."""
    stem = run_name(container, index)
    return ShimFiles(
        log=f"logs/{container}.log",
        key=key_prefix + stem,
        out=f"{stem}.out",
        capture=f"{stem}.capture" if capture else "",
    )


def shim_supported(helper: str) -> bool:
    """Is `helper` a wf-sandbox built with the shim (not an older build)?"""
    try:
        done = subprocess.run(
            [helper, "--shim-version"], capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.stdout.strip() == SHIM_VERSION


def start_shim(
    layout: Layout,
    shim: str,
    files: ShimFiles,
    journal_fd: int,
    argv: Sequence[str],
    env: Mapping[str, str],
    cwd: str | None,
) -> subprocess.Popen[bytes]:
    """Start argv under the shim; returns once it was exec'd (or raises LaunchError).
    The shim appends the exit code to `journal_fd` (open with O_APPEND)."""
    if not argv:
        raise LaunchError(128, "no command to run")
    dir_fd = os.open(layout.pod_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        claim(dir_fd, files.key)  # held by the shim from its fork to its exit (claims.py)
    except OSError:
        os.close(dir_fd)
        raise
    report_r, report_w = os.pipe()
    if layout.kind == "overlay":
        enter = [str(layout.root), overlay_options(layout), cwd or "/"]
        flat = flat_binds(layout)
    else:
        enter, flat = ["-", "-", cwd or str(layout.pod_dir)], []
    names = [str(journal_fd), files.log, files.out or "-", files.capture or "-", files.key]
    head = [shim, "--shim", str(dir_fd), *names, str(report_w), layout.iso, *enter]
    try:
        proc = subprocess.Popen(
            [*head, str(len(flat) // 3), *flat, *argv],
            env=plain_env(layout, env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            pass_fds=(report_w, dir_fd, journal_fd),
        )
    except OSError as e:
        os.close(report_r)
        raise LaunchError(128, f"cannot start the shim {shim!r}: {e}") from e
    finally:
        os.close(report_w)
        os.close(dir_fd)
    failure = b""
    try:
        while chunk := os.read(report_r, 512):
            failure += chunk
    finally:
        os.close(report_r)
    if failure:
        code, _, stage = failure.decode(errors="replace").partition(" ")
        if stage != "exec":
            proc.wait()
            raise LaunchError(128, f"sandbox: {stage}: {os.strerror(int(code))}")
        # the shim records 127 in the exit file itself; reap it so no zombie is left
        proc.wait()
        raise launch_error(argv, OSError(int(code), os.strerror(int(code))))
    return proc


def start_time(pid: int, zombie: bool = False) -> int | None:
    """The process's start time (clock ticks after boot, field 22 of /proc/<pid>/stat),
    None when it is gone (or has ended and is not yet reaped, unless `zombie`: a child
    of ours that ended at once): a pid with another start time is another process."""
    try:
        fd = os.open(f"/proc/{pid}/stat", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        stat = os.read(fd, 4096)
    except OSError:
        return None
    finally:
        os.close(fd)
    fields = stat[stat.rindex(b")") + 2 :].split()
    if fields[0] in (b"Z", b"X") and not zombie:  # its program has ended
        return None
    return int(fields[19])


def open_if_alive(pid: int | None, started: int | None) -> int | None:
    """A pidfd of the shim `pid` if it still runs (and is the one started at `started`);
    None for a shim recorded as being started (pid 0, see records.PENDING)."""
    if not pid or started is None:
        return None
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:
        return None
    if start_time(pid) != started:  # checked after opening: the pidfd pins this process
        os.close(pidfd)
        return None
    return pidfd


def find_shims(keys: set[str]) -> dict[str, tuple[int, int]]:
    """The live shims (pid, start time) whose exit key is in `keys`, found in /proc:
    for a runtime killed after starting a shim but before recording its pid."""
    found: dict[str, tuple[int, int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        # wf-sandbox --shim DIRFD JOURNALFD LOG OUT CAP KEY ...
        if len(args) > 7 and args[1] == b"--shim":
            key = args[7].decode(errors="replace")
            started = start_time(int(entry.name))
            if key in keys and started is not None:
                found[key] = (int(entry.name), started)
    return found


def wait_pidfd(pidfd: int) -> None:
    """Block until the process ends (for a shim this runtime did not start)."""
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    while not poller.poll():
        pass


def read_tail(path: Path, limit: int) -> tuple[bytes, bool]:
    """The last `limit` bytes of a file and whether there was more."""
    try:
        with open(path, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(max(0, size - limit))
            return f.read(), size > limit
    except FileNotFoundError:
        return b"", False
