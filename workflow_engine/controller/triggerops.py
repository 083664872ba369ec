"""WorkflowTriggers as `wf trigger ...` manages them: create (checked first), list,
get, delete (with the workflows they started), suspend, resume, lint.

Sits under the CLI beside `crons.py`; the controller's trigger loop (`triggers.py`)
polls what is stored here. A trigger is checked by its own rules (one source, its
required fields, `pollInterval`) and by linting the Workflow it would submit, with
errors moved to the trigger's field paths.
"""

from __future__ import annotations

import yaml

from workflow_engine.controller.operations import delete as delete_workflows
from workflow_engine.controller.resolver import StoreResolver
from workflow_engine.cron import (
    TRIGGER_KIND,
    TRIGGER_LABEL,
    TriggerEvent,
    TriggerSpecError,
    poll_interval,
    source_of,
    trigger_child,
)
from workflow_engine.errors import AlreadyExists, Conflict, NotFound, SpecError, SpecErrors
from workflow_engine.lint import lint_text
from workflow_engine.spec import load_documents
from workflow_engine.store.base import Obj, Store
from workflow_engine.vocabulary import WORKFLOW_KIND

_ATTEMPTS = 10
_SAMPLE = TriggerEvent(
    "sample",
    {"commit": "0" * 40, "branch": "main", "repo": "", "key": "k", "etag": "e", "bucket": "b"},
)


def _check(store: Store, doc: Obj, where: str) -> list[SpecError]:
    if doc.get("kind") != TRIGGER_KIND:
        return [SpecError(f"{where}kind", f"expected {TRIGGER_KIND}, not {doc.get('kind')!r}")]
    if not (doc.get("metadata") or {}).get("name"):
        return [SpecError(f"{where}metadata.name", "required")]
    spec = doc.get("spec") or {}
    try:
        source_of(spec)
        poll_interval(spec)
        child = trigger_child(doc, _SAMPLE)
    except TriggerSpecError as exc:
        return [SpecError(f"{where}{exc.path}", str(exc).removeprefix(f"{exc.path} is "))]
    inner = "spec.workflowSpec." if spec.get("workflowSpec") else "spec."
    return [
        SpecError(f"{where}{e.path.replace('spec.', inner, 1)}", e.reason)
        for e in lint_text(yaml.safe_dump(child), "trigger", StoreResolver(store))
        if not e.path.startswith("metadata")
    ]


def lint_triggers(store: Store, text: str, source: str) -> list[Obj]:
    """The WorkflowTrigger documents of `text`, checked; SpecErrors lists every error."""
    docs = load_documents(text, source)
    if not docs:
        raise SpecErrors([SpecError(source, "no document")])
    errors = []
    for index, doc in enumerate(docs):
        errors += _check(store, doc, f"[{index}]." if len(docs) > 1 else "")
    if errors:
        raise SpecErrors(errors)
    return docs


def create_triggers(store: Store, text: str, source: str, namespace: str = "default") -> list[Obj]:
    created = []
    for doc in lint_triggers(store, text, source):
        meta = doc.setdefault("metadata", {})
        meta["namespace"] = meta.get("namespace") or namespace
        doc.pop("status", None)
        try:
            created.append(store.create(doc))
        except AlreadyExists:
            raise AlreadyExists(f"WorkflowTrigger {meta['name']!r} already exists") from None
    return created


def list_triggers(store: Store, namespace: str | None = "default") -> list[Obj]:
    return store.list(TRIGGER_KIND, namespace).items


def get_trigger(store: Store, name: str, namespace: str = "default") -> Obj:
    try:
        return store.get(TRIGGER_KIND, name, namespace)
    except NotFound:
        raise NotFound(f"WorkflowTrigger {name!r} not found") from None


def delete_triggers(store: Store, names: list[str], namespace: str = "default") -> list[str]:
    for name in names:
        get_trigger(store, name, namespace)
    for name in names:
        store.delete(TRIGGER_KIND, name, namespace)
        children = store.list(WORKFLOW_KIND, namespace, {TRIGGER_LABEL: name}).items
        delete_workflows(store, [c["metadata"]["name"] for c in children], namespace)
    return names


def set_suspend(store: Store, name: str, namespace: str, suspend: bool) -> Obj:
    for _ in range(_ATTEMPTS):
        obj = get_trigger(store, name, namespace)
        spec = {k: v for k, v in obj["spec"].items() if k != "suspend"}
        if suspend:
            spec["suspend"] = True
        try:
            return store.update({**obj, "spec": spec})
        except Conflict:
            continue
    raise Conflict(f"WorkflowTrigger {name!r} kept changing; try again")


__all__ = [
    "create_triggers",
    "delete_triggers",
    "get_trigger",
    "lint_triggers",
    "list_triggers",
    "set_suspend",
]
