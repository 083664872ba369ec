"""CronWorkflows as `wf cron ...` manages them: create (linted first), list, get,
delete (with their children, as Kubernetes' owner references would), suspend, resume,
lint, and the next times each fires.

Sits under the CLI beside `templates.py`; the controller's cron loop (`cron.py`) runs
what is stored here.
"""

from __future__ import annotations

from datetime import datetime

from workflow_engine.controller.cron import CRON_KIND
from workflow_engine.controller.operations import delete as delete_workflows
from workflow_engine.controller.resolver import StoreResolver
from workflow_engine.cron import (
    ACTIVE,
    CRON_LABEL,
    STOPPED,
    ScheduleError,
    parse_time,
    schedules_of,
)
from workflow_engine.errors import AlreadyExists, Conflict, NotFound, SpecError, SpecErrors
from workflow_engine.lint import lint_text
from workflow_engine.spec import load_documents
from workflow_engine.store.base import Obj, Store
from workflow_engine.vocabulary import WORKFLOW_KIND

_ATTEMPTS = 10


def lint_crons(store: Store, text: str, source: str) -> list[Obj]:
    """The CronWorkflow documents of `text`, linted; raises SpecErrors listing every
    error, before anything is stored."""
    docs = load_documents(text, source)
    errors = [
        SpecError(
            f"[{i}].kind" if len(docs) > 1 else "kind",
            f"expected CronWorkflow, not {d.get('kind')!r}",
        )
        for i, d in enumerate(docs)
        if d.get("kind") != CRON_KIND
    ]
    if not docs:
        errors.append(SpecError(source, "no document"))
    if not errors:
        errors = list(lint_text(text, source, StoreResolver(store)))
    if errors:
        raise SpecErrors(errors)
    return docs


def create_crons(
    store: Store, text: str, source: str, namespace: str = "default", *, upsert: bool = False
) -> list[Obj]:
    """Lint every document of `text`, then store them (replacing namesakes with
    `upsert`)."""
    created = []
    for doc in lint_crons(store, text, source):
        meta = doc.setdefault("metadata", {})
        meta["namespace"] = meta.get("namespace") or namespace
        doc.pop("status", None)
        try:
            created.append(store.create(doc))
        except AlreadyExists:
            if not upsert:
                raise AlreadyExists(f"CronWorkflow {meta['name']!r} already exists") from None
            current = store.get(CRON_KIND, meta["name"], meta["namespace"])
            meta["resourceVersion"] = current["metadata"]["resourceVersion"]
            created.append(store.update(doc))
    return created


def list_crons(store: Store, namespace: str | None = "default") -> list[Obj]:
    return store.list(CRON_KIND, namespace).items


def get_cron(store: Store, name: str, namespace: str = "default") -> Obj:
    try:
        return store.get(CRON_KIND, name, namespace)
    except NotFound:
        raise NotFound(f"CronWorkflow {name!r} not found") from None


def delete_crons(store: Store, names: list[str], namespace: str = "default") -> list[str]:
    """Delete CronWorkflows and the workflows they started."""
    for name in names:
        get_cron(store, name, namespace)  # all exist, or nothing is deleted
    for name in names:
        store.delete(CRON_KIND, name, namespace)
        children = store.list(WORKFLOW_KIND, namespace, {CRON_LABEL: name}).items
        delete_workflows(store, [c["metadata"]["name"] for c in children], namespace)
    return names


def set_suspend(store: Store, name: str, namespace: str, suspend: bool) -> Obj:
    """`suspend` true stops new runs (running children go on); false resumes, and
    also lifts a stop by the stopStrategy (`status.phase: Stopped`)."""
    for _ in range(_ATTEMPTS):
        obj = get_cron(store, name, namespace)
        spec = {k: v for k, v in obj["spec"].items() if k != "suspend"}
        if suspend:
            spec["suspend"] = True
        try:
            obj = store.update({**obj, "spec": spec})
            status = obj.get("status") or {}
            if not suspend and status.get("phase") == STOPPED:
                obj = store.update_status({**obj, "status": {**status, "phase": ACTIVE}})
            return obj
        except Conflict:
            continue
    raise Conflict(f"CronWorkflow {name!r} kept changing; try again")


def next_run(obj: Obj, now: datetime) -> datetime | None:
    """When it fires next (None: suspended, stopped, or a schedule it cannot use)."""
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    if spec.get("suspend") or status.get("phase") == STOPPED:
        return None
    try:
        anchor = parse_time((obj.get("metadata") or {}).get("creationTimestamp"))
        return schedules_of(spec).next_after(now, anchor)
    except ScheduleError:
        return None


__all__ = [
    "create_crons",
    "delete_crons",
    "get_cron",
    "lint_crons",
    "list_crons",
    "next_run",
    "set_suspend",
]
