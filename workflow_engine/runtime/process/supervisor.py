"""The pod lifecycle of the process runtime: slots, stages, exits, deadlines, kills.

Part of the process runtime: every method here runs on the event loop's thread with the
runtime's lock held (see `ProcessRuntime._dispatch`). A pod waits in a FIFO queue for a
slot (Pending), runs its init containers one by one (still Pending, as Kubernetes
reports it), then all its containers at once (Running), and ends Succeeded or Failed.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from workflow_engine.runtime.process.containers import ContainerPlan
from workflow_engine.runtime.process.feed import ProcessPodFeed
from workflow_engine.runtime.process.launcher import Launcher
from workflow_engine.runtime.process.logs import LogWriter
from workflow_engine.runtime.process.loop import EventLoop
from workflow_engine.runtime.process.persist import Journal, exit_key
from workflow_engine.runtime.process.records import ContainerRecord, PodRecord, pending
from workflow_engine.runtime.process.sandbox import LaunchError, kill_group
from workflow_engine.runtime.process.shim import start_time

DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"
LOST_MESSAGE = (
    "the container's process was lost: the runtime that started it stopped, and it left "
    "neither a running process nor an exit code"
)


@dataclass
class PodTable:
    """Everything the runtime knows; guarded by the runtime's lock."""

    slots: int
    journal: Journal
    pods: dict[tuple[str, str], PodRecord] = field(default_factory=dict)
    queue: deque[PodRecord] = field(default_factory=deque)
    running: int = 0
    unfinished: int = 0  # pods created and not yet Succeeded/Failed
    closing: bool = False
    starting: int = 0  # jobs handed to spawner threads whose result the loop has not seen
    changed: bool = False  # a phase changed: listeners are due
    dirty: dict[tuple[str, str], PodRecord] = field(default_factory=dict)  # records to save
    feeds: list[ProcessPodFeed] = field(default_factory=list)  # told of pods added/removed

    def add(self, pod: PodRecord) -> None:
        self.pods[pod.key] = pod
        for feed in self.feeds:
            feed.added(pod)

    def touch(self, pod: PodRecord) -> None:
        """The pod's record changed: saved once the current loop callback is done."""
        self.dirty[pod.key] = pod

    def save_dirty(self) -> None:
        dirty, self.dirty = self.dirty, {}
        for key, pod in dirty.items():
            if self.pods.get(key) is pod:
                self.journal.save(pod)
        if dirty:
            self.journal.rotate_if_due(self.pods.values)


