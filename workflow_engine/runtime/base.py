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
from pathlib import Path
from typing import Any, Literal, Protocol

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


@dataclass(frozen=True)
class RunResult:
    exit_code: int  # 128+N when killed by signal N
    stdout: bytes  # the last `stdout_limit` bytes of the process's stdout
    stdout_truncated: bool = False


class Sandbox(Protocol):
    """A pod container's filesystem view and process launcher, used by code running
    outside the container's processes (a container handler)."""

    def host_path(self, path: str) -> Path:
        """The host path at which `path` (absolute, as the container sees it) can be
        written so that the container's processes see it, or read after they wrote it.
        For reading, a path the container did not write resolves to the host's file."""
        ...

    def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        cwd: str | None = None,
        stdout_limit: int = 0,
        capture: Path | None = None,
    ) -> RunResult:
        """Run argv inside the sandbox and wait. Its stdout and stderr go to the
        container's log (as for any container); the last `stdout_limit` bytes of
        stdout are also returned. With `capture` (a host file), everything the
        process writes to stdout and stderr is also appended there, as read, without
        the log's time stamps (the executor's `archiveLogs`). The runtime owns the
        process: deleting the pod or passing its deadline kills it. A missing program
        gives exit code 127."""
        ...

    def log(self, line: str) -> None:
        """Append a line to the container's log (executor messages)."""
        ...


ContainerHandler = Callable[[Mapping[str, Any], Sandbox], int]
"""(container spec, sandbox) -> the container's exit code."""


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
