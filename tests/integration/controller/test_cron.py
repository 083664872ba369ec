"""CronWorkflows run by the real embedded controller (SqliteStore, ProcessRuntime, the
workflow loop and its cron loop) on a clock the test moves: a child runs to the end
and history is pruned, Forbid skips while a child runs, Replace terminates it, and a
controller down across scheduled times starts the missed run exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.clocks import SteppedClock
from tests.support.polling import poll
from workflow_engine.controller import operations as ops
from workflow_engine.controller.cron import CronLoop
from workflow_engine.controller.embedded import (
    EmbeddedOptions,
    StatePaths,
    build_controller,
    open_store,
)
from workflow_engine.controller.loop import Controller
from workflow_engine.cron import CRON_LABEL, child_name
from workflow_engine.runtime.process import ProcessRuntime
from workflow_engine.store.base import Store

pytestmark = pytest.mark.integration
DATA = Path(__file__).parents[2] / "data" / "cron"
START = datetime(2025, 1, 1, 0, 0, 30, tzinfo=UTC)


def minute(n: int) -> datetime:
    return datetime(2025, 1, 1, 0, n, tzinfo=UTC)


@dataclass
class Rig:
    paths: StatePaths
    clock: SteppedClock
    store: Store
    running: list[tuple[Controller, list[Any]]] = field(default_factory=list)

    def start(self) -> CronLoop:
        controller, closers = build_controller(self.paths, EmbeddedOptions(), clock=self.clock)
        controller.start()
        self.running.append((controller, closers))
        loop = controller.companions[0]
        assert isinstance(loop, CronLoop)
        poll(lambda: loop.ticks > 0, what="the cron loop's first pass")
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
        doc = yaml.safe_load((DATA / file).read_text())
        doc["spec"].update(spec)
        return self.store.create(doc)

    def children(self, cron: str) -> dict[str, dict[str, Any]]:
        items = self.store.list("Workflow", "default", {CRON_LABEL: cron}).items
        return {w["metadata"]["name"]: w for w in items}

    def phase(self, name: str) -> str | None:
        return (self.store.get("Workflow", name).get("status") or {}).get("phase")

    def cron_status(self, name: str) -> dict[str, Any]:
        return self.store.get("CronWorkflow", name).get("status") or {}

    def passes_after(self, loop: CronLoop, moment: datetime) -> None:
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


def test_child_runs_to_the_end_and_history_is_pruned(rig: Rig) -> None:
    rig.create("every-minute.yaml")
    loop = rig.start()
    rig.clock.jump_to(minute(1) + timedelta(seconds=1))
    first = child_name("every-minute", minute(1))
    poll(lambda: rig.phase(first) == "Succeeded" if first in rig.children("every-minute") else None)
    child = rig.store.get("Workflow", first)
    labels = child["metadata"]["labels"]
    assert (labels["team"], labels[CRON_LABEL]) == ("blue", "every-minute")
    assert child["metadata"]["ownerReferences"][0]["kind"] == "CronWorkflow"
    status = poll(lambda: (s := rig.cron_status("every-minute")).get("succeeded") == 1 and s)
    assert status["lastScheduledTime"] == "2025-01-01T00:01:00Z"
    assert status["active"] == []
    rig.clock.jump_to(minute(2) + timedelta(seconds=1))
    second = child_name("every-minute", minute(2))
    poll(lambda: rig.cron_status("every-minute").get("succeeded") == 2, what="second child")
    rig.passes_after(loop, minute(2) + timedelta(seconds=5))
    # successfulJobsHistoryLimit: 1 keeps only the newest
    assert list(rig.children("every-minute")) == [second]


def test_forbid_skips_while_a_child_runs(rig: Rig) -> None:
    rig.create("waits.yaml", concurrencyPolicy="Forbid")
    loop = rig.start()
    rig.clock.jump_to(minute(1) + timedelta(seconds=1))
    first = child_name("waits", minute(1))
    poll(lambda: rig.phase(first) == "Running" if first in rig.children("waits") else None)
    rig.passes_after(loop, minute(2) + timedelta(seconds=1))
    assert list(rig.children("waits")) == [first]
    ops.resume(rig.store, first, now=rig.clock.now())
    poll(lambda: rig.cron_status("waits").get("succeeded") == 1, what="the child's end")
    rig.clock.jump_to(minute(3) + timedelta(seconds=1))
    third = child_name("waits", minute(3))
    poll(lambda: third in rig.children("waits"), what="the next run after the child ended")


def test_replace_terminates_the_running_child(rig: Rig) -> None:
    rig.create("waits.yaml", concurrencyPolicy="Replace")
    rig.start()
    rig.clock.jump_to(minute(1) + timedelta(seconds=1))
    first = child_name("waits", minute(1))
    poll(lambda: rig.phase(first) == "Running" if first in rig.children("waits") else None)
    rig.clock.jump_to(minute(2) + timedelta(seconds=1))
    second = child_name("waits", minute(2))
    poll(lambda: rig.phase(first) in ("Failed", "Error"), what="the first child terminated")
    assert rig.store.get("Workflow", first)["spec"]["shutdown"] == "Terminate"
    poll(lambda: rig.phase(second) == "Running" if second in rig.children("waits") else None)
    status = poll(lambda: (s := rig.cron_status("waits")).get("failed") == 1 and s)
    assert [r["name"] for r in status["active"]] == [second]


def test_a_controller_down_across_scheduled_times_runs_the_missed_one_once(rig: Rig) -> None:
    rig.create("every-minute.yaml", startingDeadlineSeconds=120, successfulJobsHistoryLimit=5)
    rig.start()
    rig.clock.jump_to(minute(1) + timedelta(seconds=1))
    poll(lambda: rig.cron_status("every-minute").get("succeeded") == 1, what="the first run")
    rig.stop()  # down across 00:02 and 00:03
    rig.clock.jump_to(minute(3) + timedelta(seconds=30))
    loop = rig.start()
    missed = child_name("every-minute", minute(3))
    poll(lambda: rig.cron_status("every-minute").get("succeeded") == 2, what="the missed run")
    rig.passes_after(loop, minute(3) + timedelta(seconds=40))
    rig.stop()
    loop = rig.start()  # a second restart before the next time starts nothing more
    rig.passes_after(loop, minute(3) + timedelta(seconds=50))
    assert sorted(rig.children("every-minute")) == [child_name("every-minute", minute(1)), missed]
    assert rig.cron_status("every-minute")["lastScheduledTime"] == "2025-01-01T00:03:00Z"
