"""Re-adoption: the pods an earlier ProcessRuntime left on the same state dir.

Part of the process runtime: `ProcessRuntime.__init__` loads every pod record
(persist.Journal.load) and hands each to `Adoption`. Finished pods are observed as they
were; pods not started yet are queued again; a pod that was running takes a slot and
its containers are found again: a running process container is watched through its
shim's pidfd (the shim still writes its log and exit file), one whose shim ended is
finished with the code in its exit file, and one that left neither is reported
terminated with reason "Error" (never started again). A handler container's handler is
called again: its Sandbox.run calls find the processes the earlier runtime started.
All methods run on the event loop's thread with the runtime's lock held.
"""

from __future__ import annotations

import os

from workflow_engine.runtime.process.persist import exit_key
from workflow_engine.runtime.process.records import ContainerRecord, PodRecord
from workflow_engine.runtime.process.shim import find_shims, open_if_alive, run_name
from workflow_engine.runtime.process.supervisor import LOST_MESSAGE, Supervisor

LOST_CODE = 137  # what Kubernetes reports for a container whose state is unknown


def find_unrecorded_shims(pods: list[PodRecord], seq: int) -> None:
    """Fill in the shims an earlier runtime started but died before recording (its
    record says "running" with no pid): they are found by their exit key in /proc,
    and were given segment `seq` (that runtime's last)."""
    wanted: dict[str, tuple[ContainerRecord, int | None]] = {}
    for pod in pods:
        for c in pod.containers():
            if c.state != "running":
                continue
            if c.shim is None:
                wanted[exit_key(pod, c.name)] = (c, None)
            for index, run in enumerate(c.runs):
                if run is None:
                    wanted[exit_key(pod, run_name(c.name, index))] = (c, index)
    if not wanted:
        return
    for key, (pid, started) in find_shims(set(wanted)).items():
        record, at = wanted[key]
        if at is None:
            record.shim = (pid, started, seq)
        else:
            record.runs[at] = (pid, started, seq)


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
        for c in running:  # every live process is tracked before any exit is handled
            assert c.plan is not None
            if sup.launcher.is_handler(c.plan):
                ended += self._handler(pod, c)
            else:
                ended += self._process(pod, c)
        if pod.deleting or pod.deadline_hit:
            sup.kill(pod, pod.grace, pod.containers())
        for c, code in ended:
            if code is None:
                sup.exited(pod, c, LOST_CODE, "Error", LOST_MESSAGE)
            else:
                sup.exited(pod, c, code)
        if not running:  # between two stages
            if pod.stage == "init":
                sup.next_stage(pod)
            else:
                sup.finish(pod)

    def _process(
        self, pod: PodRecord, c: ContainerRecord
    ) -> list[tuple[ContainerRecord, int | None]]:
        pidfd = open_if_alive(*c.shim[:2]) if c.shim is not None else None
        if pidfd is not None:
            self.supervisor.watch_shim(pod, c, pidfd, None)
            return []
        return [(c, self.supervisor.table.journal.exit_code(exit_key(pod, c.name)))]

    def _handler(
        self, pod: PodRecord, c: ContainerRecord
    ) -> list[tuple[ContainerRecord, int | None]]:
        """Called again unless its last run is lost (neither running nor recorded)."""
        if c.runs:
            last, index = c.runs[-1], len(c.runs) - 1
            pidfd = open_if_alive(*last[:2]) if last is not None else None
            key = exit_key(pod, run_name(c.name, index))
            if pidfd is None and self.supervisor.table.journal.exit_code(key) is None:
                return [(c, None)]
            if pidfd is not None:  # delete and deadline reach it before the handler does
                c.pids.add(last[0])  # type: ignore[index]
                os.close(pidfd)
        self.supervisor.run_handler(pod, c)
        return []
