"""The controller's trigger loop: polls each WorkflowTrigger's source when its
`pollInterval` has passed (on the injected clock), hands what it saw to the pure
`workflow_engine.cron.triggers`, creates one child per new commit/object, then writes
the trigger's status and prunes old children.

A companion of the workflow loop, like the cron loop: an unsuspended trigger keeps the
controller from its idle exit. Observation is I/O at this edge: git through the `git`
program (a bare cache repository per trigger under `cache_dir`, fetched each poll),
S3 through the minio client with credentials from the store's Secrets.
"""

from __future__ import annotations

import logging
import subprocess
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from workflow_engine.artifacts import secret_data
from workflow_engine.controller.clock import Clock
from workflow_engine.controller.operations import delete
from workflow_engine.controller.submit import SubmitOptions, apply_overrides
from workflow_engine.cron import (
    SPEC_ERROR,
    TRIGGER_KIND,
    TRIGGER_LABEL,
    TriggerDecision,
    TriggerSpecError,
    git_decision,
    is_due,
    over_history,
    poll_interval,
    s3_decision,
    source_of,
    trigger_child,
    with_condition,
    without_condition,
)
from workflow_engine.errors import AlreadyExists, Conflict, NotFound, WorkflowEngineError
from workflow_engine.store.base import Obj, Store
from workflow_engine.vocabulary import SECRET_KIND, WORKFLOW_KIND

log = logging.getLogger(__name__)
SOURCE_ERROR = "SourceError"
_MAX_COMMITS = 100
_GIT_TIMEOUT = 120.0

Observer = Callable[[Obj, Obj, datetime], TriggerDecision]


