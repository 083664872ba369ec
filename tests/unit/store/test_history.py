"""Store behaviour the contract cannot pin for every backend: an injected clock, a
small change history (Expired), closing. Real here: MemoryStore and a SQLite file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from workflow_engine.errors import Expired, PermanentError
from workflow_engine.store import MemoryStore, SqliteStore, Store

Factory = Callable[..., Store]
HISTORY = 8


@pytest.fixture(params=["memory", "sqlite"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Factory]:
    opened: list[Store] = []

    def make(**options: object) -> Store:
        if request.param == "memory":
            store: Store = MemoryStore(**options)  # type: ignore[arg-type]
        else:
            store = SqliteStore(tmp_path / f"{len(opened)}.db", **options)  # type: ignore[arg-type]
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def workflow(name: str) -> dict[str, object]:
    return {"kind": "Workflow", "metadata": {"name": name}, "spec": {}}


def test_creation_timestamp_comes_from_the_injected_clock(make_store: Factory) -> None:
    store = make_store(now=lambda: datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC))
    assert store.create(workflow("w"))["metadata"]["creationTimestamp"] == "2031-05-06T07:08:09Z"


def test_watch_from_a_compacted_version_raises_expired(make_store: Factory) -> None:
    store = make_store(history=HISTORY)
    first = store.create(workflow("first"))
    for i in range(HISTORY * 4):
        store.create(workflow(f"w{i}"))
    with pytest.raises(Expired, match="list again"):
        store.watch("Workflow", resource_version=first["metadata"]["resourceVersion"])
    recent = store.list("Workflow").resource_version
    store.create(workflow("after"))
    events = list(store.watch("Workflow", resource_version=recent, timeout=0.2))
    assert [e.object["metadata"]["name"] for e in events] == ["after"]


def test_a_watcher_that_falls_behind_compaction_gets_expired(make_store: Factory) -> None:
    store = make_store(history=HISTORY)
    start = store.list("Workflow").resource_version
    store.create(workflow("seen"))
    watch = store.watch("Workflow", resource_version=start, timeout=5)
    assert next(watch).object["metadata"]["name"] == "seen"
    for i in range(HISTORY * 4):
        store.create(workflow(f"w{i}"))
    with pytest.raises(Expired):
        next(watch)


def test_watch_refuses_a_foreign_resource_version(make_store: Factory) -> None:
    with pytest.raises(ValueError, match="not a resourceVersion"):
        make_store().watch("Workflow", resource_version="abc")


def test_close_ends_a_waiting_watch(make_store: Factory) -> None:
    store = make_store()
    watch = store.watch("Workflow", timeout=60)
    store.close()
    assert list(watch) == []


def test_history_must_be_positive(make_store: Factory) -> None:
    with pytest.raises(ValueError, match="history"):
        make_store(history=0)


def test_a_closed_sqlite_store_refuses_work(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    store.close()
    with pytest.raises(PermanentError, match="closed"):
        store.get("Workflow", "w")
