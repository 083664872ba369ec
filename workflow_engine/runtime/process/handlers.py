"""Container handlers of the process runtime: the `Sandbox` given to them, and the
daemon worker threads they run in.

Part of the process runtime: a container whose `command[0]` names a handler (e.g.
`wf-exec`) is not started; its handler runs in a worker thread with a
`ContainerSandbox`, through which it writes files the container will see, starts the
user's process (in the container's sandbox, killable by delete and deadline, output to
the container's log) and reads back what that process wrote.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import queue
import selectors
import shutil
import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from workflow_engine.runtime.base import RunResult
from workflow_engine.runtime.process.containers import ContainerPlan
from workflow_engine.runtime.process.logs import LogWriter
from workflow_engine.runtime.process.persist import Journal
from workflow_engine.runtime.process.records import ContainerRecord, PodRecord, pending
from workflow_engine.runtime.process.sandbox import LaunchError, Layout, kill_group, start_process
from workflow_engine.runtime.process.shim import (
    ShimFiles,
    open_if_alive,
    read_tail,
    run_files,
    start_shim,
    start_time,
    wait_pidfd,
)
from workflow_engine.terminal import terminal_argv, wants_terminal

KILLED = 128 + signal.SIGKILL
LOST_RUN = (
    "the process of this run was lost: the runtime that started it stopped, and it left "
    "neither a running process nor an exit code"
)


@dataclass(frozen=True)
class RunJournal:
    """Where a handler container's runs are recorded: the runtime's journal, the pod,
    and the prefix of its runs' exit keys (persist.exit_key)."""

    journal: Journal
    pod: PodRecord
    prefix: str

    def save(self) -> None:
        self.journal.save(self.pod)


