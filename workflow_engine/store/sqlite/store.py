"""SqliteStore: the embedded mode's Store, one SQLite file shared by processes.

The CLI, the controller and every local pod's executor open the same file. It
runs in WAL mode (readers never wait for the writer), every write is one short
`BEGIN IMMEDIATE` transaction that bumps the store-wide resourceVersion and
appends to the change log, and `watch` reads that log: polling it every
`poll_interval` seconds to see other processes' writes, and woken at once by a
condition for writes made through this store object.

The log keeps each change's metadata and status; the rest of the object (the spec)
is kept once per generation in `specs` and joined back when a watch or a read needs
it, so a status write never decodes, encodes or copies the spec (it reads its text
once, for the object it returns). An object's row holds only its shell (apiVersion,
kind, metadata) and generation. The log is compacted to its last `history`
changes and to at most `history_bytes` of them, whichever is less, so the file stays
proportional to what it holds, not to how many writes it has seen. Every object also
keeps its summary (`list_summaries`, what `wf list` reads): no spec, no node map.
"""

from __future__ import annotations

import builtins
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from workflow_engine.errors import AlreadyExists, Expired, NotFound, WorkflowEngineError
from workflow_engine.store import _objects as o
from workflow_engine.store.base import Obj, ObjectList, WatchEvent, WatchEventType
from workflow_engine.store.sqlite import schema
from workflow_engine.store.sqlite.pool import Pool

T = TypeVar("T")

_GENERATE_ATTEMPTS = 8
# An object's status lives once, in its latest change (which compaction keeps).
_LATEST_HEAD = "(SELECT c.head FROM changes c WHERE c.resource_version = o.resource_version)"
# Its body (spec) lives once per generation in `specs` (kept while the object refers to it).
_BODY = "(SELECT s.body FROM specs s WHERE s.uid = o.uid AND s.generation = o.generation)"
_WATCH_BATCH = 512
DEFAULT_HISTORY_BYTES = 16 * 1024 * 1024


