"""MemoryStore: the Store port held in this process's memory.

A real fake for unit tests of the controller, the executor's reporter and the
CLI: it keeps the same rules as the SQLite store (shared in `_objects`) and
passes the same contract suite, but nothing outlives the process. Thread-safe:
one lock guards everything, and a condition wakes watchers on every write.
"""

from __future__ import annotations

import builtins
import itertools
import random
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from workflow_engine.errors import AlreadyExists, Expired, NotFound
from workflow_engine.store import _objects as o
from workflow_engine.store.base import Obj, ObjectList, WatchEvent, WatchEventType

_GENERATE_ATTEMPTS = 8


@dataclass(frozen=True)
class _Change:
    resource_version: int
    kind: str
    namespace: str
    type: WatchEventType
    body: str


class MemoryStore:
    """In-memory Store. `history` is how many changes a watch can reach back."""

    def __init__(self, *, now: o.Clock = o.utc_now, history: int = 10_000) -> None:
        if history < 1:
            raise ValueError("history must be at least 1")
        self._now = now
        self._history = history
        self._objects: dict[o.Key, str] = {}
        # Labels kept parsed beside each body, so a selector need not parse every object.
        self._labels: dict[o.Key, dict[str, str]] = {}
        self._changes: deque[_Change] = deque()
        self._version = 0
        # Highest resourceVersion whose change was dropped: watches must start at or after it.
        self._compacted = 0
        self._rng = random.Random()
        self._changed = threading.Condition(threading.Lock())
        self._closed = False

    def create(self, obj: Obj) -> Obj:
        kind, namespace = o.kind_and_namespace(obj)
        with self._changed:
            for _ in range(_GENERATE_ATTEMPTS):
                name = o.candidate_name(obj, self._rng)
                if (kind, namespace, name) not in self._objects:
                    break
                if not o.is_generated(obj):
                    raise AlreadyExists(f"{kind} {namespace}/{name} already exists")
            else:
                raise AlreadyExists(f"{kind}: no free name for generateName after retries")
            stored = o.new_object(
                obj, name=name, resource_version=self._version + 1, created=self._now()
            )
            return self._write((kind, namespace, name), "ADDED", stored)

    def get(self, kind: str, name: str, namespace: str = "default") -> Obj:
        with self._changed:
            return o.loads(self._find((kind, namespace, name)))

    def list(
        self,
        kind: str,
        namespace: str | None = "default",
        label_selector: o.LabelSelector | None = None,
    ) -> ObjectList:
        o.check_selector(label_selector)
        with self._changed:
            bodies = [
                self._objects[key]
                for key in sorted(self._objects)
                if key[0] == kind
                and (namespace is None or key[1] == namespace)
                and o.matches(self._labels[key], label_selector)
            ]
            version = self._version
        return ObjectList(items=[o.loads(b) for b in bodies], resource_version=str(version))

    def list_summaries(
        self,
        kind: str,
        namespace: str | None = "default",
        label_selector: o.LabelSelector | None = None,
    ) -> ObjectList:
        """As `list`, each item its summary (`_objects.summary_of`)."""
        listing = self.list(kind, namespace, label_selector)
        items = [o.summary_of(item) for item in listing.items]
        return ObjectList(items=items, resource_version=listing.resource_version)

    def update(self, obj: Obj) -> Obj:
        key = o.key_of(obj)
        with self._changed:
            stored = o.loads(self._find(key))
            o.check_version(stored, obj)
            new = o.updated_object(stored, obj, self._version + 1)
            return self._write(key, "MODIFIED", new)

    def update_status(self, obj: Obj) -> Obj:
        key = o.key_of(obj)
        with self._changed:
            stored = o.loads(self._find(key))
            o.check_version(stored, obj)
            new = o.status_updated_object(stored, obj, self._version + 1)
            return self._write(key, "MODIFIED", new)

    def delete(self, kind: str, name: str, namespace: str = "default") -> None:
        key = (kind, namespace, name)
        with self._changed:
            stored = o.loads(self._find(key))
            self._write(key, "DELETED", o.deleted_object(stored, self._version + 1))

    def watch(
        self,
        kind: str,
        namespace: str | None = "default",
        resource_version: str | None = None,
        timeout: float = 30.0,
    ) -> Iterator[WatchEvent]:
        # Checked now, not at the first next(): "from now" means from this call.
        with self._changed:
            start = self._version if resource_version is None else o.parse_version(resource_version)
            self._check_reachable(start)
        return self._follow(kind, namespace, start, timeout)

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    # -- internals ---------------------------------------------------------------

    def _find(self, key: o.Key) -> str:
        body = self._objects.get(key)
        if body is None:
            raise NotFound(f"{key[0]} {key[1]}/{key[2]} not found")
        return body

    def _write(self, key: o.Key, type_: WatchEventType, obj: Obj) -> Obj:
        """Store (or drop) one object and log the change; the caller holds the lock."""
        # Everything that can fail comes before the first change to the store's state.
        labels = dict(o.labels_of(obj))
        body = o.dumps(obj)
        self._version += 1
        if type_ == "DELETED":
            del self._objects[key]
            del self._labels[key]
        else:
            self._objects[key] = body
            self._labels[key] = labels
        self._changes.append(_Change(self._version, key[0], key[1], type_, body))
        while len(self._changes) > self._history:
            self._compacted = self._changes.popleft().resource_version
        self._changed.notify_all()
        return o.loads(body)

    def _check_reachable(self, after: int) -> None:
        if after < self._compacted:
            raise Expired(
                f"resourceVersion {after} is too old: changes up to {self._compacted} "
                "were compacted; list again and watch from the list's resourceVersion"
            )

    def _pending(
        self, kind: str, namespace: str | None, after: int
    ) -> tuple[builtins.list[_Change], int]:
        """Changes after `after` (lock held), and the version they bring the cursor to."""
        self._check_reachable(after)
        skip = max(0, after + 1 - self._changes[0].resource_version) if self._changes else 0
        fresh = list(itertools.islice(self._changes, skip, None))
        wanted = [
            c for c in fresh if c.kind == kind and (namespace is None or c.namespace == namespace)
        ]
        return wanted, (fresh[-1].resource_version if fresh else after)

    def _follow(
        self, kind: str, namespace: str | None, after: int, timeout: float
    ) -> Iterator[WatchEvent]:
        deadline = time.monotonic() + timeout
        while True:
            with self._changed:
                while True:
                    if self._closed:
                        return
                    batch, after = self._pending(kind, namespace, after)
                    if batch:
                        break
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return
                    self._changed.wait(remaining)
            for change in batch:
                yield WatchEvent(type=change.type, object=o.loads(change.body))
            deadline = time.monotonic() + timeout
