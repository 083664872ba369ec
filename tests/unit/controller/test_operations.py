"""Workflow operations the CLI calls directly on the store."""

from __future__ import annotations

from tests.unit.controller.fakes import workflow
from workflow_engine.controller import operations
from workflow_engine.controller.events import Event, MemoryEventLog
from workflow_engine.spec.status_codec import compress_nodes
from workflow_engine.store import MemoryStore


def test_delete_forgets_the_workflows_events() -> None:
    store, events = MemoryStore(), MemoryEventLog()
    store.create(workflow("wf", "a"))
    events.record("default", "wf", [Event("2026-01-01T00:00:00Z", "Normal", "R", "m")])
    assert operations.delete(store, ["wf"], events=events) == ["wf"]
    assert events.list("default", "wf") == []


def test_wait_expands_the_nodes_of_the_copy_it_returns_only() -> None:
    store = MemoryStore()
    obj = store.create(workflow("big", "a"))
    nodes = {"big": {"id": "big", "name": "big", "displayName": "big", "type": "Pod"}}
    packed = {"phase": "Running", "compressedNodes": compress_nodes(nodes)}
    obj = store.update_status({**obj, "status": packed})
    copies = operations.follow(store, "big", expand=False)
    assert next(copies)["status"]["nodes"] == nodes  # the first copy is read expanded
    store.update_status({**obj, "status": {**packed, "phase": "Succeeded"}})
    assert "compressedNodes" in next(copies)["status"]
    done = operations.wait(store, "big")
    assert done["status"]["phase"] == "Succeeded"
    assert done["status"]["nodes"] == nodes
    assert "compressedNodes" not in done["status"]
