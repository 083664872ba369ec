"""Re-adoption: the pods an earlier ProcessRuntime left on the same state dir.

Part of the process runtime: `ProcessRuntime.__init__` loads every pod record
(persist.Journal.load) and hands each to `Adoption`. Finished pods are observed as they
were; pods not started yet are queued again; a pod that was running takes a slot and
its containers are found again: a running process container is watched through its
shim's pidfd (the shim still writes its log and exit file), one whose shim ended is
finished with the code in its exit file, and one that left neither is reported
terminated with reason "Error" (never started again). A container (or handler run)
recorded as being started, its shim's pid not recorded yet, is settled by its launch
claim and journal lines (claims.py): found and watched once its shim has exec'd, looked
at again while the forked child has not, started again when nothing ever started it.
A handler container's handler is called again: its Sandbox.run calls find the processes
the earlier runtime started.
All methods run on the event loop's thread with the runtime's lock held.
"""

from __future__ import annotations

import os
import signal
from typing import Literal

from workflow_engine.runtime.process.claims import claimed
from workflow_engine.runtime.process.persist import Journal, exit_key
from workflow_engine.runtime.process.records import ContainerRecord, PodRecord, Shim, is_pending
from workflow_engine.runtime.process.sandbox import kill_group
from workflow_engine.runtime.process.shim import find_shims, open_if_alive, run_name
from workflow_engine.runtime.process.supervisor import LOST_MESSAGE, Supervisor

LOST_CODE = 137  # what Kubernetes reports for a container whose state is unknown
RECHECK = 0.02  # seconds between looks at a shim that holds its claim but has not exec'd
Settled = Literal["tracked", "ended", "restart"]


def find_unrecorded_shims(pods: list[PodRecord], seq: int) -> None:
    """Fill in the shims an earlier runtime started but died before recording (its
    record says "running" with a pending shim): they are found by their exit key in
    /proc, and were given the segment the record names (`seq`, that runtime's last,
    for a record of an older runtime that named none)."""
    wanted: dict[str, tuple[ContainerRecord, int | None]] = {}
    for pod in pods:
        for c in pod.containers():
            if c.state != "running":
                continue
            if not c.runs and is_pending(c.shim):
                wanted[exit_key(pod, c.name)] = (c, None)
            for index, run in enumerate(c.runs):
                if is_pending(run):
                    wanted[exit_key(pod, run_name(c.name, index))] = (c, index)
    if not wanted:
        return
    for key, (pid, started) in find_shims(set(wanted)).items():
        record, at = wanted[key]
        if at is None:
            record.shim = (pid, started, _segment(record.shim, seq))
        else:
            record.runs[at] = (pid, started, _segment(record.runs[at], seq))


def _segment(shim: Shim | None, default: int) -> int:
    return shim[2] if shim is not None else default


Launch = Literal["starting", "ended", "lost", "unstarted"]


def launch_outcome(journal: Journal, pod: PodRecord, key: str) -> Launch:
    """What became of a process an earlier runtime recorded as being started (its pid
    unknown): see claims.py for why this leaves no window. "starting": a process holds
    its claim (find it in /proc, or look again shortly: it has not exec'd yet)."""
    if claimed(pod.directory, key):
        return "starting"
    # no process can start it any more: what the journal says now is final
    if journal.exit_code(key) is not None:
        return "ended"
    return "lost" if journal.started(key) else "unstarted"


