"""Synchronization (Argo's `synchronization`: mutexes and semaphores), the engine's half.

Locks are shared between workflows, so who gets one is the controller's decision (its
lock table, `controller/locks.py`); the engine only says what each workflow wants and
records what it holds. One `operate()` call:

- names the locks a workflow (holder: the workflow's name) or a node (holder: its id)
  needs before it may start: `LockRequest`s with the lock's key,
  `<namespace>/Mutex/<name>` or `<namespace>/ConfigMap/<configmap>/<key>`;
- starts it when every one is held already (in `status.synchronization`) or granted
  now by the controller (`Observed.locks`), else leaves it Pending with Argo's
  message `Waiting for <lock> lock. Lock status: <free>/<limit>`;
- writes `status.synchronization` in Argo's shape: what is held (until the holder's
  node, or the workflow, is finished: that is the release) and what is waited for.

The controller reads that status back after each write, so a restarted controller
rebuilds its lock table from the statuses alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workflow_engine.spec.models import NodeStatus
from workflow_engine.spec.status import FULFILLED_PHASES

MUTEX = "Mutex"
CONFIG_MAP = "ConfigMap"


class LockSpecError(ValueError):
    """A `synchronization` block the engine cannot turn into lock keys."""


@dataclass(frozen=True)
class LockRequest:
    lock: str  # the lock's key
    holder: str  # the workflow's name, or a node's id

    @property
    def kind(self) -> str:
        return lock_kind(self.lock)


@dataclass(frozen=True)
class LockView:
    """What the controller tells the engine about locks for one decision."""

    granted: frozenset[LockRequest] = frozenset()  # acquire these now
    errors: Mapping[str, str] = field(default_factory=dict)  # lock key -> why it cannot be had
    counts: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # lock -> (free, limit)


def lock_kind(lock: str) -> str:
    parts = lock.split("/")
    return parts[1] if len(parts) > 1 else ""


def lock_keys(sync: Mapping[str, Any] | None, namespace: str) -> list[str]:
    """The lock keys a `synchronization` block names (mutex, semaphore, and the plural
    lists `mutexes` / `semaphores`), already substituted."""
    if not sync:
        return []
    mutexes = [sync["mutex"]] if sync.get("mutex") else []
    mutexes += list(sync.get("mutexes") or ())
    semaphores = [sync["semaphore"]] if sync.get("semaphore") else []
    semaphores += list(sync.get("semaphores") or ())
    keys = [_mutex_key(m, namespace) for m in mutexes]
    keys += [_semaphore_key(s, namespace) for s in semaphores]
    return list(dict.fromkeys(keys))


def _mutex_key(mutex: Any, namespace: str) -> str:
    if not isinstance(mutex, Mapping) or not mutex.get("name"):
        raise LockSpecError("synchronization.mutex.name is required")
    if mutex.get("database"):
        raise LockSpecError("synchronization.mutex.database is not supported")
    return f"{mutex.get('namespace') or namespace}/{MUTEX}/{mutex['name']}"


def _semaphore_key(semaphore: Any, namespace: str) -> str:
    if not isinstance(semaphore, Mapping):
        raise LockSpecError("synchronization.semaphore must be an object")
    if semaphore.get("database"):
        raise LockSpecError("synchronization.semaphore.database is not supported")
    ref = semaphore.get("configMapKeyRef")
    if not isinstance(ref, Mapping) or not ref.get("name") or not ref.get("key"):
        raise LockSpecError("synchronization.semaphore.configMapKeyRef needs a name and a key")
    ns = semaphore.get("namespace") or namespace
    return f"{ns}/{CONFIG_MAP}/{ref['name']}/{ref['key']}"


def requests_of(status: Mapping[str, Any] | None, part: str) -> list[LockRequest]:
    """The (lock, holder) pairs of `status.synchronization`'s `holding` or `waiting`."""
    out: list[LockRequest] = []
    if not status:
        return out
    for entry in (status.get("mutex") or {}).get(part) or ():
        if entry.get("mutex") and entry.get("holder"):
            out.append(LockRequest(entry["mutex"], entry["holder"]))
    for entry in (status.get("semaphore") or {}).get(part) or ():
        out.extend(LockRequest(entry["semaphore"], h) for h in entry.get("holders") or ())
    return out


def sync_status(holding: list[LockRequest], waiting: list[LockRequest]) -> dict[str, Any] | None:
    """`status.synchronization` in Argo's shape, or None when nothing is held or waited."""
    out: dict[str, Any] = {}
    for part, requests in (("holding", holding), ("waiting", waiting)):
        mutexes = [{"mutex": r.lock, "holder": r.holder} for r in requests if r.kind == MUTEX]
        if mutexes:
            out.setdefault("mutex", {})[part] = mutexes
        by_lock: dict[str, list[str]] = {}
        for r in requests:
            if r.kind != MUTEX:
                by_lock.setdefault(r.lock, []).append(r.holder)
        if by_lock:
            out.setdefault("semaphore", {})[part] = [
                {"semaphore": lock, "holders": holders} for lock, holders in by_lock.items()
            ]
    return out or None


class Locks:
    """The locks of one `operate()` call: held before, granted now, asked for now."""

    def __init__(self, workflow_name: str, previous: Mapping[str, Any] | None, view: LockView):
        self.workflow_name = workflow_name
        self.view = view
        self.held: list[LockRequest] = requests_of(previous, "holding")
        self.previous_waiting = requests_of(previous, "waiting")
        self.waiting: list[LockRequest] = []

    def acquire(self, requests: list[LockRequest]) -> str | None:
        """None when every request is held (taking those granted now); else why the
        holder waits, its requests recorded as waiting. LockSpecError when a lock cannot
        be had at all (a semaphore whose limit cannot be read)."""
        for request in requests:
            if request.lock in self.view.errors and request not in self.held:
                raise LockSpecError(self.view.errors[request.lock])
        missing = [r for r in requests if r not in self.held]
        if all(r in self.view.granted for r in missing):
            self.held.extend(missing)
            return None
        for request in missing:
            if request not in self.waiting:
                self.waiting.append(request)
        first = next(r for r in missing if r not in self.view.granted)
        return waiting_message(first.lock, self.view.counts.get(first.lock))

    def status(self, nodes: Mapping[str, NodeStatus], completed: bool) -> dict[str, Any] | None:
        """The new `status.synchronization`: nothing once the workflow is completed;
        a node's locks are released once it is finished."""
        if completed:
            return None

        def live(request: LockRequest) -> bool:
            if request.holder == self.workflow_name:
                return True
            node = nodes.get(request.holder)
            return node is not None and node.phase not in FULFILLED_PHASES

        held = [r for r in dict.fromkeys(self.held) if live(r)]
        waiting = list(self.waiting)
        for request in self.previous_waiting:  # a waiting node not visited this call
            node = nodes.get(request.holder)
            if request in held or request in waiting or node is None:
                continue
            if node.phase == "Pending":
                waiting.append(request)
        return sync_status(held, [r for r in waiting if r not in held])


def waiting_message(lock: str, counts: tuple[int, int] | None) -> str:
    if counts is None:
        return f"Waiting for {lock} lock"
    return f"Waiting for {lock} lock. Lock status: {counts[0]}/{counts[1]}"


def is_waiting_message(message: str | None) -> bool:
    return bool(message) and str(message).startswith("Waiting for ")
