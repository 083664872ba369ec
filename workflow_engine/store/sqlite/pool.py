"""A small pool of SQLite connections for one store, shared by its threads.

Sits under `sqlite/store.py`. A connection is borrowed for one short
transaction and handed back, so any number of threads share a few
connections, threads that end leak nothing, and `close` reaches them all. A
pool inherited through `fork` starts afresh: SQLite connections must not cross
processes.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from workflow_engine.errors import PermanentError


class Pool:
    def __init__(self, open_connection: Callable[[], sqlite3.Connection], name: str) -> None:
        self._open = open_connection
        self._name = name
        self._lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._pid = os.getpid()
        self._closed = False

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        conn = self._take()
        try:
            yield conn
        finally:
            self._give_back(conn)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def _take(self) -> sqlite3.Connection:
        with self._lock:
            if self._closed:
                raise PermanentError(f"store {self._name} is closed")
            if self._pid != os.getpid():
                # Forked: the parent's connections belong to the parent; never touch them.
                self._pid, self._idle = os.getpid(), []
            if self._idle:
                return self._idle.pop()
        return self._open()

    def _give_back(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            if not self._closed and self._pid == os.getpid() and not conn.in_transaction:
                self._idle.append(conn)
                return
        conn.close()