class SqliteStore:
    """Store in one SQLite file. `history`: how many changes a watch can reach back;
    `history_bytes`: at most how many bytes of metadata and status those changes hold
    (the newest change is always kept)."""

    def __init__(
        self,
        path: str | Path,
        *,
        now: o.Clock = o.utc_now,
        history: int = 10_000,
        history_bytes: int = DEFAULT_HISTORY_BYTES,
        poll_interval: float = 0.05,
        busy_timeout: float = 30.0,
    ) -> None:
        if history < 1:
            raise ValueError("history must be at least 1")
        self.path = Path(path)
        self._now = now
        self._history = history
        # Compact in batches: a DELETE per write would double the writes.
        self._compact_every = max(1, min(256, history // 4))
        self._history_bytes = history_bytes
        self._logged_bytes = 0  # written to the log by this object since it compacted
        self._poll = poll_interval
        self._rng = random.Random()
        self._changed = threading.Condition(threading.Lock())
        self._writes = 0
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._pool = Pool(lambda: schema.connect(self.path, busy_timeout), str(self.path))
        try:
            with self._pool.connection() as conn:
                schema.initialize(conn, self.path)
        except BaseException:
            self._pool.close()
            raise

    # -- the Store port ------------------------------------------------------------

    def create(self, obj: Obj) -> Obj:
        kind, namespace = o.kind_and_namespace(obj)

        def insert(conn: sqlite3.Connection) -> Obj:
            for _ in range(_GENERATE_ATTEMPTS):
                name = o.candidate_name(obj, self._rng)
                if not self._exists(conn, (kind, namespace, name)):
                    break
                if not o.is_generated(obj):
                    raise AlreadyExists(f"{kind} {namespace}/{name} already exists")
            else:
                raise AlreadyExists(f"{kind}: no free name for generateName after retries")
            version = self._bump(conn)
            stored = o.new_object(obj, name=name, resource_version=version, created=self._now())
            shell, head, summary = o.encode(stored)
            conn.execute(
                "INSERT INTO objects (kind, namespace, name, uid, resource_version,"
                " generation, labels, shell, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    kind,
                    namespace,
                    name,
                    stored["metadata"]["uid"],
                    version,
                    stored["metadata"]["generation"],
                    o.dumps(o.labels_of(stored)),
                    shell,
                    summary,
                ),
            )
            body = self._log(conn, version, (kind, namespace, name), "ADDED", stored, head)
            return o.assemble(shell, body, head)

        return self._write(insert)

    def get(self, kind: str, name: str, namespace: str = "default") -> Obj:
        row = self._read(lambda conn: self._select(conn, (kind, namespace, name)))
        if row is None:
            raise NotFound(f"{kind} {namespace}/{name} not found")
        return o.assemble(*row)

    def list(
        self,
        kind: str,
        namespace: str | None = "default",
        label_selector: o.LabelSelector | None = None,
    ) -> ObjectList:
        where, params = self._where(kind, namespace, label_selector)
        query = (
            f"SELECT o.shell, {_BODY}, {_LATEST_HEAD} FROM objects o"
            f" WHERE {' AND '.join(where)} ORDER BY o.namespace, o.name"
        )

        def snapshot(
            conn: sqlite3.Connection,
        ) -> tuple[int, list[tuple[str, str | None, str | None]]]:
            version = self._meta(conn, "resource_version")
            return version, conn.execute(query, params).fetchall()

        version, rows = self._read(snapshot, transaction=True)
        return ObjectList(
            items=[o.assemble(shell, body, head) for shell, body, head in rows],
            resource_version=str(version),
        )

    def list_summaries(
        self,
        kind: str,
        namespace: str | None = "default",
        label_selector: o.LabelSelector | None = None,
    ) -> ObjectList:
        """As `list`, but each item is the object's summary (`_objects.summary_of`): no
        spec and no node map, read as stored at write time."""
        where, params = self._where(kind, namespace, label_selector)
        query = (
            f"SELECT o.summary FROM objects o WHERE {' AND '.join(where)}"
            " ORDER BY o.namespace, o.name"
        )

        def snapshot(conn: sqlite3.Connection) -> tuple[int, list[tuple[str]]]:
            version = self._meta(conn, "resource_version")
            return version, conn.execute(query, params).fetchall()

        version, rows = self._read(snapshot, transaction=True)
        items = [o.loads(summary) for (summary,) in rows]
        return ObjectList(items=items, resource_version=str(version))

    def update(self, obj: Obj) -> Obj:
        return self._replace(obj, o.updated_object, stored_status=True, stored_body=True)

    def update_status(self, obj: Obj) -> Obj:
        # The stored status is replaced whole and the body is kept: neither is read
        # (the body only for the object returned, whose body is the caller's when that
        # equals the stored one).
        return self._replace(obj, o.status_updated_object, stored_status=False, stored_body=False)

    def delete(self, kind: str, name: str, namespace: str = "default") -> None:
        key = (kind, namespace, name)

        def remove(conn: sqlite3.Connection) -> None:
            stored = self._select(conn, key, with_body=False)
            if stored is None:
                raise NotFound(f"{kind} {namespace}/{name} not found")
            version = self._bump(conn)
            gone = o.deleted_object(o.assemble(*stored), version)
            conn.execute("DELETE FROM objects WHERE kind = ? AND namespace = ? AND name = ?", key)
            self._log(conn, version, key, "DELETED", gone, o.dumps(o.head_of(gone)))

        self._write(remove)

    def watch(
        self,
        kind: str,
        namespace: str | None = "default",
        resource_version: str | None = None,
        timeout: float = 30.0,
    ) -> Iterator[WatchEvent]:
        # Resolved now, not at the first next(): "from now" means from this call.
        if resource_version is None:
            start = self._read(lambda conn: self._meta(conn, "resource_version"))
        else:
            start = o.parse_version(resource_version)
            self._read(lambda conn: self._check_reachable(conn, start))
        return self._follow(kind, namespace, start, timeout)

    def close(self) -> None:
        self._pool.close()
        with self._changed:
            self._changed.notify_all()

    # -- writes --------------------------------------------------------------------

    def _replace(
        self,
        obj: Obj,
        change: Callable[[Obj, Obj, int], Obj],
        *,
        stored_status: bool,
        stored_body: bool,
    ) -> Obj:
        """Write `change(stored, obj, version)`. Without `stored_body`, `stored` is the
        shell (and status) only, `change` must keep the body, and the body is neither
        decoded, encoded nor written: only read as text for the object returned."""
        key = o.key_of(obj)

        def replace(conn: sqlite3.Connection) -> Obj:
            row = self._select(conn, key, with_head=stored_status, with_body=stored_body)
            if row is None:
                raise NotFound(f"{key[0]} {key[1]}/{key[2]} not found")
            stored = o.assemble(*row)
            o.check_version(stored, obj)
            version = self._bump(conn)
            new = change(stored, obj, version)
            meta = new["metadata"]
            shell, head, summary = o.encode(new)
            conn.execute(
                "UPDATE objects SET resource_version = ?, generation = ?, labels = ?,"
                " shell = ?, summary = ? WHERE kind = ? AND namespace = ? AND name = ?",
                (
                    version,
                    int(meta.get("generation", 1)),
                    o.dumps(o.labels_of(new)),
                    shell,
                    summary,
                    *key,
                ),
            )
            body = self._log(conn, version, key, "MODIFIED", new, head, has_body=stored_body)
            if not stored_body and body is not None:
                given = o.body_of(obj)
                # The caller's body, when it is the stored one, is returned as given:
                # encoding it to check costs a fraction of decoding the stored text.
                if given and o.dumps(given) == body:
                    return o.join(o.loads(head), given)
            return o.assemble(shell, body, head)

        return self._write(replace)

    def _write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` in one BEGIN IMMEDIATE transaction, then wake local watchers."""
        with self._pool.connection() as conn:
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    result = work(conn)
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise schema.translate(exc, self.path) from exc
        with self._changed:
            self._writes += 1
            self._changed.notify_all()
        return result

    def _bump(self, conn: sqlite3.Connection) -> int:
        rows = conn.execute(
            "UPDATE meta SET value = value + 1 WHERE key = 'resource_version' RETURNING value"
        ).fetchall()
        version: int = rows[0][0]
        return version

    def _log(
        self,
        conn: sqlite3.Connection,
        version: int,
        key: o.Key,
        type_: str,
        obj: Obj,
        head: str,
        *,
        has_body: bool = True,
    ) -> str | None:
        """Append a change: its metadata and status, and a reference to its body (the
        spec), which is stored once per generation. Returns the body's text (None: none
        is stored). Without `has_body`, `obj` has no body and its generation's is
        stored already."""
        meta = obj["metadata"]
        uid, generation = str(meta["uid"]), int(meta.get("generation", 1))
        row = conn.execute(
            "SELECT body FROM specs WHERE uid = ? AND generation = ?", (uid, generation)
        ).fetchone()
        body: str | None = None if row is None else str(row[0])
        if body is None and has_body:
            body = o.dumps(o.body_of(obj))
            conn.execute(
                "INSERT INTO specs (uid, generation, body) VALUES (?, ?, ?)",
                (uid, generation, body),
            )
        conn.execute(
            "INSERT INTO changes"
            " (resource_version, size, kind, namespace, name, type, uid, generation, head)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (version, len(head), *key, type_, uid, generation, head),
        )
        self._logged_bytes += len(head)
        if (
            version % self._compact_every == 0 and version > self._history
        ) or self._logged_bytes * 4 >= self._history_bytes:
            self._compact(conn, version)
        return body

    def _compact(self, conn: sqlite3.Connection, version: int) -> None:
        """Drop the changes beyond `history` or `history_bytes`, then the bodies no
        change refers to any more."""
        self._logged_bytes = 0
        floor = version - self._history
        over = conn.execute(
            "SELECT resource_version FROM (SELECT resource_version,"
            " SUM(size) OVER (ORDER BY resource_version DESC) AS tail FROM changes)"
            " WHERE tail > ? AND resource_version < ?"
            " ORDER BY resource_version DESC LIMIT 1",
            (self._history_bytes, version),
        ).fetchone()
        if over is not None:
            floor = max(floor, int(over[0]))
        if floor <= self._meta(conn, "compacted_through"):
            return
        # An object's latest change holds its status: it stays while the object does.
        conn.execute(
            "DELETE FROM changes WHERE resource_version <= ?"
            " AND resource_version NOT IN (SELECT resource_version FROM objects)",
            (floor,),
        )
        conn.execute(
            "UPDATE meta SET value = max(value, ?) WHERE key = 'compacted_through'", (floor,)
        )
        conn.execute(
            "DELETE FROM specs WHERE NOT EXISTS (SELECT 1 FROM changes c"
            " WHERE c.uid = specs.uid AND c.generation = specs.generation)"
            " AND NOT EXISTS (SELECT 1 FROM objects o"
            " WHERE o.uid = specs.uid AND o.generation = specs.generation)"
        )

    # -- reads ---------------------------------------------------------------------

    @staticmethod
    def _where(
        kind: str, namespace: str | None, label_selector: o.LabelSelector | None
    ) -> tuple[builtins.list[str], builtins.list[str]]:
        o.check_selector(label_selector)
        where, params = ["kind = ?"], [kind]
        if namespace is not None:
            where.append("namespace = ?")
            params.append(namespace)
        for key, value in (label_selector or {}).items():
            # Keys are checked against the label-key grammar, which has no quote.
            if value is None:
                where.append("json_type(labels, ?) IS NOT NULL")
                params.append(f'$."{key}"')
            else:
                where.append("json_extract(labels, ?) = ?")
                params += [f'$."{key}"', value]
        return where, params

    def _read(self, work: Callable[[sqlite3.Connection], T], *, transaction: bool = False) -> T:
        """Run `work`; in one read transaction (a consistent snapshot) when asked."""
        with self._pool.connection() as conn:
            try:
                if not transaction:
                    return work(conn)
                conn.execute("BEGIN")
                try:
                    return work(conn)
                finally:
                    conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise schema.translate(exc, self.path) from exc

    @staticmethod
    def _select(
        conn: sqlite3.Connection, key: o.Key, *, with_head: bool = True, with_body: bool = True
    ) -> tuple[str, str | None, str | None] | None:
        """The object's stored texts: its shell, its body (left out when `with_body` is
        false) and the head of its latest change, which holds the status (left out when
        `with_head` is false)."""
        head = _LATEST_HEAD if with_head else "NULL"
        body = _BODY if with_body else "NULL"
        row = conn.execute(
            f"SELECT o.shell, {body}, {head} FROM objects o"
            " WHERE o.kind = ? AND o.namespace = ? AND o.name = ?",
            key,
        ).fetchone()
        return None if row is None else (str(row[0]), row[1], row[2])

    @staticmethod
    def _exists(conn: sqlite3.Connection, key: o.Key) -> bool:
        row = conn.execute(
            "SELECT 1 FROM objects WHERE kind = ? AND namespace = ? AND name = ?", key
        ).fetchone()
        return row is not None

    @staticmethod
    def _meta(conn: sqlite3.Connection, key: str) -> int:
        (value,) = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return int(value)

    def _check_reachable(self, conn: sqlite3.Connection, after: int) -> None:
        compacted = self._meta(conn, "compacted_through")
        if after < compacted:
            raise Expired(
                f"resourceVersion {after} is too old: changes up to {compacted} were "
                "compacted; list again and watch from the list's resourceVersion"
            )

    # -- watch ---------------------------------------------------------------------

    def _changes_after(
        self, kind: str, namespace: str | None, after: int
    ) -> tuple[builtins.list[tuple[int, str, str, str | None]], int]:
        """Matching changes after `after`, and the version the cursor may move to."""
        query = (
            "SELECT c.resource_version, c.type, c.head, s.body FROM changes c"
            " LEFT JOIN specs s ON s.uid = c.uid AND s.generation = c.generation"
            " WHERE c.resource_version > ? AND c.kind = ?"
            + ("" if namespace is None else " AND c.namespace = ?")
        )
        params: tuple[object, ...] = (
            (after, kind) if namespace is None else (after, kind, namespace)
        )

        def poll(conn: sqlite3.Connection) -> tuple[list[tuple[int, str, str, str | None]], int]:
            self._check_reachable(conn, after)
            head = self._meta(conn, "resource_version")
            rows = conn.execute(
                query + " ORDER BY c.resource_version LIMIT ?", (*params, _WATCH_BATCH)
            ).fetchall()
            # A full batch may have more behind it: move only as far as what was read.
            return rows, (rows[-1][0] if len(rows) == _WATCH_BATCH else head)

        return self._read(poll, transaction=True)

    def _follow(
        self, kind: str, namespace: str | None, after: int, timeout: float
    ) -> Iterator[WatchEvent]:
        deadline = time.monotonic() + timeout
        while not self._pool.closed:
            with self._changed:
                seen = self._writes
            try:
                rows, after = self._changes_after(kind, namespace, after)
            except WorkflowEngineError:
                if self._pool.closed:
                    return
                raise
            if rows:
                for _, type_, head, body in rows:
                    obj = o.join(o.loads(head), o.loads(body) if body is not None else {})
                    yield WatchEvent(type=_event_type(type_), object=obj)
                deadline = time.monotonic() + timeout
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            with self._changed:
                if self._writes == seen:
                    self._changed.wait(min(self._poll, remaining))


def _event_type(value: str) -> WatchEventType:
    if value == "ADDED":
        return "ADDED"
    if value == "MODIFIED":
        return "MODIFIED"
    return "DELETED"
