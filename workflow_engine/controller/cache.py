"""The controller's in-memory copy of every workflow it reconciles.

Sits between the store watch (which offers each newer copy) and the reconciler (which
takes it, and puts back what it wrote), so the hot path re-reads nothing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from workflow_engine.controller.indexes import WorkflowKey
from workflow_engine.controller.names import is_completed as is_completed  # re-exported
from workflow_engine.spec.models import Workflow
from workflow_engine.store.base import Obj


@dataclass
class Cached:
    obj: Obj  # the stored dict as last written or seen (status included)
    model: Workflow  # spec parsed once per generation, status as last decided
    generation: Any


@dataclass
class WorkflowCache:
    """The last known stored copy of every workflow (newest resourceVersion wins)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    entries: dict[WorkflowKey, Cached] = field(default_factory=dict)
    incoming: dict[WorkflowKey, Obj] = field(default_factory=dict)

    def offer(self, obj: Obj) -> bool:
        """A copy seen on the watch; True when it is newer than what we hold."""
        key = key_of(obj)
        rv = int(obj["metadata"]["resourceVersion"])
        with self.lock:
            held = self.entries.get(key)
            pending = self.incoming.get(key)
            if held is not None and int(held.obj["metadata"]["resourceVersion"]) >= rv:
                return False
            if pending is not None and int(pending["metadata"]["resourceVersion"]) >= rv:
                return False
            self.incoming[key] = obj
            return True

    def take(self, key: WorkflowKey) -> tuple[Cached | None, Obj | None]:
        with self.lock:
            return self.entries.get(key), self.incoming.pop(key, None)

    def put(self, key: WorkflowKey, entry: Cached) -> None:
        with self.lock:
            self.entries[key] = entry

    def drop(self, key: WorkflowKey) -> None:
        with self.lock:
            self.entries.pop(key, None)
            self.incoming.pop(key, None)

    def snapshot(self) -> list[Cached]:
        with self.lock:
            return list(self.entries.values())

    def objects(self) -> list[Obj]:
        """Every workflow we know, newest copy first: pending watch copies included."""
        with self.lock:
            merged = {key: entry.obj for key, entry in self.entries.items()}
            merged.update(self.incoming)
            return list(merged.values())


def key_of(obj: Obj) -> WorkflowKey:
    meta = obj["metadata"]
    return (str(meta.get("namespace") or "default"), str(meta["name"]))
