"""CLI tests through click's CliRunner. Real: the `wf` commands, the controller's
library functions, lint, the MemoryStore, and an in-process controller loop started on
demand. Fake: the runtime (pods end at once; templates named fail* exit 1) and the
engine (`tests.unit.controller.fakes`: templates run in order)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.app import App
from cli.main import cli
from tests.unit.controller.fakes import FAKE_ENGINE, FakeRuntime
from workflow_engine.controller.clock import SystemClock
from workflow_engine.controller.events import MemoryEventLog
from workflow_engine.controller.indexes import PodIndex, ResultIndex
from workflow_engine.controller.loop import Controller, LoopOptions
from workflow_engine.controller.reconcile import Reconciler
from workflow_engine.store import MemoryStore

DATA = Path(__file__).parents[2] / "data" / "cli"


@dataclass
class Wf:
    store: MemoryStore
    runtime: FakeRuntime
    app: App
    controllers: list[Controller]

    def __call__(self, *args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), input=input, obj=self.app)

    def workflows(self) -> list[dict]:
        return self.store.list("Workflow").items


@pytest.fixture
def wf() -> Iterator[Wf]:
    store, runtime = MemoryStore(), FakeRuntime(auto=True)
    events = MemoryEventLog()
    controllers: list[Controller] = []

    def ensure() -> None:
        if controllers:
            return
        clock = SystemClock()
        reconciler = Reconciler(
            store, runtime, FAKE_ENGINE, clock, events, PodIndex(), ResultIndex()
        )
        controller = Controller(reconciler, clock, LoopOptions(workers=2, watch_timeout=0.5))
        controller.start()
        controllers.append(controller)

    app = App(
        open_store=lambda: store,
        ensure_controller=ensure,
        log_source=lambda _store, _name, _ns: runtime,
        events=events,
    )
    app.close = lambda: None  # type: ignore[method-assign]  # the store outlives commands
    yield Wf(store, runtime, app, controllers)
    for controller in controllers:
        controller.stop()


def data(name: str) -> str:
    return str(DATA / name)
