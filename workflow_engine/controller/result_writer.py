"""TaskResult writes in a process of their own, beside the embedded controller.

Part of the embedded wiring (controller/embedded.py). The executor's in-process handler
(executor/handler.py) reports each pod's outputs as a TaskResult through the
`ObjectStore` port; in one process with the controller, that write (encoding, the SQLite
transaction, the change log) took about a tenth of the controller's interpreter per pod.
`ResultWriter` is that port over the controller's store: a TaskResult's `create` or
`update` is done by a child process (`python -m workflow_engine.controller.result_writer
DB`) that opens the same SQLite file, so the write runs on another core and holds no
lock the controller needs; reads and every other kind pass straight to the local store.

Each call waits for the child's answer, so a handler returns (and its pod ends) only
once its TaskResult is committed, as before. Requests are JSON lines on the child's
stdin, answers JSON lines on its stdout: `["ok", object]` or `["error", class, message]`,
the store's errors raised again here. The child ends when its stdin closes (the
controller closed it, or died). When the child cannot be reached the write is done
locally, so a lost child costs speed, never a result.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from workflow_engine.errors import (
    AlreadyExists,
    Conflict,
    NotFound,
    PermanentError,
    TransientError,
    WorkflowEngineError,
)
from workflow_engine.store.base import Obj, ObjectList, Store, WatchEvent
from workflow_engine.vocabulary import TASK_RESULT_KIND

log = logging.getLogger(__name__)
_ERRORS: dict[str, type[WorkflowEngineError]] = {
    cls.__name__: cls for cls in (AlreadyExists, Conflict, NotFound, PermanentError, TransientError)
}
_OPS = ("create", "update")
Answer = list[Any]  # ["ok", object] or ["error", class name, message]
CLOSE_PATIENCE = 10.0  # seconds the child may take to finish its last write


class ResultWriter:
    """A Store whose TaskResult writes a child process does (see the module's doc)."""

    def __init__(self, local: Store, db: Path, python: str = sys.executable) -> None:
        self._local = local
        self._lock = threading.Lock()  # one request in flight: answers come in order
        self._child: subprocess.Popen[bytes] | None = subprocess.Popen(
            [python, "-m", __name__, str(db)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
            start_new_session=True,  # a ^C to the controller's group is the controller's
        )

    @property
    def child_pid(self) -> int | None:
        child = self._child
        return None if child is None else child.pid

    def create(self, obj: Obj) -> Obj:
        return self._write("create", obj)

    def update(self, obj: Obj) -> Obj:
        return self._write("update", obj)

    def update_status(self, obj: Obj) -> Obj:
        return self._local.update_status(obj)

    def delete(self, kind: str, name: str, namespace: str = "default") -> None:
        self._local.delete(kind, name, namespace)

    def get(self, kind: str, name: str, namespace: str = "default") -> Obj:
        return self._local.get(kind, name, namespace)

    def list(
        self,
        kind: str,
        namespace: str | None = "default",
        label_selector: Mapping[str, str | None] | None = None,
    ) -> ObjectList:
        return self._local.list(kind, namespace, label_selector)

    def watch(
        self,
        kind: str,
        namespace: str | None = "default",
        resource_version: str | None = None,
        timeout: float = 30.0,
    ) -> Iterator[WatchEvent]:
        return self._local.watch(kind, namespace, resource_version, timeout)

    def close(self) -> None:
        """End the child (after its current write); the local store stays open: its
        owner closes it."""
        with self._lock:
            child, self._child = self._child, None
        if child is not None:
            _end(child)

    def _write(self, op: str, obj: Obj) -> Obj:
        if obj.get("kind") == TASK_RESULT_KIND:
            with self._lock:
                answer = self._ask(op, obj)
            if answer is not None:
                return _answered(answer)
        result: Obj = getattr(self._local, op)(obj)
        return result

    def _ask(self, op: str, obj: Obj) -> Answer | None:
        """The child's answer; None when it cannot be had (the child is then dropped)."""
        child = self._child
        if child is None:
            return None
        assert child.stdin is not None and child.stdout is not None
        try:
            child.stdin.write(json.dumps([op, obj]).encode() + b"\n")
            child.stdin.flush()
            line = child.stdout.readline()
        except OSError:
            line = b""
        if line:
            answer: Answer = json.loads(line)
            return answer
        log.warning("the TaskResult writer (pid %d) is gone; writing them here", child.pid)
        self._child = None
        _end(child)
        return None


def _answered(answer: Answer) -> Obj:
    if answer[0] == "ok":
        obj: Obj = answer[1]
        return obj
    error = _ERRORS.get(answer[1], WorkflowEngineError)
    raise error(answer[2])


def _end(child: subprocess.Popen[bytes]) -> None:
    """Close the child's stdin (it ends after its current write) and reap it."""
    for stream in (child.stdin, child.stdout):
        try:
            if stream is not None:
                stream.close()
        except OSError:
            pass
    try:
        child.wait(CLOSE_PATIENCE)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def serve(store: Store, requests: IO[bytes], answers: IO[bytes]) -> None:
    """The child's loop: one answer per request line, until `requests` ends."""
    for line in requests:
        op, obj = json.loads(line)
        try:
            if op not in _OPS:
                raise PermanentError(f"unknown request {op!r}")
            answer: Answer = ["ok", getattr(store, op)(obj)]
        except WorkflowEngineError as exc:
            answer = ["error", type(exc).__name__, str(exc)]
        answers.write(json.dumps(answer).encode() + b"\n")
        answers.flush()


def main(argv: list[str]) -> int:
    from workflow_engine.store import SqliteStore  # the child's own connection

    store = SqliteStore(argv[0])
    try:
        serve(store, sys.stdin.buffer, sys.stdout.buffer)
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