class Supervisor:
    def __init__(
        self,
        table: PodTable,
        loop: EventLoop,
        launcher: Launcher,
        now: Callable[[], datetime],
    ) -> None:
        self.table = table
        self.loop = loop
        self.launcher = launcher
        self.now = now

    # -- admission ---------------------------------------------------------------
    def enqueue(self, pod: PodRecord) -> None:
        self.table.queue.append(pod)
        self.admit()

    def admit(self) -> None:
        table = self.table
        while table.running < table.slots and table.queue and not table.closing:
            pod = table.queue.popleft()
            if pod.deleting or pod.stage != "queued":
                continue
            table.running += 1
            self._start_pod(pod)

    def _start_pod(self, pod: PodRecord) -> None:
        pod.started_at = self.now()
        pod.stage = "init"  # saved with its first container's start (nothing ran yet)
        self.arm_deadline(pod)
        self.table.starting += 1
        self.launcher.spawners.submit(lambda: self._prepare(pod))

    def arm_deadline(self, pod: PodRecord) -> None:
        deadline = pod.spec.get("activeDeadlineSeconds")
        if deadline is not None and pod.started_at is not None:
            spent = (self.now() - pod.started_at).total_seconds()
            self.loop.call_later(max(0.0, float(deadline) - spent), lambda: self._deadline(pod))

    def _prepare(self, pod: PodRecord) -> None:
        """Worker thread: directories and plans, then back to the loop."""
        try:
            self.launcher.prepare_pod(pod)
            error = ""
        except Exception as e:  # a malformed manifest fails its pod, not the runtime
            error = f"cannot prepare the pod: {e!r}"
        self.loop.call_soon(lambda: self._prepared(pod, error))

    def _prepared(self, pod: PodRecord, error: str) -> None:
        self.table.starting -= 1
        if error:
            pod.message = error
            self.finish(pod)
        else:
            self.next_stage(pod)

    # -- stages --------------------------------------------------------------------
    def next_stage(self, pod: PodRecord) -> None:
        if pod.deleting or pod.deadline_hit or self.table.closing:
            self.finish(pod)
        elif pod.stage == "init" and pod.init_index < len(pod.init):
            self._start(pod, pod.init[pod.init_index])
        elif pod.stage == "init":
            pod.stage = "main"
            pod.phase = "Running"
            self.table.changed = True
            # all are running before any can end, so an instant failure of one does not
            # see the others as ended (and skip killing sidecars started after it)
            for c in pod.main:
                c.state = "running"
            for c in pod.main:
                self._start(pod, c)

    def _start(self, pod: PodRecord, c: ContainerRecord) -> None:
        c.started_at = self.now()
        c.state = "running"
        plan = c.plan
        assert plan is not None
        self.table.touch(pod)
        if plan.error:
            self.exited(pod, c, 128, plan.error_reason, plan.error)
        elif self.launcher.is_handler(plan):
            self.run_handler(pod, c)
        else:
            journal_fd, seq = self.table.journal.lease()
            c.shim = pending(seq)  # "being started" is on disk before the process can be
            self.table.journal.save(pod)
            self.table.dirty.pop(pod.key, None)
            self._spawn(pod, c, plan, journal_fd, seq)

    def restart(self, pod: PodRecord, c: ContainerRecord) -> None:
        """Start again a container an earlier runtime recorded as being started but
        never started (adopt.py: no claim, no start line, no exit code)."""
        c.shim, c.state, c.started_at = None, "waiting", None
        if pod.deleting or pod.deadline_hit or self.table.closing:
            self.finish(pod)  # never ran: nothing to kill
        else:
            self._start(pod, c)

    def run_handler(self, pod: PodRecord, c: ContainerRecord) -> None:
        self.launcher.run_handler(
            pod, c, self._handler_done(pod, c), self.table.journal, exit_key(pod, "")
        )

    def _spawn(
        self, pod: PodRecord, c: ContainerRecord, plan: ContainerPlan, journal_fd: int, seq: int
    ) -> None:
        """Start the process in a worker thread: the parent waits in fork/exec (long with
        an overlay sandbox), and the loop must keep serving other pods meanwhile."""
        key = exit_key(pod, c.name)

        def job() -> None:
            try:
                proc, read_end = self.launcher.start(pod, plan, journal_fd, key)
            except Exception as e:  # LaunchError, or a bug: either way the container failed
                error = e if isinstance(e, LaunchError) else LaunchError(128, repr(e))
                self.loop.call_soon(lambda: self._start_failed(pod, c, plan, error))
                return
            finally:
                os.close(journal_fd)
            self.loop.call_soon(lambda: self._started(pod, c, plan, proc, read_end, seq))

        self.table.starting += 1
        self.launcher.spawners.submit(job)

    def _start_failed(
        self, pod: PodRecord, c: ContainerRecord, plan: ContainerPlan, error: LaunchError
    ) -> None:
        self.table.starting -= 1
        writer = LogWriter(c.log_path, self.now)
        writer.line(error.message)
        writer.close()
        self.exited(pod, c, error.exit_code, "ContainerCannotRun", error.message)

    def _started(
        self,
        pod: PodRecord,
        c: ContainerRecord,
        plan: ContainerPlan,
        proc: subprocess.Popen[bytes],
        read_end: int | None,
        seq: int,
    ) -> None:
        self.table.starting -= 1
        c.pids.add(proc.pid)
        if c.kill_requested:  # deleted or past its deadline while starting: its grace
            # timer is running and SIGKILLs c.pids (the shim returns once the program
            # runs, so the program may have seen a lot already); closing kills at once
            later = c.killed and not c.forced and not self.table.closing
            kill_group(proc.pid, signal.SIGTERM if later else signal.SIGKILL)
        if read_end is None:  # under a shim: it writes the log and the exit code
            started = start_time(proc.pid, zombie=True)  # our child: not reaped yet
            c.shim = (proc.pid, started, seq) if started is not None else c.shim
            self.table.touch(pod)
            self.watch_shim(pod, c, os.pidfd_open(proc.pid), proc)
        else:
            self._watch(pod, c, proc, read_end, LogWriter(c.log_path, self.now))

    def watch_shim(
        self,
        pod: PodRecord,
        c: ContainerRecord,
        pidfd: int,
        proc: subprocess.Popen[bytes] | None,
    ) -> None:
        """Until the shim ends (`proc`: when this runtime started it, to reap it)."""
        assert c.shim is not None or proc is not None
        pid = proc.pid if proc is not None else c.shim[0]  # type: ignore[index]
        c.pids.add(pid)

        def reap() -> None:
            self.loop.remove_reader(pidfd)
            os.close(pidfd)
            status = proc.wait() if proc is not None else None
            c.pids.discard(pid)
            code = self.table.journal.exit_code(exit_key(pod, c.name))
            if code is not None:
                self.exited(pod, c, code)
            elif status is not None and status < 0:  # killed with its process
                self.exited(pod, c, 128 - status)
            else:
                self.exited(pod, c, 137, "Error", LOST_MESSAGE)

        self.loop.add_reader(pidfd, reap)

    def _watch(
        self,
        pod: PodRecord,
        c: ContainerRecord,
        proc: subprocess.Popen[bytes],
        read_end: int,
        writer: LogWriter,
    ) -> None:
        os.set_blocking(read_end, False)
        pidfd = os.pidfd_open(proc.pid)
        pipe_open = [True]

        def pump() -> None:
            if not pipe_open[0]:
                return
            try:
                data = os.read(read_end, 65536)
            except BlockingIOError:
                return
            if data:
                writer.write(data)
            else:
                self.loop.remove_reader(read_end)
                os.close(read_end)
                pipe_open[0] = False

        def reap() -> None:
            self.loop.remove_reader(pidfd)
            os.close(pidfd)
            code = proc.wait()
            kill_group(proc.pid, signal.SIGKILL)  # the container ends with its first process
            budget = 64  # a detached grandchild may hold the pipe and never stop writing
            while pipe_open[0]:
                budget -= 1
                try:
                    data = os.read(read_end, 65536)
                except BlockingIOError:
                    data = b""
                if not data or budget <= 0:
                    self.loop.remove_reader(read_end)
                    os.close(read_end)
                    pipe_open[0] = False
                if data:
                    writer.write(data)
            writer.close()
            c.pids.discard(proc.pid)
            self.exited(pod, c, 128 - code if code < 0 else code)

        self.loop.add_reader(read_end, pump)
        self.loop.add_reader(pidfd, reap)

    def _handler_done(self, pod: PodRecord, c: ContainerRecord) -> Callable[[int, str], None]:
        def done(code: int, message: str) -> None:
            def on_loop() -> None:
                self.exited(pod, c, code, "", message)

            self.loop.call_soon(on_loop)

        return done

    def exited(
        self, pod: PodRecord, c: ContainerRecord, code: int, reason: str = "", message: str = ""
    ) -> None:
        c.state = "terminated"
        c.exit_code = code
        c.finished_at = self.now()
        c.message = message
        self.table.touch(pod)
        if code != 0 and reason in ("", "Error") and self.launcher.oom_killed(pod, c):
            reason = "OOMKilled"  # as the kubelet reports a container the OOM killer ended
        self.launcher.release(pod, c)
        if pod.deadline_hit and code != 0:
            c.reason = "DeadlineExceeded"
        else:
            c.reason = reason or ("Completed" if code == 0 else "Error")
        if pod.stage == "init":
            if code != 0:
                self.finish(pod)
            else:
                pod.init_index += 1
                self.next_stage(pod)
            return
        ended = {x.name for x in pod.main if x.ended}
        if all(x.ended for x in pod.main):
            self.finish(pod)
        elif not pod.sidecars_killed and all(
            x.ended or (x.plan is not None and x.plan.sidecar) for x in pod.main
        ):
            pod.sidecars_killed = True
            self.kill(pod, pod.grace, [x for x in pod.main if x.name not in ended])

    # -- ending ----------------------------------------------------------------------
    def finish(self, pod: PodRecord) -> None:
        if any(c.state == "running" for c in pod.containers()):
            return  # the last exit finishes it
        first_failure = next(
            (
                c
                for c in pod.containers()
                if c.ended and c.exit_code != 0 and not (c.plan and c.plan.sidecar)
            ),
            None,
        )
        if pod.deadline_hit:
            pod.phase, pod.reason, pod.message = "Failed", "DeadlineExceeded", DEADLINE_MESSAGE
        elif first_failure is not None or pod.stage != "main":
            pod.phase = "Failed"
            if first_failure is not None and not pod.message:
                pod.message = first_failure.message or (
                    f"container {first_failure.name!r} exited with code {first_failure.exit_code}"
                )
        else:
            pod.phase = "Succeeded"
        pod.stage = "done"
        pod.finished_at = self.now()
        self.table.touch(pod)
        self.table.running -= 1
        self.table.unfinished -= 1
        self.table.changed = True
        if pod.deleting:
            self.remove(pod)
        self.admit()

    def remove(self, pod: PodRecord) -> None:
        if self.table.pods.get(pod.key) is pod:
            del self.table.pods[pod.key]
            self.table.journal.deleted(pod)
            for feed in self.table.feeds:
                feed.removed(pod)
        self.table.changed = True
        self.launcher.cleanup(pod)

    def delete(self, pod: PodRecord, grace: float) -> None:
        if pod.stage == "queued" or pod.stage == "done":
            if pod.stage == "queued":
                self.table.unfinished -= 1
            pod.stage = "done"
            pod.deleting = True
            self.remove(pod)
        elif not pod.deleting:
            pod.deleting = True
            self.table.touch(pod)
            self.kill(pod, grace, pod.containers())

    def _deadline(self, pod: PodRecord) -> None:
        if pod.stage in ("init", "main") and not pod.deadline_hit:
            pod.deadline_hit = True
            self.table.touch(pod)
            self.kill(pod, pod.grace, pod.containers())

    def kill(self, pod: PodRecord, grace: float, targets: list[ContainerRecord]) -> None:
        """SIGTERM to each running container's process groups, SIGKILL after `grace`."""
        victims = [c for c in targets if c.state == "running"]
        for c in victims:
            c.kill_requested = True
            c.killed = True
            for pid in list(c.pids):
                kill_group(pid, signal.SIGTERM)

        def force() -> None:
            for c in victims:
                c.forced = True
                for pid in list(c.pids):
                    kill_group(pid, signal.SIGKILL)

        if victims:
            self.loop.call_later(max(0.0, grace), force)

    def kill_all(self) -> None:
        """Closing: SIGKILL everything, start nothing more; records and logs stay."""
        self.table.closing = True
        for pod in list(self.table.pods.values()):
            for c in pod.containers():
                c.kill_requested = True
                for pid in list(c.pids):
                    kill_group(pid, signal.SIGKILL)
