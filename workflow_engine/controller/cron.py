"""The controller's cron loop: lists CronWorkflows and their children, asks the pure
scheduler (`workflow_engine.cron.plan`) what to do at the injected clock's `now`, and
applies each decision once: terminate (Replace), create the child, write the
CronWorkflow's status, delete children past the history limits.

A companion of the workflow loop (`loop.Controller`): started and stopped with it,
woken by its workflow watch when a child changes, by the clock (a test clock's jump),
at the next scheduled time, and every `resync` seconds, when it lists CronWorkflows
again (no watch of its own: every watch re-reads the store on each write, and a new
or changed CronWorkflow loses nothing by waiting a few seconds, see `plan`). While any
CronWorkflow is unsuspended and not Stopped the controller is not idle, so the
on-demand embedded controller keeps the schedule (docs/cron.md).

Exactly once: a child's name is derived from its scheduled time, so a time planned
twice (a crash between the create and the status write, a conflict) creates one
workflow; `checked` (the last time each CronWorkflow was planned) lives in memory,
and after a restart the scheduler's missed-run rule starts at most one run.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import threading
from datetime import datetime

from workflow_engine.controller.clock import Clock
from workflow_engine.controller.operations import OperationError, delete, terminate
from workflow_engine.controller.submit import SubmitOptions, apply_overrides
from workflow_engine.cron import (
    CRON_LABEL,
    STOPPED,
    SUBMISSION_ERROR,
    CronDecision,
    child_workflow,
    plan,
    with_condition,
    without_condition,
)
from workflow_engine.errors import AlreadyExists, Conflict, NotFound, WorkflowEngineError
from workflow_engine.store.base import Obj, Store
from workflow_engine.vocabulary import WORKFLOW_KIND

log = logging.getLogger(__name__)
CRON_KIND = "CronWorkflow"
Key = tuple[str, str]


def schedules_keep_running(obj: Obj) -> bool:
    """Does this CronWorkflow still fire (unsuspended, not Stopped)?"""
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return not spec.get("suspend") and status.get("phase") != STOPPED


class CronLoop:
    """Runs every CronWorkflow of `namespace` (None: all) on `clock`."""

    def __init__(
        self, store: Store, clock: Clock, namespace: str | None = None, resync: float = 5.0
    ) -> None:
        self.store = store
        self.clock = clock
        self.namespace = namespace
        self.resync = resync
        self._checked: dict[Key, datetime] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._running = False
        self.ticks = 0
        clock.on_jump(self._wake.set)

    # -- life cycle (the Controller's companion protocol) ---------------------------------

    def start(self) -> None:
        self._running = self._any_running(self.store.list(CRON_KIND, self.namespace).items)
        thread = threading.Thread(target=self._run, name="wf-cron", daemon=True)
        self._threads.append(thread)
        thread.start()

    def signal_stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self.signal_stop()
        for thread in self._threads:
            thread.join(timeout)

    def busy(self) -> bool:
        """Some CronWorkflow still fires: the controller must not exit idle."""
        return self._running

    def on_workflow(self, obj: Obj) -> None:
        if CRON_LABEL in ((obj.get("metadata") or {}).get("labels") or {}):
            self._wake.set()

    # -- the loop --------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                wake_at = self.tick()
            except Exception:
                if self._stop.is_set():
                    return  # shutting down: the store may be closed already
                log.exception("cron pass failed; trying again")
                wake_at = None
            timeout = self.resync
            if wake_at is not None:
                timeout = min(timeout, max(0.0, (wake_at - self.clock.now()).total_seconds()))
            self._wake.wait(timeout)

    def _any_running(self, crons: list[Obj]) -> bool:
        return any(schedules_keep_running(c) for c in crons)

    def tick(self) -> datetime | None:
        """Plan and apply every CronWorkflow once; returns the earliest next time."""
        crons = self.store.list(CRON_KIND, self.namespace).items
        self._running = self._any_running(crons)
        known = {
            (c["metadata"].get("namespace") or "default", c["metadata"]["name"]) for c in crons
        }
        for key in [k for k in self._checked if k not in known]:
            del self._checked[key]  # deleted: a re-created namesake starts afresh
        wakes = [w for w in (self._one(c) for c in crons) if w is not None]
        self.ticks += 1
        return min(wakes) if wakes else None

    def _one(self, cron: Obj) -> datetime | None:
        meta = cron["metadata"]
        namespace, name = meta.get("namespace") or "default", meta["name"]
        children = self.store.list(WORKFLOW_KIND, namespace, {CRON_LABEL: name}).items
        now = self.clock.now()
        decision = plan(cron, children, now, self._checked.get((namespace, name)))
        if decision.skipped:
            log.info("CronWorkflow %s/%s skipped a run: %s", namespace, name, decision.skipped)
        if self._apply(cron, decision, now):
            self._checked[(namespace, name)] = now
        return decision.wake_at

    def _apply(self, cron: Obj, decision: CronDecision, now: datetime) -> bool:
        """Apply `decision`; False when the status write lost a race (plan again)."""
        namespace = cron["metadata"].get("namespace") or "default"
        for name in decision.stop:
            with contextlib.suppress(NotFound, OperationError):  # already gone or finished
                terminate(self.store, name, namespace)
        status = decision.status
        if decision.submit is not None:
            status = self._submit(cron, decision.submit, status, now)
        if status != (cron.get("status") or {}):
            try:
                self.store.update_status({**cron, "status": status})
            except (Conflict, NotFound):
                return False
        if decision.delete:
            delete(self.store, list(decision.delete), namespace)
        return True

    def _submit(self, cron: Obj, scheduled: datetime, status: Obj, now: datetime) -> Obj:
        namespace = cron["metadata"].get("namespace") or "default"
        doc = child_workflow(cron, scheduled)
        doc = apply_overrides(doc, SubmitOptions(namespace=namespace), now)
        name = doc["metadata"]["name"]
        try:
            created = self.store.create(doc)
        except AlreadyExists:
            log.info("CronWorkflow %s: %s already submitted", cron["metadata"]["name"], name)
            return without_condition(status, SUBMISSION_ERROR)
        except WorkflowEngineError as exc:
            failed = copy.deepcopy(status)
            failed["active"] = [r for r in failed.get("active") or [] if r.get("name") != name]
            failed["lastScheduledTime"] = (cron.get("status") or {}).get("lastScheduledTime")
            if failed["lastScheduledTime"] is None:
                failed.pop("lastScheduledTime")
            return with_condition(failed, SUBMISSION_ERROR, f"Failed to submit Workflow: {exc}")
        log.info("CronWorkflow %s submitted %s", cron["metadata"]["name"], name)
        status = copy.deepcopy(status)
        for ref in status.get("active") or []:
            if ref.get("name") == name:
                ref["uid"] = created["metadata"].get("uid")
        return without_condition(status, SUBMISSION_ERROR)


__all__ = ["CRON_KIND", "CronLoop", "schedules_keep_running"]
