"""Workflow operations the CLI calls directly on the store."""

from __future__ import annotations

from tests.unit.controller.fakes import workflow
from workflow_engine.controller import operations
from workflow_engine.controller.events import Event, MemoryEventLog
from workflow_engine.store import MemoryStore


def test_delete_forgets_the_workflows_events() -> None:
    store, events = MemoryStore(), MemoryEventLog()
    store.create(workflow("wf", "a"))
    events.record("default", "wf", [Event("2026-01-01T00:00:00Z", "Normal", "R", "m")])
    assert operations.delete(store, ["wf"], events=events) == ["wf"]
    assert events.list("default", "wf") == []