class Adoption:
    def __init__(self, supervisor: Supervisor) -> None:
        self.supervisor = supervisor

    def load(self, pods: list[PodRecord]) -> list[PodRecord]:
        """Enter the records in the table (the caller holds the lock); returns the
        pods to resume on the loop thread (`resume`), in creation order."""
        table = self.supervisor.table
        resumed: list[PodRecord] = []
        for pod in pods:
            table.pods[pod.key] = pod
            if pod.deleting and pod.stage in ("queued", "done"):  # a delete cut short
                self.supervisor.remove(pod)
                continue
            if pod.stage == "done":
                continue
            table.unfinished += 1
            if pod.stage == "queued":
                table.queue.append(pod)
            else:
                table.running += 1  # adopted pods hold slots, even beyond the limit
                table.starting += 1  # until its plans are rebuilt
                resumed.append(pod)
        return resumed

    def resume(self, pod: PodRecord) -> None:
        """Loop thread: rebuild the pod's plans in a spawner thread, then `_resumed`."""
        sup = self.supervisor
        sup.arm_deadline(pod)

        def prepare() -> None:
            try:
                sup.launcher.prepare_pod(pod)
                error = ""
            except Exception as e:  # as for a new pod: it fails, the runtime goes on
                error = f"cannot prepare the pod again: {e!r}"
            sup.loop.call_soon(lambda: self._resumed(pod, error))

        sup.launcher.spawners.submit(prepare)

    def _resumed(self, pod: PodRecord, error: str) -> None:
        sup = self.supervisor
        sup.table.starting -= 1
        running = [c for c in pod.containers() if c.state == "running"]
        if error:
            for c in running:
                sup.exited(pod, c, LOST_CODE, "Error", error)
            if not running:
                pod.message = error
                sup.finish(pod)
            return
        ended: list[tuple[ContainerRecord, int | None]] = []
        again: list[ContainerRecord] = []
        for c in running:  # every live process is tracked before any exit is handled
            kind, code = self._settle(pod, c)
            if kind == "ended":
                ended.append((c, code))
            elif kind == "restart":
                again.append(c)
        if pod.deleting or pod.deadline_hit:
            sup.kill(pod, pod.grace, pod.containers())
        for c, code in ended:
            self._ended(pod, c, code)
        for c in again:
            sup.restart(pod, c)
        if not running:  # between two stages
            if pod.stage == "init":
                sup.next_stage(pod)
            else:
                sup.finish(pod)

    def _ended(self, pod: PodRecord, c: ContainerRecord, code: int | None) -> None:
        if code is None:
            self.supervisor.exited(pod, c, LOST_CODE, "Error", LOST_MESSAGE)
        else:
            self.supervisor.exited(pod, c, code)

    def _settle(self, pod: PodRecord, c: ContainerRecord) -> tuple[Settled, int | None]:
        """Track a running container again: "tracked" (watched, its handler called
        again, or looked at again shortly), "ended" with its exit code (None: lost), or
        "restart" (it never started)."""
        assert c.plan is not None
        if self.supervisor.launcher.is_handler(c.plan):
            return self._handler(pod, c)
        return self._process(pod, c)

    def _later(self, pod: PodRecord, c: ContainerRecord) -> tuple[Settled, int | None]:
        """A shim holds its claim but has not exec'd yet: look again shortly."""
        self.supervisor.loop.call_later(RECHECK, lambda: self._recheck(pod, c))
        return "tracked", None

    def _recheck(self, pod: PodRecord, c: ContainerRecord) -> None:
        if c.state != "running" or self.supervisor.table.pods.get(pod.key) is not pod:
            return
        kind, code = self._settle(pod, c)
        if kind == "ended":
            self._ended(pod, c, code)
        elif kind == "restart":
            self.supervisor.restart(pod, c)
        elif c.kill_requested:  # deleted or past its deadline meanwhile
            for pid in list(c.pids):
                kill_group(pid, signal.SIGKILL if c.forced else signal.SIGTERM)

    def _found(self, pod: PodRecord, key: str, shim: Shim | None) -> Shim | None:
        """The shim (pid, start, segment) of a process being started, when it has
        exec'd; None: look again later."""
        found = find_shims({key}).get(key)
        if found is None:
            return None
        return (found[0], found[1], _segment(shim, self.supervisor.table.journal.seq))

    def _process(self, pod: PodRecord, c: ContainerRecord) -> tuple[Settled, int | None]:
        journal, key = self.supervisor.table.journal, exit_key(pod, c.name)
        if is_pending(c.shim):
            outcome = launch_outcome(journal, pod, key)
            if outcome == "unstarted":
                return "restart", None
            if outcome == "starting":
                found = self._found(pod, key, c.shim)
                if found is None:
                    return self._later(pod, c)
                c.shim = found
                self.supervisor.table.touch(pod)
        pidfd = open_if_alive(*c.shim[:2]) if c.shim is not None else None
        if pidfd is not None:
            self.supervisor.watch_shim(pod, c, pidfd, None)
            return "tracked", None
        return "ended", journal.exit_code(key)

    def _handler(self, pod: PodRecord, c: ContainerRecord) -> tuple[Settled, int | None]:
        """Called again unless its last run is lost (neither running nor recorded); a
        last run that never started is dropped, for the handler to start it."""
        journal = self.supervisor.table.journal
        if c.runs:
            last, index = c.runs[-1], len(c.runs) - 1
            key = exit_key(pod, run_name(c.name, index))
            if is_pending(last):
                outcome = launch_outcome(journal, pod, key)
                if outcome == "starting":
                    last = self._found(pod, key, last)
                    if last is None:
                        return self._later(pod, c)
                    c.runs[index] = last
                elif outcome == "unstarted":
                    c.runs.pop()
                self.supervisor.table.touch(pod)
        if c.runs:
            last, index = c.runs[-1], len(c.runs) - 1
            key = exit_key(pod, run_name(c.name, index))
            pidfd = open_if_alive(*last[:2]) if last is not None else None
            if pidfd is None and journal.exit_code(key) is None:
                return "ended", None
            if pidfd is not None:  # delete and deadline reach it before the handler does
                c.pids.add(last[0])  # type: ignore[index]
                os.close(pidfd)
        self.supervisor.run_handler(pod, c)
        return "tracked", None