class ContainerSandbox:
    """The `Sandbox` of one handler container (see workflow_engine.runtime.base)."""

    def __init__(
        self,
        layout: Layout,
        plan: ContainerPlan,
        record: ContainerRecord,
        lock: threading.Lock,
        now: Callable[[], datetime],
        journal: RunJournal | None = None,
    ) -> None:
        self._layout = layout
        self._plan = plan
        self._record = record
        self._lock = lock
        self._journal = journal  # used with the lock held; required under a shim
        self._out = LogWriter(record.log_path, now)
        self._err = LogWriter(record.log_path, now)
        self._started = False
        self._runs = 0  # Sandbox.run calls so far: the index of the next one

    def host_path(self, path: str) -> Path:
        p = posixpath.normpath(path)
        for m in sorted(self._layout.mounts, key=lambda m: len(m.path), reverse=True):
            root = m.path.rstrip("/")
            if p == root or p.startswith(root + "/"):
                return Path(m.host, p[len(root) :].lstrip("/"))
        if self._layout.kind == "plain":
            return Path(p)
        upper = self._layout.upper / p.lstrip("/")
        if os.path.lexists(upper) or not self._started or not os.path.lexists(p):
            return upper
        return Path(p)

    def host_root(self, path: str) -> tuple[Path, str] | None:
        p = posixpath.normpath(path)
        for m in sorted(self._layout.mounts, key=lambda m: len(m.path), reverse=True):
            root = m.path.rstrip("/")
            if p == root or p.startswith(root + "/"):
                return Path(m.host), p[len(root) :].lstrip("/")
        if self._layout.kind == "plain":
            return None
        return self._layout.upper, p.lstrip("/")

    def log(self, line: str) -> None:
        self._out.line(line)

    def close(self) -> None:
        """The handler returned: a process an earlier runtime started for a run this
        call did not reach (the handler took another path) must not outlive it."""
        with self._lock:
            unclaimed = self._record.runs[self._runs :]
        for shim in unclaimed:
            pidfd = open_if_alive(*shim[:2]) if shim is not None else None
            if pidfd is not None:
                kill_group(shim[0], signal.SIGKILL)  # type: ignore[index]
                os.close(pidfd)
                self.log("killed a process of an earlier runtime the handler did not wait for")
        self._out.close()
        self._err.close()

    def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        cwd: str | None = None,
        stdout_limit: int = 0,
        capture: Path | None = None,
    ) -> RunResult:
        """`env` is laid over the container's own environment (PATH from its image).
        Under a shim, the k-th call of a container adopted from an earlier runtime does
        not start anything when that runtime started its k-th process: it waits for
        that process (or reads its recorded exit code and output)."""
        index, self._runs = self._runs, self._runs + 1
        if wants_terminal(self._plan.spec):
            argv = terminal_argv(argv)
        if self._layout.shim is not None:
            return self._run_shimmed(index, argv, env, cwd, stdout_limit, capture)
        with self._lock:
            if self._record.kill_requested:
                return RunResult(exit_code=KILLED, stdout=b"")
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            proc = start_process(
                self._layout, argv, {**self._plan.env, **env}, cwd or self._plan.cwd, out_w, err_w
            )
        except LaunchError as e:
            os.close(out_r)
            os.close(err_r)
            self.log(e.message)
            return RunResult(exit_code=e.exit_code, stdout=b"")
        finally:
            os.close(out_w)
            os.close(err_w)
        self._started = True
        with self._lock:
            self._record.pids.add(proc.pid)
            if self._record.kill_requested:  # as under a shim: grace unless spent
                later = self._record.killed and not self._record.forced
                kill_group(proc.pid, signal.SIGTERM if later else signal.SIGKILL)
        try:
            with open(capture, "ab") if capture is not None else contextlib.nullcontext() as copy:
                tail, truncated = self._pump(proc.pid, out_r, err_r, stdout_limit, copy)
            code = proc.wait()
        finally:
            kill_group(proc.pid, signal.SIGKILL)
            with self._lock:
                self._record.pids.discard(proc.pid)
        return RunResult(
            exit_code=128 - code if code < 0 else code,
            stdout=bytes(tail),
            stdout_truncated=truncated,
        )

    def _run_shimmed(
        self,
        index: int,
        argv: Sequence[str],
        env: Mapping[str, str],
        cwd: str | None,
        stdout_limit: int,
        capture: Path | None,
    ) -> RunResult:
        assert self._layout.shim is not None and self._journal is not None
        journal = self._journal
        files = run_files(self._plan.name, index, capture is not None, journal.prefix)
        record = self._record
        with self._lock:
            adopted = index < len(record.runs)
            if not adopted:
                if record.kill_requested:
                    return RunResult(exit_code=KILLED, stdout=b"")
                journal_fd, seq = journal.journal.lease()
                record.runs.append(pending(seq))
                journal.save()  # this run is known to be starting before it can be
        self._started = True
        proc = pidfd = None
        if adopted:
            shim = record.runs[index]
            pidfd = open_if_alive(*shim[:2]) if shim is not None else None
        else:
            try:
                proc = start_shim(
                    self._layout,
                    self._layout.shim,
                    files,
                    journal_fd,
                    argv,
                    {**self._plan.env, **env},
                    cwd or self._plan.cwd,
                )
            except LaunchError as e:
                self.log(e.message)
                return RunResult(exit_code=e.exit_code, stdout=b"")
            finally:
                os.close(journal_fd)
            pidfd = os.pidfd_open(proc.pid)
        pid = proc.pid if proc is not None else (record.runs[index] or (0, 0, 0))[0]
        if pidfd is not None:
            with self._lock:
                if proc is not None:
                    # Not saved here: the pod's next save (its container's exit) carries
                    # the pid. A runtime that dies first leaves the run recorded as being
                    # started, and adoption settles it from the shim's claim, /proc and
                    # the exit code the shim appends (adopt.launch_outcome).
                    started = start_time(proc.pid, zombie=True)
                    if started is not None:
                        record.runs[index] = (proc.pid, started, seq)
                record.pids.add(pid)
                if record.kill_requested:  # as Supervisor._started: grace unless spent
                    later = record.killed and not record.forced
                    kill_group(pid, signal.SIGTERM if later else signal.SIGKILL)
            try:
                wait_pidfd(pidfd)
            finally:
                os.close(pidfd)
                with self._lock:
                    record.pids.discard(pid)
        status = proc.wait() if proc is not None else 0
        return self._shim_result(files, status, stdout_limit, capture)

    def _shim_result(
        self, files: ShimFiles, status: int, stdout_limit: int, capture: Path | None
    ) -> RunResult:
        pod_dir = self._layout.pod_dir
        assert self._journal is not None
        with self._lock:
            code = self._journal.journal.exit_code(files.key)
        if code is None:
            code = 128 - status if status < 0 else KILLED
            if status >= 0:
                self.log(LOST_RUN)
        if capture is not None and files.capture:
            with (
                contextlib.suppress(FileNotFoundError),
                open(pod_dir / files.capture, "rb") as f,
                open(capture, "ab") as copy,
            ):
                shutil.copyfileobj(f, copy)
        tail, truncated = (
            read_tail(pod_dir / files.out, stdout_limit) if stdout_limit > 0 else (b"", False)
        )
        return RunResult(exit_code=code, stdout=tail, stdout_truncated=truncated)

    def _pump(
        self, pid: int, out_r: int, err_r: int, limit: int, copy: BinaryIO | None = None
    ) -> tuple[bytearray, bool]:
        """Copy both pipes to the log until the process exits and the pipes are drained."""
        tail = bytearray()
        truncated = False
        pidfd = os.pidfd_open(pid)
        writers = {out_r: self._out, err_r: self._err}
        with selectors.DefaultSelector() as sel:
            for fd in (out_r, err_r, pidfd):
                sel.register(fd, selectors.EVENT_READ)
            exited, budget = False, 64
            while writers and budget > 0:
                events = sel.select(0 if exited else None)
                if exited:
                    budget -= 1
                    if not events:
                        break
                for key, _ in events:
                    if key.fd == pidfd:
                        exited = True
                        sel.unregister(pidfd)
                        continue
                    data = os.read(key.fd, 65536)
                    if not data:
                        sel.unregister(key.fd)
                        writers.pop(key.fd)
                        continue
                    writers[key.fd].write(data)
                    if copy is not None:
                        copy.write(data)
                    if key.fd == out_r and limit > 0:
                        tail += data
                        if len(tail) > limit:
                            del tail[:-limit]
                            truncated = True
        for fd in (out_r, err_r, pidfd):
            os.close(fd)
        return tail, truncated


class Workers:
    """Daemon worker threads: one more is started whenever none is idle (up to `limit`),
    so a slow handler never delays another pod's; idle ones are reused."""

    def __init__(self, name: str = "process-runtime-worker", limit: int = 1 << 30) -> None:
        self._limit = limit
        self._threads = 0
        self._queue: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0
        self._pending = 0
        self._name = name

    def submit(self, fn: Callable[[], None]) -> None:
        with self._lock:
            self._pending += 1
            if self._pending > self._idle and self._threads < self._limit:
                self._threads += 1
                self._idle += 1
                threading.Thread(target=self._work, name=self._name, daemon=True).start()
        self._queue.put(fn)

    def _work(self) -> None:
        while True:
            fn = self._queue.get()
            with self._lock:
                self._pending -= 1
                self._idle -= 1
            try:
                fn()
            finally:
                with self._lock:
                    self._idle += 1
