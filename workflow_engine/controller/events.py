"""Where the controller keeps the events `operate()` emits, for `wf get` to show.

Kubernetes keeps events as short-lived objects; writing one per node into the store
would double the writes on the hot path, so the embedded mode appends them to one small
JSON-lines file per workflow in the state directory (bounded: the oldest are dropped),
and tests use the in-memory log. Both implement `EventLog`.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

DEFAULT_LIMIT = 200


@dataclass(frozen=True)
class Event:
    time: str  # RFC 3339
    type: str  # Normal | Warning
    reason: str
    message: str


class EventLog(Protocol):
    def record(self, namespace: str, workflow: str, events: list[Event]) -> None: ...

    def list(self, namespace: str, workflow: str) -> list[Event]: ...

    def forget(self, namespace: str, workflow: str) -> None: ...


class MemoryEventLog:
    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._events: dict[tuple[str, str], deque[Event]] = {}

    def record(self, namespace: str, workflow: str, events: list[Event]) -> None:
        with self._lock:
            log = self._events.setdefault((namespace, workflow), deque(maxlen=self._limit))
            log.extend(events)

    def list(self, namespace: str, workflow: str) -> list[Event]:
        with self._lock:
            return list(self._events.get((namespace, workflow), ()))

    def forget(self, namespace: str, workflow: str) -> None:
        with self._lock:
            self._events.pop((namespace, workflow), None)


class FileEventLog:
    """One `<namespace>_<workflow>.jsonl` per workflow under `directory`."""

    def __init__(self, directory: Path, limit: int = DEFAULT_LIMIT) -> None:
        self._dir = directory
        self._limit = limit
        self._lock = threading.Lock()
        self._lines: dict[Path, int] = {}

    def _path(self, namespace: str, workflow: str) -> Path:
        return self._dir / f"{namespace}_{workflow}.jsonl"

    def record(self, namespace: str, workflow: str, events: list[Event]) -> None:
        if not events:
            return
        path = self._path(namespace, workflow)
        text = "".join(json.dumps(asdict(e), separators=(",", ":")) + "\n" for e in events)
        with self._lock:
            self._dir.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as out:
                out.write(text)
            count = self._lines.get(path, 0) + len(events)
            if count > 2 * self._limit:
                kept = path.read_text(encoding="utf-8").splitlines(keepends=True)[-self._limit :]
                path.write_text("".join(kept), encoding="utf-8")
                count = len(kept)
            self._lines[path] = count

    def list(self, namespace: str, workflow: str) -> list[Event]:
        path = self._path(namespace, workflow)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        events = []
        for line in lines[-self._limit :]:
            try:
                events.append(Event(**json.loads(line)))
            except (ValueError, TypeError):
                continue  # a line cut by a crash mid-write
        return events

    def forget(self, namespace: str, workflow: str) -> None:
        path = self._path(namespace, workflow)
        with self._lock:
            self._lines.pop(path, None)
            path.unlink(missing_ok=True)
