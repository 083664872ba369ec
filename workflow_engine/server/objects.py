"""The objects the API accepts, checked and stored: workflows, templates, cron
workflows, event bindings.

Sits between the routers and the controller's library functions: a body's object gets
its kind defaulted and its namespace from the URL, is linted with every error at its
field path (a SpecError, so a 400), and only then stored.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from typing import Any

from workflow_engine.controller.resolver import CLUSTER_NAMESPACE, StoreResolver
from workflow_engine.controller.submit import SubmitOptions, parse_parameter, prepare
from workflow_engine.controller.templates import lint_templates
from workflow_engine.errors import NotFound, SpecError, SpecErrors
from workflow_engine.lint import lint_text
from workflow_engine.spec import API_VERSION
from workflow_engine.store.base import Obj, Store

WORKFLOW = "Workflow"
WORKFLOW_TEMPLATE = "WorkflowTemplate"
CLUSTER_WORKFLOW_TEMPLATE = "ClusterWorkflowTemplate"
CRON_WORKFLOW = "CronWorkflow"
EVENT_BINDING = "WorkflowEventBinding"
CRON_LABEL = "workflows.argoproj.io/cron-workflow"


def with_identity(body: Any, field: str, kind: str, namespace: str) -> Obj:
    """A copy of the body's object with kind, apiVersion and namespace set."""
    if not isinstance(body, dict):
        raise SpecError(field, "must be an object")
    doc: Obj = copy.deepcopy(body)
    if doc.setdefault("kind", kind) != kind:
        raise SpecError(f"{field}.kind", f"expected {kind}, not {doc['kind']!r}")
    doc.setdefault("apiVersion", API_VERSION)
    meta = doc.get("metadata")
    if meta is None:
        meta = doc["metadata"] = {}
    if not isinstance(meta, dict):
        raise SpecError(f"{field}.metadata", "must be an object")
    meta["namespace"] = namespace
    return doc


def parameters(texts: list[str] | None, field: str) -> list[tuple[str, str]]:
    result = []
    for index, text in enumerate(texts or []):
        try:
            result.append(parse_parameter(text))
        except SpecError as exc:
            raise SpecError(f"{field}[{index}]", exc.reason) from None
    return result


def prepare_workflow(
    store: Store, doc: Any, namespace: str, now: datetime, options: SubmitOptions | None = None
) -> Obj:
    """A Workflow body, linted and with its overrides: ready for `store.create`."""
    doc = with_identity(doc, "workflow", WORKFLOW, namespace)
    options = options or SubmitOptions(namespace=namespace)
    return prepare(store, json.dumps(doc), "workflow", options, now)[0]


def cron_as_workflow(cron: Obj) -> Obj:
    """The Workflow a CronWorkflow runs (before overrides)."""
    spec = cron.get("spec") or {}
    meta = spec.get("workflowMetadata") or {}
    name = cron["metadata"]["name"]
    return {
        "apiVersion": cron.get("apiVersion", API_VERSION),
        "kind": WORKFLOW,
        "metadata": {
            "generateName": f"{name}-",
            "labels": {**(meta.get("labels") or {}), CRON_LABEL: name},
            "annotations": dict(meta.get("annotations") or {}),
        },
        "spec": copy.deepcopy(spec.get("workflowSpec") or {}),
    }


def lint_template(store: Store, doc: Any, kind: str, namespace: str) -> Obj:
    namespace = CLUSTER_NAMESPACE if kind == CLUSTER_WORKFLOW_TEMPLATE else namespace
    checked = with_identity(doc, "template", kind, namespace)
    lint_templates(store, json.dumps(checked), "template")
    return checked


def lint_object(store: Store, doc: Any, field: str, kind: str, namespace: str) -> Obj:
    """A CronWorkflow or WorkflowEventBinding body, linted."""
    checked = with_identity(doc, field, kind, namespace)
    errors = lint_text(json.dumps(checked), field, StoreResolver(store))
    if errors:
        raise SpecErrors(errors)
    return checked


def replace(store: Store, doc: Obj) -> Obj:
    """PUT: the stored object replaced by `doc` (its resourceVersion, when given, must
    be the stored one; else the stored one is taken). Status is kept."""
    meta = doc["metadata"]
    if not meta.get("name"):
        raise SpecError("metadata.name", "required")
    current = store.get(doc["kind"], meta["name"], meta["namespace"])
    meta.setdefault("resourceVersion", current["metadata"]["resourceVersion"])
    doc.pop("status", None)
    return store.update(doc)


def set_suspended(store: Store, kind: str, name: str, namespace: str, value: bool) -> Obj:
    obj = store.get(kind, name, namespace)
    obj["spec"] = {**obj["spec"], "suspend": value}
    return store.update(obj)


def cluster_view(obj: Obj) -> Obj:
    """A cluster-scoped object as clients expect it: no namespace."""
    meta = {k: v for k, v in obj.get("metadata", {}).items() if k != "namespace"}
    return {**obj, "metadata": meta}


def require(store: Store, kind: str, name: str, namespace: str) -> Obj:
    try:
        return store.get(kind, name, namespace)
    except NotFound:
        where = "" if kind == CLUSTER_WORKFLOW_TEMPLATE else f" in namespace {namespace!r}"
        raise NotFound(f"{kind} {name!r} not found{where}") from None
