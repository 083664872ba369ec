"""Runs the Store contract against every Store implementation.

What is real here: the in-memory store, a real SQLite file in a temporary directory
per test, and the embedded controller's `SerializedWrites` wrapper around the SQLite
store (a Store too, so it keeps the contract). To add an implementation (the
Kubernetes store), add one param to the `store` fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.contract.store_contract import StoreContract
from workflow_engine.controller.serialized import SerializedWrites
from workflow_engine.store import MemoryStore, SqliteStore, Store


@pytest.fixture(params=["memory", "sqlite", "serialized-sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened: Store
    if request.param == "memory":
        opened = MemoryStore()
    elif request.param == "sqlite":
        opened = SqliteStore(tmp_path / "s.db")
    else:
        opened = SerializedWrites(SqliteStore(tmp_path / "s.db"))
    try:
        yield opened
    finally:
        opened.close()


class TestStoreContract(StoreContract):
    pass
