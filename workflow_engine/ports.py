"""The ports shared by the executor and the rooms that host it: what a pod's code may
ask of its sandbox (`Sandbox`, `RunResult`, `ContainerHandler`) and of the object store
(`ObjectReader`, `ObjectStore`: the slice of the Store it uses).

Sits below the runtime, the store, the artifacts room and the executor, and imports
none of them: the executor is written against these, the ProcessRuntime implements
`Sandbox`, and any Store implements `ObjectStore`, so the executor never reaches into
`workflow_engine.store` or `workflow_engine.runtime` (an import-linter contract says so).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

Obj = dict[str, Any]


class ObjectReader(Protocol):
    def get(self, kind: str, name: str, namespace: str = "default") -> Obj:
        """The object; NotFound when it is missing (see store/base.py)."""
        ...


class ObjectStore(ObjectReader, Protocol):
    """What the executor writes through: its WorkflowTaskResult."""

    def create(self, obj: Obj) -> Obj: ...

    def update(self, obj: Obj) -> Obj: ...


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