class TriggerLoop:
    """Polls every WorkflowTrigger of `namespace` (None: all) on `clock`."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        cache_dir: Path,
        namespace: str | None = None,
        resync: float = 5.0,
    ) -> None:
        self.store = store
        self.clock = clock
        self.cache_dir = cache_dir
        self.namespace = namespace
        self.resync = resync
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._running = False
        self.ticks = 0
        clock.on_jump(self._wake.set)

    def start(self) -> None:
        self._running = self._any_running(self.store.list(TRIGGER_KIND, self.namespace).items)
        self._thread = threading.Thread(target=self._run, name="wf-triggers", daemon=True)
        self._thread.start()

    def signal_stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self.signal_stop()
        if self._thread is not None:
            self._thread.join(timeout)

    def busy(self) -> bool:
        return self._running

    def on_workflow(self, obj: Obj) -> None:
        """Children's changes need no reaction before the next poll."""

    @staticmethod
    def _any_running(triggers: list[Obj]) -> bool:
        return any(not (t.get("spec") or {}).get("suspend") for t in triggers)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.tick()
            except Exception:
                if self._stop.is_set():
                    return
                log.exception("trigger pass failed; trying again")
            self._wake.wait(self.resync)

    def tick(self) -> None:
        triggers = self.store.list(TRIGGER_KIND, self.namespace).items
        self._running = self._any_running(triggers)
        now = self.clock.now()
        for trigger in triggers:
            spec, status = trigger.get("spec") or {}, trigger.get("status") or {}
            if not spec.get("suspend") and is_due(status, spec, now):
                self._poll(trigger, now)
        self.ticks += 1

    # -- one trigger -----------------------------------------------------------------------

    def _poll(self, trigger: Obj, now: datetime) -> None:
        spec, status = trigger["spec"], trigger.get("status") or {}
        try:
            source = source_of(spec)
            poll_interval(spec)
        except TriggerSpecError as exc:
            self._write(trigger, with_condition(status, SPEC_ERROR, str(exc)))
            return
        status = without_condition(status, SPEC_ERROR)
        try:
            observe = self._observe_git if source == "git" else self._observe_s3
            decision = observe(trigger, status, now)
        except (WorkflowEngineError, OSError, subprocess.SubprocessError, ValueError) as exc:
            log.warning("trigger %s: %s", trigger["metadata"]["name"], exc)
            status = {**status, "lastPollTime": decision_time(now)}
            self._write(trigger, with_condition(status, SOURCE_ERROR, str(exc)))
            return
        for note in decision.notes:
            log.info("trigger %s: %s", trigger["metadata"]["name"], note)
        for event in decision.events:
            self._submit(trigger, trigger_child(trigger, event), now)
        if self._write(trigger, without_condition(decision.status, SOURCE_ERROR)):
            self._prune(trigger)

    def _submit(self, trigger: Obj, doc: Obj, now: datetime) -> None:
        namespace = doc["metadata"]["namespace"]
        doc = apply_overrides(doc, SubmitOptions(namespace=namespace), now)
        try:
            self.store.create(doc)
            log.info(
                "trigger %s submitted %s", trigger["metadata"]["name"], doc["metadata"]["name"]
            )
        except AlreadyExists:
            pass  # this event was handled before a crash or a lost status write

    def _write(self, trigger: Obj, status: Obj) -> bool:
        if status == (trigger.get("status") or {}):
            return True
        try:
            self.store.update_status({**trigger, "status": status})
            return True
        except (Conflict, NotFound):
            return False

    def _prune(self, trigger: Obj) -> None:
        meta = trigger["metadata"]
        namespace = meta.get("namespace") or "default"
        children = self.store.list(WORKFLOW_KIND, namespace, {TRIGGER_LABEL: meta["name"]}).items
        names = over_history(trigger.get("spec") or {}, children)
        if names:
            delete(self.store, list(names), namespace)

    # -- observing -------------------------------------------------------------------------

    def _observe_git(self, trigger: Obj, status: Obj, now: datetime) -> TriggerDecision:
        spec = trigger["spec"]
        meta = trigger["metadata"]
        cache = self.cache_dir / (meta.get("namespace") or "default") / f"{meta['name']}.git"
        branch = spec["git"]["branch"]
        if not (cache / "HEAD").exists():
            cache.parent.mkdir(parents=True, exist_ok=True)
            _git(["init", "--quiet", "--bare", str(cache)])
        ref = f"refs/heads/{branch}"
        _git(["fetch", "--quiet", "--no-tags", spec["git"]["repo"], f"+{ref}:{ref}"], cache)
        head = _git(["rev-parse", ref], cache)
        last = status.get("lastCommit")
        if last and _git(["cat-file", "-t", last], cache, check=False) == "commit":
            listed = _git(["rev-list", "--reverse", "--first-parent", f"{last}..{head}"], cache)
            commits = listed.split()[-_MAX_COMMITS:]
        else:
            commits = [head]  # first poll, or history rewritten: the head alone
        return git_decision(status, spec, commits, now)

    def _observe_s3(self, trigger: Obj, status: Obj, now: datetime) -> TriggerDecision:
        spec = trigger["spec"]
        s3 = spec["s3"]
        namespace = trigger["metadata"].get("namespace") or "default"
        endpoint = str(s3["endpoint"])
        secure = not s3.get("insecure") and not endpoint.startswith("http://")
        from minio import Minio  # on first S3 poll: a fifth of the controller's imports

        client = Minio(
            endpoint.removeprefix("https://").removeprefix("http://"),
            access_key=self._secret(s3.get("accessKeySecret"), namespace),
            secret_key=self._secret(s3.get("secretKeySecret"), namespace),
            secure=secure,
            region=s3.get("region"),
        )
        try:
            listing = client.list_objects(
                s3["bucket"], prefix=s3.get("prefix") or "", recursive=True
            )
            objects = {o.object_name: (o.etag or "") for o in listing if o.object_name}
        except Exception as exc:  # minio raises S3Error, urllib3 errors, ValueError
            raise WorkflowEngineError(f"listing s3://{s3['bucket']}: {exc}") from exc
        return s3_decision(status, spec, objects, now)

    def _secret(self, selector: dict[str, Any] | None, namespace: str) -> str | None:
        if not selector:
            return None
        obj = self.store.get(SECRET_KIND, selector["name"], namespace)
        return secret_data(obj, selector["key"])


def decision_time(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


def _git(args: list[str], cwd: Path | None = None, check: bool = True) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=_GIT_TIMEOUT,
        stdin=subprocess.DEVNULL,  # a credential prompt fails instead of hanging
        check=False,
    )
    if check and done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise WorkflowEngineError(f"git {args[0]}: {last}")
    return done.stdout.strip()


__all__ = ["SOURCE_ERROR", "TriggerLoop"]
