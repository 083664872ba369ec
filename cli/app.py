"""What every `wf` command shares: the store, the namespace, the clock, and how to get
a controller running. Built once per invocation from the environment (the program
edge, `cli.main`), or handed in by tests (`CliRunner.invoke(..., obj=App(...))`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from workflow_engine.controller import MemoryEventLog
from workflow_engine.errors import SpecError, WorkflowEngineError
from workflow_engine.spec.limits import DEFAULT_LIMITS, DocumentLimits
from workflow_engine.store.base import Store

if TYPE_CHECKING:
    from workflow_engine.controller import EventLog, LogSource
    from workflow_engine.store.kubernetes.options import KubernetesOptions


class BackendUnreachable(WorkflowEngineError):
    """The store could not be opened (CLI exit code 3)."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class App:
    """`open_store` is called at most once, on first use; `ensure_controller` is called
    by commands that need a controller to act (submit, retry, resume, delete ...)."""

    open_store: Callable[[], Store]
    ensure_controller: Callable[[], None] = lambda: None
    log_source: Callable[[Store, str, str], LogSource] | None = None
    state_dir: Path | None = None
    namespace: str = "default"
    debug: bool = False
    now: Callable[[], datetime] = _utcnow
    # (idle exit seconds, metrics port or None, metrics address) -> exit code
    run_controller: Callable[[float | None, int | None, str], int] | None = None
    describe: Callable[[], dict[str, str]] = dict
    events: EventLog = field(default_factory=MemoryEventLog)
    # the built-in artifact repository (embedded: <state>/artifacts): for `wf cp` and GC
    # of workflows that recorded none
    default_repository: dict[str, Any] | None = None
    # bounds on the documents commands read (WF_MAX_* in the environment)
    limits: DocumentLimits = DEFAULT_LIMITS
    # the cluster, when the backend is Kubernetes
    kubernetes: KubernetesOptions | None = None
    _store: Store | None = field(default=None, repr=False)

    @property
    def store(self) -> Store:
        if self._store is None:
            try:
                self._store = self.open_store()
            except SpecError:
                raise
            except (OSError, WorkflowEngineError) as exc:
                raise BackendUnreachable(f"cannot open the store: {exc}") from exc
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def app_of(ctx: click.Context) -> App:
    """The App of this invocation (the root context's `obj`)."""
    app: App = ctx.find_root().obj
    return app
