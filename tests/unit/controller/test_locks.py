"""The controller's lock table: grants in queue order (priority, then creation), limits
from ConfigMaps, release on completion and deletion, and a rebuild from statuses alone.
Real: the lock table and the in-memory store (for the ConfigMap)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from workflow_engine.controller.configmaps import make_config_map
from workflow_engine.controller.locks import LockTable, store_limits
from workflow_engine.engine.sync import LockRequest, sync_status
from workflow_engine.store.memory import MemoryStore

MUTEX = "default/Mutex/deploy"
SEMAPHORE = "default/ConfigMap/limits/builds"


def wf(
    name: str,
    waiting: Sequence[str] = (),
    holding: Sequence[str] = (),
    priority: int | None = None,
    created: str = "2024-01-01T00:00:00Z",
    phase: str = "Pending",
) -> dict[str, Any]:
    status = {
        "phase": phase,
        "synchronization": sync_status(
            [LockRequest(lock, name) for lock in holding],
            [LockRequest(lock, name) for lock in waiting],
        ),
    }
    spec = {} if priority is None else {"priority": priority}
    return {
        "metadata": {"name": name, "namespace": "default", "creationTimestamp": created},
        "spec": spec,
        "status": status,
    }


@pytest.fixture
def store() -> MemoryStore:
    store = MemoryStore()
    store.create(make_config_map("limits", "default", {"builds": "2"}))
    return store


def key(name: str) -> tuple[str, str]:
    return ("default", name)


def granted(table: LockTable, obj: dict[str, Any], store: MemoryStore) -> bool:
    view = table.grants(key(obj["metadata"]["name"]), obj, store_limits(store))
    return bool(view.granted)


def test_mutex_goes_to_the_higher_priority_then_the_earlier_workflow(store: MemoryStore) -> None:
    table = LockTable()
    early = wf("early", [MUTEX], created="2024-01-01T00:00:01Z")
    late_urgent = wf("urgent", [MUTEX], priority=5, created="2024-01-01T00:00:09Z")
    later = wf("later", [MUTEX], created="2024-01-01T00:00:05Z")
    table.rebuild([early, late_urgent, later])
    assert table.snapshot()[MUTEX]["waiting"] == [
        "default/urgent/urgent",
        "default/early/early",
        "default/later/later",
    ]
    assert not granted(table, early, store)
    assert granted(table, late_urgent, store)
    assert not granted(table, early, store)  # held now

    woken = table.record(key("urgent"), wf("urgent", phase="Succeeded", holding=[MUTEX]))
    assert woken == {key("early"), key("later")}
    assert not granted(table, later, store)
    assert granted(table, early, store)


def test_semaphore_limit_comes_from_the_config_map(store: MemoryStore) -> None:
    table = LockTable()
    objs = [wf(f"w{i}", [SEMAPHORE], created=f"2024-01-01T00:00:0{i}Z") for i in range(3)]
    table.rebuild(objs)
    assert [granted(table, o, store) for o in objs] == [True, True, False]
    view = table.grants(key("w2"), objs[2], store_limits(store))
    assert view.counts[SEMAPHORE] == (0, 2)


@pytest.mark.parametrize(
    "data,reason",
    [
        pytest.param(None, "configmap default/limits not found", id="no-configmap"),
        pytest.param({"other": "1"}, "no key 'builds'", id="no-key"),
        pytest.param({"builds": "two"}, "'two' is not a number", id="not-a-number"),
    ],
)
def test_unreadable_limit_is_an_error_not_a_wait(data: dict[str, str] | None, reason: str) -> None:
    store = MemoryStore()
    if data is not None:
        store.create(make_config_map("limits", "default", data))
    obj = wf("w", [SEMAPHORE])
    view = LockTable().grants(key("w"), obj, store_limits(store))
    assert not view.granted
    assert reason in view.errors[SEMAPHORE]


def test_deleted_workflow_releases_and_wakes_waiters(store: MemoryStore) -> None:
    table = LockTable()
    table.rebuild([wf("holder", holding=[MUTEX], phase="Running"), wf("waiter", [MUTEX])])
    assert not granted(table, wf("waiter", [MUTEX]), store)
    assert table.forget(key("holder")) == {key("waiter")}
    assert granted(table, wf("waiter", [MUTEX]), store)


def test_a_grant_not_taken_by_the_next_status_is_released(store: MemoryStore) -> None:
    """A grant is reserved until the status written after it says otherwise."""
    table = LockTable()
    obj = wf("a", [MUTEX])
    table.rebuild([obj, wf("b", [MUTEX], created="2024-01-02T00:00:00Z")])
    assert granted(table, obj, store)
    assert table.holders(MUTEX) == {(key("a"), "a")}
    assert table.record(key("a"), wf("a", phase="Failed")) == {key("b")}
    assert table.holders(MUTEX) == set()


def test_rebuild_from_statuses_keeps_holders_and_skips_completed(store: MemoryStore) -> None:
    table = LockTable()
    table.rebuild(
        [
            wf("running", holding=[SEMAPHORE], phase="Running"),
            wf("done", holding=[SEMAPHORE], phase="Succeeded"),
        ]
    )
    assert table.holders(SEMAPHORE) == {(key("running"), "running")}


def test_a_raised_limit_lets_the_next_waiter_in(store: MemoryStore) -> None:
    table = LockTable()
    objs = [wf(f"w{i}", [SEMAPHORE], created=f"2024-01-01T00:00:0{i}Z") for i in range(3)]
    table.rebuild(objs)
    assert [granted(table, o, store) for o in objs] == [True, True, False]
    config = store.get("ConfigMap", "limits", "default")
    store.update({**config, "data": {"builds": "3"}})
    assert granted(table, objs[2], store)
