"""The SQLite store's change log stays proportional to what the store holds: a status
write logs metadata and status only (the spec is kept once per generation), the log is
bounded in bytes as well as in changes, and `wf list` reads stored summaries. Real
here: SQLite files in a temporary directory, and the MemoryStore for summaries.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from workflow_engine.errors import Expired
from workflow_engine.store import MemoryStore, SqliteStore
from workflow_engine.store import _objects as codec
from workflow_engine.store.base import Obj
from workflow_engine.store.sqlite import schema

BIG_SPEC = {
    "entrypoint": "main",
    "templates": [{"name": f"t{i}", "script": {}} for i in range(300)],
}


def workflow(name: str) -> Obj:
    return {"kind": "Workflow", "metadata": {"name": name, "labels": {"a": "b"}}, "spec": BIG_SPEC}


def status(step: int, nodes: int = 20) -> Obj:
    node_map = {
        f"n{i}": {"id": f"n{i}", "phase": "Running", "message": str(step)} for i in range(nodes)
    }
    return {"phase": "Running", "progress": f"{step}/9", "nodes": node_map}


def write_statuses(store: SqliteStore, name: str, count: int) -> Obj:
    obj = store.create(workflow(name))
    for step in range(count):
        obj = store.update_status({**obj, "status": status(step)})
    return obj


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore(tmp_path / "s.db")
    yield opened
    opened.close()


def test_a_status_write_does_not_copy_the_spec(store: SqliteStore) -> None:
    write_statuses(store, "w", 50)
    with sqlite3.connect(store.path) as conn:
        specs = conn.execute("SELECT generation, body FROM specs").fetchall()
        heads = [head for (head,) in conn.execute("SELECT head FROM changes")]
    assert len(specs) == 1 and '"t299"' in specs[0][1]
    assert len(heads) == 51
    assert not any('"spec"' in head or '"t299"' in head for head in heads)


def test_a_watch_still_sees_every_state_with_its_spec(store: SqliteStore) -> None:
    start = store.list("Workflow").resource_version
    created = store.create(workflow("w"))
    first = store.update_status({**created, "status": status(1)})
    respecced = store.update({**first, "spec": {"entrypoint": "other"}})
    second = store.update_status({**respecced, "status": status(2)})
    events = list(store.watch("Workflow", resource_version=start, timeout=0.2))
    assert [e.object for e in events] == [created, first, respecced, second]
    assert events[1].object["spec"] == BIG_SPEC
    assert events[3].object["spec"] == {"entrypoint": "other"}


def test_the_log_is_bounded_in_bytes(tmp_path: Path) -> None:
    budget = 64 * 1024
    store = SqliteStore(tmp_path / "s.db", history_bytes=budget)
    try:
        start = store.list("Workflow").resource_version
        last = write_statuses(store, "w", 400)  # about 1 KiB of status each
        with sqlite3.connect(store.path) as conn:
            (logged,) = conn.execute("SELECT SUM(size) FROM changes").fetchone()
            (bodies,) = conn.execute("SELECT COUNT(*) FROM specs").fetchone()
        assert logged <= budget * 5 // 4  # compacted whenever a quarter more was written
        assert bodies == 1
        with pytest.raises(Expired):
            store.watch("Workflow", resource_version=start)
        version = str(int(last["metadata"]["resourceVersion"]) - 1)
        (latest,) = list(store.watch("Workflow", resource_version=version, timeout=0.2))
        assert latest.object == last
    finally:
        store.close()


def test_a_compacted_body_comes_back_with_the_next_write(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db", history=4)
    try:
        obj = write_statuses(store, "w", 3)
        for i in range(300):  # enough other writes to compact the first object's changes
            store.create(workflow(f"other-{i}"))
        store.delete("Workflow", "w")
        version = str(int(store.list("Workflow").resource_version) - 1)
        (gone,) = list(store.watch("Workflow", resource_version=version, timeout=0.2))
        assert gone.type == "DELETED" and gone.object["spec"] == obj["spec"]
    finally:
        store.close()


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_summaries_leave_out_the_spec_and_the_node_map(tmp_path: Path, kind: str) -> None:
    store = MemoryStore() if kind == "memory" else SqliteStore(tmp_path / "s.db")
    try:
        for name in ("b", "a"):
            obj = store.create(workflow(name))
            store.update_status({**obj, "status": {**status(3), "compressedNodes": "x"}})
        store.create(workflow("pending"))
        full = store.list("Workflow", label_selector={"a": "b"})
        summaries = store.list_summaries("Workflow", label_selector={"a": "b"})
    finally:
        store.close()
    assert [s["metadata"] for s in summaries.items] == [f["metadata"] for f in full.items]
    assert summaries.resource_version == full.resource_version
    for summary in summaries.items:
        assert "spec" not in summary
        assert "nodes" not in summary.get("status", {})
        assert "compressedNodes" not in summary.get("status", {})
    assert summaries.items[0]["status"] == {"phase": "Running", "progress": "3/9"}
    assert "status" not in summaries.items[2]


def test_a_version_1_file_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        for statement in schema._SCHEMA_V1:
            conn.execute(statement)
        body = json.dumps(
            {
                "kind": "Workflow",
                "metadata": {"name": "old", "namespace": "default", "uid": "u1"}
                | {"resourceVersion": "1", "generation": 1},
                "spec": {},
                "status": {"phase": "Succeeded", "nodes": {"n": {}}},
            }
        )
        conn.execute(
            "INSERT INTO objects VALUES ('Workflow', 'default', 'old', 'u1', 1, '{}', ?)", (body,)
        )
        conn.execute(
            "INSERT INTO changes VALUES (1, 'Workflow', 'default', 'old', 'ADDED', ?)", (body,)
        )
        conn.execute("UPDATE meta SET value = 1 WHERE key = 'resource_version'")
        conn.execute("PRAGMA user_version=1")
    store = SqliteStore(path)
    try:
        assert store.get("Workflow", "old")["status"]["phase"] == "Succeeded"
        (summary,) = store.list_summaries("Workflow").items
        assert summary["status"] == {"phase": "Succeeded"}
        with pytest.raises(Expired):  # the old log is gone: a watcher lists again
            store.watch("Workflow", resource_version="0")
        renamed = store.update_status(
            {**store.get("Workflow", "old"), "status": {"phase": "Failed"}}
        )
        (event,) = list(store.watch("Workflow", resource_version="1", timeout=0.2))
        assert event.object == renamed
    finally:
        store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (schema.SCHEMA_VERSION,)


def test_a_status_is_stored_once_and_outlives_compaction(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db", history=4)
    try:
        last = write_statuses(store, "w", 3)
        for i in range(30):  # compacts every change of "w" but its latest
            store.create(workflow(f"other-{i}"))
        assert store.get("Workflow", "w") == last
        listed = store.list("Workflow", label_selector={"a": "b"}).items
        assert [item for item in listed if item["metadata"]["name"] == "w"] == [last]
        with sqlite3.connect(store.path) as conn:
            (rest,) = conn.execute("SELECT shell FROM objects WHERE name = 'w'").fetchone()
            heads = conn.execute("SELECT head FROM changes WHERE name = 'w'").fetchall()
        assert '"status"' not in rest
        assert [json.loads(head)["status"] for (head,) in heads] == [last["status"]]
        again = store.update_status({**last, "status": status(7)})
        assert store.get("Workflow", "w") == again
    finally:
        store.close()


def test_a_version_2_file_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        for statement in (*schema._SCHEMA_V1, *schema._UPGRADE_V2):
            conn.execute(statement)
        meta = {"name": "old", "namespace": "default", "uid": "u1", "resourceVersion": "3"}
        body = {
            "kind": "Workflow",
            "metadata": meta | {"generation": 1},
            "spec": {"entrypoint": "main"},
            "status": {"phase": "Succeeded", "nodes": {"n": {}}},
        }
        conn.execute(
            "INSERT INTO objects VALUES ('Workflow', 'default', 'old', 'u1', 3, '{}', ?, NULL)",
            (json.dumps(body),),
        )  # its change was compacted away
        conn.execute("UPDATE meta SET value = 3")
        conn.execute("PRAGMA user_version=2")
    store = SqliteStore(path)
    try:
        assert store.get("Workflow", "old") == body
        (summary,) = store.list_summaries("Workflow").items
        assert summary["status"] == {"phase": "Succeeded"}
        changed = store.update_status({**body, "status": {"phase": "Failed"}})
        (event,) = list(store.watch("Workflow", resource_version="3", timeout=0.2))
        assert event.object == changed == store.get("Workflow", "old")
    finally:
        store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (schema.SCHEMA_VERSION,)


def test_a_status_write_never_rewrites_the_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SqliteStore(tmp_path / "s.db")
    try:
        created = store.create(workflow("w"))
        marker = "t299"  # the last template's name: only the spec holds it
        encoded: list[object] = []
        decoded: list[str] = []
        dumps, loads = codec.dumps, codec.loads

        def counting_dumps(value: object) -> str:
            text = dumps(value)
            if f'"{marker}"' in text:
                encoded.append(value)
            return text

        def counting_loads(text: str) -> Obj:
            if f'"{marker}"' in text:
                decoded.append(text)
            return loads(text)

        monkeypatch.setattr(codec, "dumps", counting_dumps)
        monkeypatch.setattr(codec, "loads", counting_loads)
        with sqlite3.connect(store.path) as conn:
            before = conn.execute("SELECT uid, generation, body FROM specs").fetchall()
        shell = {k: v for k, v in created.items() if k != "spec"}
        updated = store.update_status({**shell, "status": status(1)})
        assert encoded == []
        assert len(decoded) == 1  # once, for the object returned
        assert updated["spec"] == BIG_SPEC
        again = store.update_status({**updated, "status": status(2)})
        assert len(decoded) == 1  # the caller's body is the stored one: returned as given
        assert again["spec"] is updated["spec"]
        assert len(encoded) == 1  # to compare it with the stored text
        with sqlite3.connect(store.path) as conn:
            after = conn.execute("SELECT uid, generation, body FROM specs").fetchall()
            (row,) = conn.execute("SELECT shell FROM objects WHERE name = 'w'").fetchone()
        assert after == before
        assert marker not in row
        monkeypatch.undo()
        assert store.get("Workflow", "w") == again
    finally:
        store.close()


def test_a_version_3_file_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        for statement in (*schema._SCHEMA_V1, *schema._UPGRADE_V2):
            conn.execute(statement)
        meta = {"name": "old", "namespace": "default", "uid": "u1", "resourceVersion": "3"}
        rest = {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "metadata": meta | {"generation": 2},
            "spec": {"entrypoint": "main"},
        }
        head = {"metadata": rest["metadata"], "status": {"phase": "Running"}}
        conn.execute(
            "INSERT INTO objects VALUES ('Workflow', 'default', 'old', 'u1', 3, '{}', ?, '{}')",
            (json.dumps(rest),),
        )  # no specs row for its generation: its changes were compacted but the last
        conn.execute(
            "INSERT INTO changes VALUES (3, 1, 'Workflow', 'default', 'old', 'MODIFIED',"
            " 'u1', 2, ?)",
            (json.dumps(head),),
        )
        bare = {"kind": "Workflow", "metadata": meta | {"name": "bare", "uid": "u2"}, "spec": {}}
        conn.execute(
            "INSERT INTO objects VALUES ('Workflow', 'default', 'bare', 'u2', 2, '{}', ?, '{}')",
            (json.dumps(bare),),
        )  # no status and no change left at all (as a version 1 file's objects)
        conn.execute("UPDATE meta SET value = 3")
        conn.execute("PRAGMA user_version=3")
    store = SqliteStore(path, history=1)
    try:
        whole = rest | {"status": {"phase": "Running"}}
        assert store.get("Workflow", "old") == whole
        changed = store.update_status({**whole, "status": {"phase": "Failed"}})
        for i in range(8):  # compacts every change of "old": its body stays
            store.create(workflow(f"other-{i}"))
        assert changed["spec"] == rest["spec"]
        assert store.get("Workflow", "old") == changed
        assert store.get("Workflow", "bare") == bare
        assert store.list("Workflow").items[:2] == [bare, changed]
    finally:
        store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (schema.SCHEMA_VERSION,)
        assert conn.execute("SELECT generation FROM objects WHERE name = 'old'").fetchone() == (2,)
