"""Several OS processes on one SQLite store file at once.

What is real: separate Python processes (this virtualenv's interpreter running
`worker.py`), one SQLite file on disk, SQLite's own locking. Nothing is faked.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.polling import poll
from workflow_engine.store import SqliteStore

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.store.worker", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> dict[str, int]:
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err
    result: dict[str, int] = json.loads(out)
    return result


def wait_ready(directory: Path, count: int, limit: float = 60.0) -> None:
    def ready() -> bool:
        return len(list(directory.glob("ready-*"))) >= count

    poll(ready, limit, "the workers to start", interval=0.005)


@pytest.mark.parametrize(
    ("creators", "incrementers", "per_process"),
    [(2, 2, 100), (4, 3, 150)],
    ids=["two-and-two", "four-and-two"],
)
def test_processes_writing_at_once_lose_nothing(
    tmp_path: Path, creators: int, incrementers: int, per_process: int
) -> None:
    db = tmp_path / "store.db"
    # Every worker opens the fresh file at the same time: initialisation races too.
    go = tmp_path / "go"
    procs = [start("create", str(db), f"p{i}", str(per_process), str(go)) for i in range(creators)]
    seed = SqliteStore(db)
    try:
        seed.create({"kind": "Workflow", "metadata": {"name": "counter"}, "status": {"count": 0}})
        procs += [
            start("increment", str(db), "counter", str(per_process), str(go))
            for _ in range(incrementers)
        ]
        wait_ready(tmp_path, len(procs))
        go.touch()
        results = [finish(p) for p in procs]
        assert any(r.get("conflicts", 0) for r in results), "the workers never overlapped"

        assert sum(r.get("created", 0) for r in results) == creators * per_process
        listed = seed.list("Workflow", None)
        workers = [o for o in listed.items if o["metadata"]["name"] != "counter"]
        assert sorted(o["metadata"]["name"] for o in workers) == sorted(
            f"p{i}-{j}" for i in range(creators) for j in range(per_process)
        )
        assert all(o["status"]["writer"] == o["metadata"]["labels"]["by"] for o in workers)
        counter = seed.get("Workflow", "counter")
        assert counter["status"]["count"] == incrementers * per_process

        # Every write is in the change log once, in a strictly rising order.
        events = list(seed.watch("Workflow", None, resource_version="0", timeout=0.5))
        versions = [int(e.object["metadata"]["resourceVersion"]) for e in events]
        assert versions == sorted(set(versions))
        assert len(events) == 1 + 2 * creators * per_process + incrementers * per_process
        assert versions[-1] == int(listed.resource_version)
    finally:
        seed.close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_a_watch_in_one_process_sees_writes_from_another(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    store = SqliteStore(db)
    try:
        watch = store.watch("Workflow", None, timeout=60)
        writer = start("create", str(db), "remote", "10")
        seen: list[tuple[str, str]] = []
        deadline = time.monotonic() + 120
        for event in watch:
            seen.append((event.type, event.object["metadata"]["name"]))
            if len(seen) == 20 or time.monotonic() > deadline:
                break
        finish(writer)
    finally:
        store.close()
    expected = []
    for i in range(10):
        expected += [("ADDED", f"remote-{i}"), ("MODIFIED", f"remote-{i}")]
    assert seen == expected
