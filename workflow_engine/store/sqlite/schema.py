"""The SQLite store's file: schema, connection settings and error translation.

Sits under `sqlite/store.py`. One database file holds every object (`objects`, with
the summary `wf list` reads), the change log that watches read (`changes`: each
change's metadata and status only), the bodies those changes refer to (`specs`:
everything but metadata and status, once per object generation, so a status write
never copies the spec) and two counters (`meta`: the store-wide resourceVersion and
how far the change log has been compacted). The schema version lives in
`PRAGMA user_version`; a newer file than this program knows is refused rather than
guessed at, an older one is upgraded in place (version 1 -> 2: the change log is
dropped and counted as compacted, so a watch from before the upgrade gets Expired
and lists again; version 2 -> 3: an object's status is kept once, in its latest
change, which compaction keeps while the object exists, instead of a second time in
`objects`; version 3 -> 4: an object's row keeps only its shell (apiVersion, kind,
metadata) and its generation; its body is the `specs` row of that generation, which
compaction keeps while the object refers to it, so a status write neither reads nor
writes the spec).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from workflow_engine.errors import PermanentError, TransientError, WorkflowEngineError
from workflow_engine.store import _objects as o

SCHEMA_VERSION = 4
WAL_SIZE_LIMIT = 16 * 1024 * 1024

_SCHEMA_V1 = (
    """CREATE TABLE objects (
        kind TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        uid TEXT NOT NULL,
        resource_version INTEGER NOT NULL,
        labels TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (kind, namespace, name)
    ) WITHOUT ROWID""",
    """CREATE TABLE changes (
        resource_version INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        body TEXT NOT NULL
    )""",
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
    "INSERT INTO meta (key, value) VALUES ('resource_version', 0), ('compacted_through', 0)",
)

# version 1 -> 2: summaries beside the objects; a change log that refers to bodies
_CHANGES_V2 = (
    """CREATE TABLE changes (
        resource_version INTEGER PRIMARY KEY,
        size INTEGER NOT NULL,
        kind TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        uid TEXT NOT NULL,
        generation INTEGER NOT NULL,
        head TEXT NOT NULL
    )""",
    "CREATE INDEX changes_body ON changes (uid, generation)",
    """CREATE TABLE specs (
        uid TEXT NOT NULL,
        generation INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (uid, generation)
    ) WITHOUT ROWID""",
)
_UPGRADE_V2 = (
    "ALTER TABLE objects ADD COLUMN summary TEXT",
    "DROP TABLE changes",
    *_CHANGES_V2,
    "UPDATE meta SET value = (SELECT value FROM meta WHERE key = 'resource_version')"
    " WHERE key = 'compacted_through'",
)

_INIT_DEADLINE = 30.0


def connect(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """A connection in autocommit mode: every transaction is an explicit BEGIN."""
    try:
        conn = sqlite3.connect(
            path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
        )
        # WAL makes commits append-only, so NORMAL loses at most the last commits on power
        # loss, never consistency, and skips an fsync per write.
        conn.execute("PRAGMA synchronous=NORMAL")
        # the WAL is cut back to this size after a checkpoint (else it keeps its peak)
        conn.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
    except sqlite3.Error as exc:
        raise translate(exc, path) from exc
    return conn


def initialize(conn: sqlite3.Connection, path: Path) -> None:
    """Switch the file to WAL and create or check the schema; safe from many processes."""
    deadline = time.monotonic() + _INIT_DEADLINE
    while True:
        try:
            _initialize_once(conn)
            return
        except sqlite3.OperationalError as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            # Switching the journal mode does not always wait on the busy handler.
            if not _is_busy(exc) or time.monotonic() > deadline:
                raise translate(exc, path) from exc
            time.sleep(0.01)
        except sqlite3.DatabaseError as exc:
            raise translate(exc, path) from exc


def _initialize_once(conn: sqlite3.Connection) -> None:
    (mode,) = conn.execute("PRAGMA journal_mode=WAL").fetchone()
    if str(mode).lower() != "wal":
        raise PermanentError(f"cannot switch the store to WAL mode (journal mode is {mode})")
    conn.execute("BEGIN IMMEDIATE")
    try:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        if version > SCHEMA_VERSION:
            raise PermanentError(
                f"the store's schema version {version} is newer than this program "
                f"understands ({SCHEMA_VERSION}); upgrade wf"
            )
        if version == 0:
            for statement in _SCHEMA_V1:
                conn.execute(statement)
            version = 1
        if version == 1:
            for statement in _UPGRADE_V2:
                conn.execute(statement)
            version = 2
        if version == 2:
            _upgrade_v3(conn)
            version = 3
        if version == 3:
            _upgrade_v4(conn)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _upgrade_v3(conn: sqlite3.Connection) -> None:
    """Each object's row without its status; the status stays in (or, where it was
    compacted away, goes back into) the change at the object's resourceVersion. A
    change put back is at or below `compacted_through`, so no watch replays it."""
    rows = conn.execute(
        "SELECT kind, namespace, name, uid, resource_version, body, summary FROM objects"
    ).fetchall()
    for kind, namespace, name, uid, version, body, summary in rows:
        obj = o.loads(body)
        rest = o.dumps({k: v for k, v in obj.items() if k != "status"})
        head, fresh_summary = o.dumps(o.head_of(obj)), o.dumps(o.summary_of(obj))
        if "status" in obj:
            generation = int(obj["metadata"].get("generation", 1))
            conn.execute(
                "INSERT OR IGNORE INTO changes (resource_version, size, kind, namespace,"
                " name, type, uid, generation, head) VALUES (?, ?, ?, ?, ?, 'MODIFIED', ?, ?, ?)",
                (version, len(head), kind, namespace, name, uid, generation, head),
            )
            conn.execute(
                "INSERT OR IGNORE INTO specs (uid, generation, body) VALUES (?, ?, ?)",
                (uid, generation, o.dumps(o.body_of(obj))),
            )
        conn.execute(
            "UPDATE objects SET body = ?, summary = ?"
            " WHERE kind = ? AND namespace = ? AND name = ?",
            (rest, summary or fresh_summary, kind, namespace, name),
        )


_OBJECTS_V4 = (
    """CREATE TABLE objects_v4 (
        kind TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        uid TEXT NOT NULL,
        resource_version INTEGER NOT NULL,
        generation INTEGER NOT NULL,
        labels TEXT NOT NULL,
        shell TEXT NOT NULL,
        summary TEXT,
        PRIMARY KEY (kind, namespace, name)
    ) WITHOUT ROWID""",
)


def _upgrade_v4(conn: sqlite3.Connection) -> None:
    """Each object's row without its body: the body goes to (or stays in) `specs`
    under the object's uid and generation; the row keeps the shell and generation."""
    for statement in _OBJECTS_V4:
        conn.execute(statement)
    rows = conn.execute(
        "SELECT kind, namespace, name, uid, resource_version, labels, body, summary FROM objects"
    ).fetchall()
    for kind, namespace, name, uid, version, labels, body, summary in rows:
        obj = o.loads(body)
        generation = int(obj["metadata"].get("generation", 1))
        conn.execute(
            "INSERT OR IGNORE INTO specs (uid, generation, body) VALUES (?, ?, ?)",
            (uid, generation, o.dumps(o.body_of(obj))),
        )
        conn.execute(
            "INSERT INTO objects_v4 (kind, namespace, name, uid, resource_version, generation,"
            " labels, shell, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                kind,
                namespace,
                name,
                uid,
                version,
                generation,
                labels,
                o.dumps(o.shell_of(obj)),
                summary,
            ),
        )
    conn.execute("DROP TABLE objects")
    conn.execute("ALTER TABLE objects_v4 RENAME TO objects")
    conn.execute("CREATE INDEX objects_spec ON objects (uid, generation)")


def _is_busy(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def translate(exc: sqlite3.Error, path: Path) -> WorkflowEngineError:
    """Map sqlite3's errors onto the project's taxonomy."""
    if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
        return TransientError(f"store {path} is busy: {exc}")
    return PermanentError(f"store {path}: {exc}")
