"""The process runtime's memory of a pod: mutable records, frozen observations.

Part of the process runtime: the supervisor changes these records (under the runtime's
lock); `observe()` turns them into the port's frozen `PodObservation`s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from workflow_engine.runtime.base import ContainerObservation, PodObservation, PodPhase
from workflow_engine.runtime.process.containers import ContainerPlan

Stage = Literal["queued", "init", "main", "done"]
Shim = tuple[int, int, int]  # pid, start time (/proc/<pid>/stat), journal segment
PENDING = 0  # the pid of a shim recorded as being started: (PENDING, 0, its segment)


def pending(segment: int) -> Shim:
    return (PENDING, 0, segment)


def is_pending(shim: Shim | None) -> bool:
    """Recorded as being started, its pid not known yet (None: by an older runtime)."""
    return shim is None or shim[0] == PENDING


@dataclass
class ContainerRecord:
    name: str
    log_path: Path
    plan: ContainerPlan | None = None
    state: Literal["waiting", "running", "terminated"] = "waiting"
    exit_code: int | None = None
    reason: str = ""
    message: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    pids: set[int] = field(default_factory=set)  # process groups to signal
    kill_requested: bool = False
    killed: bool = False  # kill() sent SIGTERM (with a SIGKILL timer)...
    forced: bool = False  # ...and the timer fired
    # the shim of a started process container, persisted: a runtime started later on
    # the same state dir finds it again; pending(segment) while it is starting
    shim: Shim | None = None
    # handler containers: the shim of each Sandbox.run, in call order (pending first)
    runs: list[Shim | None] = field(default_factory=list)

    @property
    def ended(self) -> bool:
        return self.state == "terminated"

    def observation(self) -> ContainerObservation:
        reason = self.reason if self.state != "waiting" else (self.reason or "PodInitializing")
        return ContainerObservation(
            name=self.name,
            state=self.state,
            exit_code=self.exit_code,
            reason=reason,
            message=self.message,
            started_at=self.started_at,
            finished_at=self.finished_at,
        )


@dataclass
class PodRecord:
    name: str
    namespace: str
    spec: Mapping[str, Any]
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    directory: Path
    init: list[ContainerRecord]
    main: list[ContainerRecord]
    grace: float
    phase: PodPhase = "Pending"
    stage: Stage = "queued"
    init_index: int = 0
    reason: str = ""
    message: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    deleting: bool = False
    deadline_hit: bool = False
    sidecars_killed: bool = False
    plain_links: list[str] = field(default_factory=list)  # symlinks made on the host
    created: int = 0  # time.time_ns() at create_pod: the queue's order across restarts
    # a finished pod's record no longer changes: its observation is built once, and
    # observers can tell it is unchanged by identity (observe() is O(all pods))
    final: PodObservation | None = field(default=None, repr=False, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)

    def containers(self) -> list[ContainerRecord]:
        return self.init + self.main

    def find(self, container: str) -> ContainerRecord | None:
        return next((c for c in self.containers() if c.name == container), None)

    def active(self) -> list[ContainerRecord]:
        return [c for c in self.containers() if c.state == "running"]

    def observation(self) -> PodObservation:
        if self.final is not None:
            return self.final
        observed = PodObservation(
            name=self.name,
            namespace=self.namespace,
            phase=self.phase,
            labels=dict(self.labels),
            annotations=dict(self.annotations),
            init_containers=tuple(c.observation() for c in self.init),
            containers=tuple(c.observation() for c in self.main),
            message=self.message,
            reason=self.reason,
            started_at=self.started_at,
            finished_at=self.finished_at,
        )
        if self.stage == "done" and self.phase in ("Succeeded", "Failed"):
            self.final = observed
        return observed
