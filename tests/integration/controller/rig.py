"""A real embedded controller (SqliteStore, ProcessRuntime, the workflow loop and its
cron and trigger loops) on a clock the test moves, started and stopped at will: the
rig of the CronWorkflow and WorkflowTrigger integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.clocks import SteppedClock
from tests.support.polling import poll
from workflow_engine.controller.cron import CronLoop
from workflow_engine.controller.embedded import (
    EmbeddedOptions,
    StatePaths,
    build_controller,
    open_store,
)
from workflow_engine.controller.loop import Controller
from workflow_engine.controller.triggers import TriggerLoop
from workflow_engine.cron import CRON_LABEL
from workflow_engine.runtime.process import ProcessRuntime
from workflow_engine.store.base import Store

DATA = Path(__file__).parents[2] / "data"
START = datetime(2025, 1, 1, 0, 0, 30, tzinfo=UTC)


@dataclass
class Rig:
    paths: StatePaths
    clock: SteppedClock
    store: Store
    running: list[tuple[Controller, list[Any]]] = field(default_factory=list)
    triggers: TriggerLoop | None = None

    def start(self) -> CronLoop:
        """Start a controller; returns its cron loop (`self.triggers`: its trigger loop)."""
        controller, closers = build_controller(self.paths, EmbeddedOptions(), clock=self.clock)
        controller.start()
        self.running.append((controller, closers))
        loop, triggers = controller.companions
        assert isinstance(loop, CronLoop) and isinstance(triggers, TriggerLoop)
        self.triggers = triggers
        poll(lambda: loop.ticks > 0 and triggers.ticks > 0, what="the loops' first passes")
        return loop

    def stop(self) -> None:
        controller, closers = self.running.pop()
        controller.signal_stop()
        for item in reversed(closers):
            if isinstance(item, ProcessRuntime):
                item.detach()
            else:
                item.close()
        controller.stop()

    def create(self, file: str, **spec: Any) -> dict[str, Any]:
        """Store the object of `tests/data/<file>`, its spec updated with `spec`."""
        doc = yaml.safe_load((DATA / file).read_text())
        doc["spec"].update(spec)
        return self.store.create(doc)

    def children(self, owner: str, label: str = CRON_LABEL) -> dict[str, dict[str, Any]]:
        """The workflows a CronWorkflow (or, given TRIGGER_LABEL, a trigger) started."""
        items = self.store.list("Workflow", "default", {label: owner}).items
        return {w["metadata"]["name"]: w for w in items}

    def phase(self, name: str) -> str | None:
        return (self.store.get("Workflow", name).get("status") or {}).get("phase")

    def cron_status(self, name: str) -> dict[str, Any]:
        return self.store.get("CronWorkflow", name).get("status") or {}

    def passes_after(self, loop: CronLoop | TriggerLoop, moment: datetime) -> None:
        """Jump to `moment` and wait for a whole cron pass that saw it (a pass under
        way at the jump may have read the time before it: wait for the one after)."""
        before = loop.ticks
        self.clock.jump_to(moment)
        poll(lambda: loop.ticks >= before + 1, what="a cron pass after the jump")
        before = loop.ticks
        self.clock.jump_to(moment)
        poll(lambda: loop.ticks >= before + 1, what="a whole cron pass after the jump")


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    paths = StatePaths(tmp_path / "state")
    paths.root.mkdir(parents=True)
    store = open_store(paths)
    rig = Rig(paths, SteppedClock(START), store)
    yield rig
    while rig.running:
        rig.stop()
    store.close()
