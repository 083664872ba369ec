"""Work the controller does for a node off the reconcile thread (HTTP templates'
requests, data templates' source listings): each task runs in a thread of its own,
at most `MAX_PARALLEL` at once, one per node while it is in flight. Its result is kept
until a decision has recorded it, and the workflow is woken when it arrives, so a slow
server or a large listing never holds a reconcile worker."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from workflow_engine.controller.indexes import WorkflowKey

log = logging.getLogger(__name__)

MAX_PARALLEL = 8  # tasks running at once, across workflows


class BackgroundTasks:
    def __init__(
        self, wake: Callable[[WorkflowKey], None], failed: Callable[[str], object]
    ) -> None:
        self._wake = wake
        self._failed = failed  # the result of a task that raised (a bug)
        self._mutex = threading.Lock()
        self._slots = threading.BoundedSemaphore(MAX_PARALLEL)
        self._in_flight: set[tuple[WorkflowKey, str]] = set()
        self._done: dict[WorkflowKey, dict[str, object]] = {}
        self._forgotten: set[WorkflowKey] = set()

    def start(self, key: WorkflowKey, node_id: str, work: Callable[[], object]) -> None:
        """Run `work` for the node in a thread, unless it is in flight or done already."""
        with self._mutex:
            if (key, node_id) in self._in_flight or node_id in self._done.get(key, {}):
                return
            self._in_flight.add((key, node_id))
            self._forgotten.discard(key)
        thread = threading.Thread(
            target=self._run, args=(key, node_id, work), name=f"wf-task-{node_id}", daemon=True
        )
        thread.start()

    def _run(self, key: WorkflowKey, node_id: str, work: Callable[[], object]) -> None:
        try:
            with self._slots:
                result = work()
        except Exception as exc:  # a bug: still a result, so the node ends
            log.exception("background task of %s/%s failed", *key)
            result = self._failed(f"internal error: {type(exc).__name__}: {exc}")
        with self._mutex:
            self._in_flight.discard((key, node_id))
            if key in self._forgotten:
                return
            self._done.setdefault(key, {})[node_id] = result
        self._wake(key)

    def results(self, key: WorkflowKey) -> dict[str, object]:
        with self._mutex:
            return dict(self._done.get(key, {}))

    def recorded(self, key: WorkflowKey, node_ids: Iterable[str]) -> None:
        """These nodes' results are in the status now: drop them."""
        with self._mutex:
            done = self._done.get(key)
            if not done:
                return
            for node_id in node_ids:
                done.pop(node_id, None)
            if not done:
                del self._done[key]

    def forget(self, key: WorkflowKey) -> None:
        """The workflow is gone: drop its results, and any still to come."""
        with self._mutex:
            self._done.pop(key, None)
            if any(k == key for k, _ in self._in_flight):
                self._forgotten.add(key)
