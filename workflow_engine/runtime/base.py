"""The Runtime port: create, delete and observe pods, read their logs.

A pod is a plain dict in Kubernetes shape (`metadata.name`, `metadata.namespace`,
`metadata.labels`, `spec.initContainers`, `spec.containers`, `spec.volumes`...).
Implementations: `process` (embedded: containers run as local processes in a
sandbox) and, later, `kubernetes`. Both pass `tests/contract/runtime_contract.py`.

- `create_pod` of a name that already exists is a no-op (actions are idempotent).
- `delete_pod` of a missing pod is a no-op; a running pod gets SIGTERM, then
  SIGKILL after the grace period.
- `observe` returns every pod the runtime knows, finished ones included, until
  they are deleted.
- `add_listener` registers a callback invoked (from any thread) whenever a pod
  changes phase, so the controller can wake up instead of polling.

Container handlers: a runtime may be given handlers keyed by a container's
`command[0]` (e.g. `wf-exec`). Instead of starting that program, the runtime calls
the handler in-process (in a worker thread) with the container spec and a `Sandbox`; the
handler runs the real user command through `Sandbox.run`. This is how the
embedded runtime does the executor's work without a Python start per pod.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from workflow_engine.ports import ContainerHandler, RunResult, Sandbox

__all__ = [
    "ContainerHandler",
    "ContainerObservation",
    "PodObservation",
    "PodPhase",
    "RunResult",
    "Runtime",
    "Sandbox",
]

PodPhase = Literal["Pending", "Running", "Succeeded", "Failed", "Unknown"]


@dataclass(frozen=True)
class ContainerObservation:
    name: str
    state: Literal["waiting", "running", "terminated"]
    exit_code: int | None = None
    reason: str = (
        ""  # e.g. "Completed", "Error", "OOMKilled", "ContainerCannotRun", "DeadlineExceeded"
    )
    message: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class PodObservation:
    name: str
    namespace: str
    phase: PodPhase
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    init_containers: Sequence[ContainerObservation] = ()
    containers: Sequence[ContainerObservation] = ()
    message: str = ""
    reason: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    # where it runs, once known (a cluster's scheduler decides): Argo records both on
    # the node (`hostNodeName`, `podIP`)
    host_node_name: str = ""
    pod_ip: str = ""


class Runtime(Protocol):
    def create_pod(self, manifest: Mapping[str, Any]) -> None: ...

    def delete_pod(
        self, name: str, namespace: str = "default", grace_seconds: float | None = None
    ) -> None: ...

    def observe(self) -> list[PodObservation]: ...

    def logs(
        self,
        name: str,
        namespace: str = "default",
        container: str = "main",
        follow: bool = False,
        timestamps: bool = False,
        since: datetime | None = None,
    ) -> Iterator[bytes]:
        """Log lines (each ending in a newline), stdout and stderr interleaved in the
        order written; with `timestamps`, each line starts with an RFC 3339 time and a
        space, as `kubectl logs --timestamps` prints. `follow` keeps yielding until
        the container ends. A missing pod raises NotFound."""
        ...

    def add_listener(self, callback: Callable[[], None]) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class PodChanges:
    """What a `PodFeed` saw since its last `take()`: the observations of pods that may
    have changed (or are new) and the (namespace, name) of pods that went away. A key
    in both: the pod went and a new one of the same name came (apply `gone` first)."""

    changed: list[PodObservation]
    gone: set[tuple[str, str]]


class PodFeed(Protocol):
    """Incremental observation for one consumer, offered by runtimes that can tell
    which pods changed (`pod_feed()`): each `take()` costs what changed, not O(all
    pods) as `observe()` does. The first take reports every pod."""

    def take(self) -> PodChanges: ...
