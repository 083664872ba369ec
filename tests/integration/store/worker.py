"""A worker process for the multi-process store tests: writes to one SQLite file.

    python -m tests.integration.store.worker create DB PREFIX COUNT [GO_FILE]
    python -m tests.integration.store.worker increment DB NAME COUNT [GO_FILE]

`create` makes COUNT workflows then sets each one's status; `increment` adds 1
to a shared object's `status.count` COUNT times, re-reading on Conflict. Prints
one JSON line with what it did. With GO_FILE, it opens the store, leaves a
`ready-PID` file beside GO_FILE, then waits for GO_FILE to exist before writing,
so that all workers start together.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from tests.support.polling import poll
from workflow_engine.errors import Conflict, TransientError
from workflow_engine.store import SqliteStore


def create(store: SqliteStore, prefix: str, count: int) -> dict[str, int]:
    for i in range(count):
        obj = store.create(
            {"kind": "Workflow", "metadata": {"name": f"{prefix}-{i}", "labels": {"by": prefix}}}
        )
        store.update_status({**obj, "status": {"phase": "Succeeded", "writer": prefix}})
    return {"created": count}


def increment(store: SqliteStore, name: str, count: int) -> dict[str, int]:
    conflicts = 0
    done = 0
    while done < count:
        obj = store.get("Workflow", name)
        status = obj.get("status") or {}
        try:
            store.update_status({**obj, "status": {"count": status.get("count", 0) + 1}})
            done += 1
        except (Conflict, TransientError):
            conflicts += 1
    return {"incremented": done, "conflicts": conflicts}


def main(argv: list[str]) -> int:
    verb, db, target, count, *go = argv
    store = SqliteStore(db)
    try:
        if go:
            Path(go[0]).with_name(f"ready-{os.getpid()}").touch()
            poll(Path(go[0]).exists, 60.0, f"{go[0]} to appear", interval=0.001)
        work = create if verb == "create" else increment
        print(json.dumps(work(store, target, int(count))), flush=True)
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
