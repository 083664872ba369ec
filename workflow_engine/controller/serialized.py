"""A Store wrapper that lets one thread of this process write at a time.

Sits between the embedded controller process's threads (reconcile workers, the
executor's in-process handlers reporting TaskResults) and the SqliteStore. SQLite lets
one writer in at a time; others wait in its busy handler, which sleeps in growing steps
(1, 2, 5, 10 ms...). Queueing this process's writers on a lock instead keeps each write
at its real cost. Reads and watches pass straight through.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping

from workflow_engine.store.base import Obj, ObjectList, Store, WatchEvent


class SerializedWrites:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()

    def create(self, obj: Obj) -> Obj:
        with self._lock:
            return self._store.create(obj)

    def update(self, obj: Obj) -> Obj:
        with self._lock:
            return self._store.update(obj)

    def update_status(self, obj: Obj) -> Obj:
        with self._lock:
            return self._store.update_status(obj)

    def delete(self, kind: str, name: str, namespace: str = "default") -> None:
        with self._lock:
            self._store.delete(kind, name, namespace)

    def get(self, kind: str, name: str, namespace: str = "default") -> Obj:
        return self._store.get(kind, name, namespace)

    def list(
        self,
        kind: str,
        namespace: str | None = "default",
        label_selector: Mapping[str, str | None] | None = None,
    ) -> ObjectList:
        return self._store.list(kind, namespace, label_selector)

    def watch(
        self,
        kind: str,
        namespace: str | None = "default",
        resource_version: str | None = None,
        timeout: float = 30.0,
    ) -> Iterator[WatchEvent]:
        return self._store.watch(kind, namespace, resource_version, timeout)

    def close(self) -> None:
        self._store.close()
