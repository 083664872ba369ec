"""The controller's lock table: who holds and who waits for each mutex and semaphore,
across every workflow (the engine's half is `engine/sync.py`).

Before a workflow's `operate()`, `grants()` hands it the locks it waits for that it may
take now (all of a holder's locks at once, or none), in queue order: higher
`spec.priority` first, then earlier creation. A grant is reserved in the table at once,
so two workers cannot give one mutex twice. After the status is written, `record()`
replaces the workflow's entries with what that status says it holds and waits for:
what it no longer holds is released, and the workflows waiting for a released lock
are returned, to be reconciled. A completed or deleted workflow holds nothing.

Nothing here is stored: `rebuild()` fills the table from the workflows' statuses
when the controller starts, so a restart leaks no lock and loses no place in a queue.
Semaphore limits are read from their ConfigMap (`<namespace>/ConfigMap/<name>/<key>`)
each time they are needed, so a changed limit applies at the next grant.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workflow_engine.controller.cache import key_of
from workflow_engine.controller.configmaps import CONFIG_MAP_KIND
from workflow_engine.controller.indexes import WorkflowKey
from workflow_engine.engine.sync import MUTEX, LockRequest, LockView, requests_of
from workflow_engine.errors import NotFound
from workflow_engine.store.base import Obj, Store
from workflow_engine.vocabulary import is_completed_phase

Holder = tuple[WorkflowKey, str]  # (workflow, holder name inside it)
Limit = Callable[[str], int]  # lock key -> limit; raises LockUnavailable


class LockUnavailable(Exception):
    """A lock whose limit cannot be read (missing ConfigMap or key, not a number)."""


def store_limits(store: Store) -> Limit:
    """Limits as Argo reads them: 1 for a mutex, the ConfigMap's value for a semaphore."""

    def limit(lock: str) -> int:
        parts = lock.split("/", 3)
        if len(parts) < 3 or parts[1] == MUTEX:
            return 1
        namespace, _, name, *rest = parts
        key = rest[0] if rest else ""
        try:
            data = store.get(CONFIG_MAP_KIND, name, namespace).get("data") or {}
        except NotFound as err:
            raise LockUnavailable(
                f"failed to read semaphore {lock}: configmap {namespace}/{name} not found"
            ) from err
        if key not in data:
            raise LockUnavailable(f"failed to read semaphore {lock}: no key {key!r}")
        try:
            return max(int(str(data[key]).strip()), 0)
        except ValueError as err:
            raise LockUnavailable(
                f"failed to read semaphore {lock}: {data[key]!r} is not a number"
            ) from err

    return limit


@dataclass
class _Entries:
    holding: set[str] = field(default_factory=set)  # lock keys
    waiting: set[str] = field(default_factory=set)


def _order(obj: Obj) -> tuple[int, str]:
    priority = (obj.get("spec") or {}).get("priority") or 0
    created = obj["metadata"].get("creationTimestamp") or ""
    return (-int(priority) if isinstance(priority, int) else 0, str(created))


