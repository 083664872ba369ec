"""SQLite specifics: the file's schema, reopening, waking watchers, sharing one file
between store objects. Real here: SQLite files in a temporary directory.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from workflow_engine.errors import PermanentError
from workflow_engine.store import SqliteStore
from workflow_engine.store.sqlite import SCHEMA_VERSION


def workflow(name: str, **labels: str) -> dict[str, object]:
    return {"kind": "Workflow", "metadata": {"name": name, "labels": labels}, "spec": {}}


def test_the_file_is_wal_with_a_schema_version(tmp_path: Path) -> None:
    SqliteStore(tmp_path / "s.db").close()
    with sqlite3.connect(tmp_path / "s.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"objects", "changes", "meta"} <= tables


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    SqliteStore(tmp_path / "s.db").close()
    with sqlite3.connect(tmp_path / "s.db") as conn:
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(PermanentError, match="newer"):
        SqliteStore(tmp_path / "s.db")


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    (tmp_path / "s.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(PermanentError):
        SqliteStore(tmp_path / "s.db")


def test_reopening_keeps_objects_and_versions_keep_rising(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    created = store.create(workflow("kept", app="x"))
    store.close()
    again = SqliteStore(tmp_path / "s.db")
    try:
        assert again.get("Workflow", "kept") == created
        later = again.create(workflow("later"))
        assert int(later["metadata"]["resourceVersion"]) > int(
            created["metadata"]["resourceVersion"]
        )
        assert [
            o["metadata"]["name"] for o in again.list("Workflow", None, {"app": "x"}).items
        ] == ["kept"]
    finally:
        again.close()


def test_a_write_in_this_process_wakes_a_watch_at_once(tmp_path: Path) -> None:
    # With an hour-long poll, only the in-process wake-up can deliver the event before
    # the watch's own timeout ends it (then `next` would raise StopIteration).
    store = SqliteStore(tmp_path / "s.db", poll_interval=3600)
    try:
        watch = store.watch("Workflow", timeout=60)
        writer = threading.Thread(target=lambda: store.create(workflow("ping")))
        writer.start()
        event = next(watch)
        writer.join()
        assert event.object["metadata"]["name"] == "ping"
    finally:
        store.close()


def test_two_store_objects_on_one_file_see_each_other(tmp_path: Path) -> None:
    reader = SqliteStore(tmp_path / "s.db", poll_interval=0.01)
    writer = SqliteStore(tmp_path / "s.db")
    try:
        watch = reader.watch("Workflow", timeout=10)
        created = writer.create(workflow("across"))
        assert next(watch).object == created
        assert reader.get("Workflow", "across") == created
    finally:
        reader.close()
        writer.close()