class LockTable:
    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._holders: dict[str, set[Holder]] = {}
        self._waiters: dict[str, dict[Holder, tuple[int, str, str, str]]] = {}
        self._of: dict[WorkflowKey, dict[str, _Entries]] = {}  # holder name -> entries

    # -- reading the statuses -------------------------------------------------------

    def rebuild(self, workflows: Iterable[Obj]) -> None:
        for obj in workflows:
            self.record(key_of(obj), obj)

    def record(self, key: WorkflowKey, obj: Obj) -> set[WorkflowKey]:
        """Make the table say what `obj`'s status says for `key`; the workflows waiting
        for a lock it released."""
        status = obj.get("status") or {}
        sync = None if is_completed_phase(status.get("phase")) else status.get("synchronization")
        wanted: dict[str, _Entries] = {}
        for request in requests_of(sync, "holding"):
            wanted.setdefault(request.holder, _Entries()).holding.add(request.lock)
        for request in requests_of(sync, "waiting"):
            wanted.setdefault(request.holder, _Entries()).waiting.add(request.lock)
        order = _order(obj)
        with self._mutex:
            freed = self._clear(key)
            for holder, entries in wanted.items():
                who = (key, holder)
                for lock in entries.holding:
                    self._holders.setdefault(lock, set()).add(who)
                for lock in entries.waiting - entries.holding:
                    self._waiters.setdefault(lock, {})[who] = (*order, key[1], holder)
            if wanted:
                self._of[key] = wanted
            freed -= {lock for e in wanted.values() for lock in e.holding}
            return self._waiting_for(freed) - {key}

    def forget(self, key: WorkflowKey) -> set[WorkflowKey]:
        """The workflow is gone: release everything; the workflows to wake."""
        with self._mutex:
            return self._waiting_for(self._clear(key)) - {key}

    def _clear(self, key: WorkflowKey) -> set[str]:
        """Drop every entry of `key` (the lock mutex held); the locks it held."""
        held: set[str] = set()
        for holder, entries in self._of.pop(key, {}).items():
            who = (key, holder)
            for lock in entries.holding | entries.waiting:
                if who in self._holders.get(lock, set()):
                    held.add(lock)
                    self._holders[lock].discard(who)
                self._waiters.get(lock, {}).pop(who, None)
        # Grants reserved by `grants()` but not recorded yet are in _holders only.
        for lock, holders in self._holders.items():
            for who in [w for w in holders if w[0] == key]:
                holders.discard(who)
                held.add(lock)
        return held

    def _waiting_for(self, locks: set[str]) -> set[WorkflowKey]:
        return {who[0] for lock in locks for who in self._waiters.get(lock, {})}

    # -- deciding -------------------------------------------------------------------

    def grants(self, key: WorkflowKey, obj: Obj, limit: Limit) -> LockView:
        """The LockView of `key`'s next decision: grants for its waiting holders that
        may go now (reserved here), the free/limit count of every lock it waits for,
        and the locks it can never have."""
        status = obj.get("status") or {}
        waiting = requests_of(status.get("synchronization"), "waiting")
        by_holder: dict[str, list[str]] = {}
        for request in waiting:
            by_holder.setdefault(request.holder, []).append(request.lock)
        limits: dict[str, int] = {}
        errors: dict[str, str] = {}
        for lock in {r.lock for r in waiting}:
            try:
                limits[lock] = limit(lock)
            except LockUnavailable as err:
                errors[lock] = str(err)
        granted: set[LockRequest] = set()
        with self._mutex:
            for holder, locks in by_holder.items():
                who = (key, holder)
                if any(lock in errors for lock in locks):
                    continue
                if all(self._may_take(lock, who, limits[lock]) for lock in locks):
                    for lock in locks:
                        self._holders.setdefault(lock, set()).add(who)
                        self._waiters.get(lock, {}).pop(who, None)
                        granted.add(LockRequest(lock, holder))
            counts = {
                lock: (max(limits[lock] - len(self._holders.get(lock, ())), 0), limits[lock])
                for lock in limits
            }
        return LockView(granted=frozenset(granted), errors=errors, counts=counts)

    def _may_take(self, lock: str, who: Holder, limit: int) -> bool:
        holders = self._holders.get(lock, set())
        if who in holders:
            return True
        free = limit - len(holders)
        if free <= 0:
            return False
        waiters = self._waiters.get(lock, {})
        if who not in waiters:  # not queued yet: only when nobody else is
            return len(waiters) < free
        queue = sorted(waiters.items(), key=lambda item: item[1])
        return who in (w for w, _ in queue[:free])

    def holders(self, lock: str) -> set[Holder]:
        with self._mutex:
            return set(self._holders.get(lock, ()))

    def snapshot(self) -> Mapping[str, Any]:
        """Every lock's holders and waiters (queue order), as `ns/workflow/holder`."""

        def name(who: Holder) -> str:
            return f"{who[0][0]}/{who[0][1]}/{who[1]}"

        with self._mutex:
            out: dict[str, Any] = {}
            for lock in {*self._holders, *self._waiters}:
                queue = sorted(self._waiters.get(lock, {}).items(), key=lambda i: i[1])
                out[lock] = {
                    "holding": sorted(name(w) for w in self._holders.get(lock, ())),
                    "waiting": [name(w) for w, _ in queue],
                }
            return out


# A workflow waiting for a lock is reconciled when a holder releases it; this is the
# fallback, for a semaphore's limit raised in its ConfigMap.
LOCK_RECHECK_SECONDS = 5.0


def sync_of(obj: Obj) -> dict[str, Any] | None:
    return (obj.get("status") or {}).get("synchronization")


def lock_recheck(before: Obj, after: Obj) -> float | None:
    """When to decide again for the locks `after` waits for: at once for a request
    that is new (it may be granted now), else after the fallback delay."""
    waiting = requests_of(sync_of(after), "waiting")
    if not waiting:
        return None
    if set(waiting) - set(requests_of(sync_of(before), "waiting")):
        return 0.0
    return LOCK_RECHECK_SECONDS
