"""Submitting workflows: a document (or `workflowtemplate/NAME`) plus the command
line's overrides -> linted -> stored.

Sits under the CLI's `wf submit` and `wf resubmit`. Everything is checked before
anything is written: YAML syntax, structure, references (through a resolver over the
store's templates), parameters; any error raises `SpecErrors` listing all of them and
nothing is stored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from workflow_engine.controller.names import SUBMITTED_AT
from workflow_engine.controller.resolver import (
    CLUSTER_NAMESPACE,
    StoreResolver,
)
from workflow_engine.cron import child_workflow
from workflow_engine.errors import NotFound, SpecError, SpecErrors, SpecWarning
from workflow_engine.lint import document_warnings, lint_documents, structural_errors
from workflow_engine.spec import API_VERSION, load_documents
from workflow_engine.spec.limits import DEFAULT_LIMITS, DocumentLimits
from workflow_engine.store.base import Obj, Store
from workflow_engine.vocabulary import CLUSTER_WORKFLOW_TEMPLATE_KIND as CLUSTER_WORKFLOW_TEMPLATE
from workflow_engine.vocabulary import WORKFLOW_KIND
from workflow_engine.vocabulary import WORKFLOW_TEMPLATE_KIND as WORKFLOW_TEMPLATE

TEMPLATE_LABEL = "workflows.argoproj.io/workflow-template"
CLUSTER_TEMPLATE_LABEL = "workflows.argoproj.io/cluster-workflow-template"
CRON_WORKFLOW = "CronWorkflow"
_FROM_KINDS = {
    "cronwf": CRON_WORKFLOW,
    "cronworkflow": CRON_WORKFLOW,
    "workflowtemplate": WORKFLOW_TEMPLATE,
    "wftmpl": WORKFLOW_TEMPLATE,
    "clusterworkflowtemplate": CLUSTER_WORKFLOW_TEMPLATE,
    "cwftmpl": CLUSTER_WORKFLOW_TEMPLATE,
}


@dataclass(frozen=True)
class SubmitOptions:
    parameters: Sequence[tuple[str, str]] = ()  # -p, in order (later wins)
    parameter_file: Mapping[str, Any] = field(default_factory=dict)
    entrypoint: str | None = None
    name: str | None = None
    generate_name: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    namespace: str = "default"


def parse_parameter(text: str) -> tuple[str, str]:
    """`-p name=value` (the value may contain `=`)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise SpecError("-p", f"{text!r}: expected NAME=VALUE")
    return name.strip(), value


def parameter_file_values(
    text: str, source: str, limits: DocumentLimits = DEFAULT_LIMITS
) -> dict[str, Any]:
    """A YAML or JSON mapping of parameter names to values."""
    docs = load_documents(text, source, limits)
    if len(docs) != 1:
        raise SpecError(source, "a parameter file holds one mapping of name: value")
    return {str(k): v for k, v in docs[0].items()}


def _value(value: Any) -> str:
    """A parameter file's value as Argo's AnyString reads it: JSON for non-strings."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else json.dumps(value, separators=(",", ":"))


def apply_overrides(doc: Obj, options: SubmitOptions, now: datetime) -> Obj:
    """A copy of the Workflow `doc` with the command line's overrides applied. Only the
    mappings and lists on the paths it changes are copied (`doc` is left as it was):
    a deep copy of a big spec cost a second."""
    doc = dict(doc)
    # Structure was checked first (`structural_errors`), but `metadata: null` is valid.
    meta = doc["metadata"] = dict(_mapping(doc.get("metadata")))
    spec = doc["spec"] = dict(_mapping(doc.get("spec")))
    if options.name:
        meta["name"] = options.name
        meta.pop("generateName", None)
    elif options.generate_name:
        meta["generateName"] = options.generate_name
        meta.pop("name", None)
    meta["namespace"] = meta.get("namespace") or options.namespace
    if options.labels:
        meta["labels"] = {**_mapping(meta.get("labels")), **options.labels}
    meta["annotations"] = {
        **_mapping(meta.get("annotations")),
        SUBMITTED_AT: now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    if options.entrypoint:
        spec["entrypoint"] = options.entrypoint
    overrides = [(k, _value(v)) for k, v in options.parameter_file.items()]
    overrides += list(options.parameters)
    if overrides:
        arguments = spec["arguments"] = dict(_mapping(spec.get("arguments")))
        params = arguments.get("parameters")
        params = arguments["parameters"] = [
            dict(p) if isinstance(p, dict) else p
            for p in (params if isinstance(params, list) else [])
        ]
        for name, value in overrides:
            for param in params:
                if isinstance(param, dict) and param.get("name") == name:
                    param["value"] = value
                    param.pop("valueFrom", None)
                    break
            else:
                params.append({"name": name, "value": value})
    return doc


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def missing_values(
    doc: Obj, inherited: list[Any] | None = None, prefix: str = ""
) -> list[SpecError]:
    """Workflow arguments that nothing gives a value (Argo refuses these at submit)."""
    own = _mapping(_mapping(doc.get("spec")).get("arguments")).get("parameters")
    own = own if isinstance(own, list) else []
    given = {
        p.get("name") for p in own if isinstance(p, dict) and ("value" in p or "valueFrom" in p)
    }
    errors = []
    for index, param in enumerate(own):
        if isinstance(param, dict) and param.get("name") not in given:
            errors.append(
                SpecError(
                    f"{prefix}spec.arguments.parameters[{index}].value",
                    f"parameter {param.get('name')!r} has no value: "
                    f"pass -p {param.get('name')}=VALUE",
                )
            )
    for param in inherited or []:
        name = param.get("name") if isinstance(param, dict) else None
        if name and name not in given and "value" not in param and "valueFrom" not in param:
            errors.append(
                SpecError(
                    f"{prefix}spec.arguments.parameters",
                    f"parameter {name!r} of the template has no value: pass -p {name}=VALUE",
                )
            )
    return errors


def _lint(store: Store, docs: list[Obj], source: str, inherited: list[Any] | None = None) -> None:
    errors = lint_documents(docs, source, StoreResolver(store))
    for index, doc in enumerate(docs):
        errors += missing_values(doc, inherited, f"[{index}]." if len(docs) > 1 else "")
    if errors:
        raise SpecErrors(errors)


def prepare(
    store: Store,
    text: str,
    source: str,
    options: SubmitOptions,
    now: datetime,
    limits: DocumentLimits = DEFAULT_LIMITS,
) -> list[Obj]:
    """The Workflow documents of `text` with overrides, linted; nothing is stored. The
    text is parsed once; its structure is checked before the overrides touch it."""
    return _prepare(store, text, source, options, now, limits)[0]


def _prepare(
    store: Store,
    text: str,
    source: str,
    options: SubmitOptions,
    now: datetime,
    limits: DocumentLimits,
) -> tuple[list[Obj], list[SpecWarning]]:
    """`prepare`, and the warnings of the documents as written (`lint_warnings`'s)."""
    docs = load_documents(text, source, limits)
    if not docs:
        raise SpecErrors([SpecError(source, "no document to submit")])
    errors = []
    for index, doc in enumerate(docs):
        if doc.get("kind") != WORKFLOW_KIND:
            where = f"[{index}].kind" if len(docs) > 1 else "kind"
            errors.append(
                SpecError(
                    where,
                    f"wf submit takes Workflow documents, not {doc.get('kind')!r} "
                    "(use `wf template create` for templates)",
                )
            )
    if errors:
        raise SpecErrors(errors)
    if len(docs) > 1 and options.name:
        raise SpecErrors([SpecError("--name", "cannot name several workflows at once")])
    errors = structural_errors(docs)
    if errors:
        raise SpecErrors(errors)
    warnings = document_warnings(docs)  # before anything reads the documents
    prepared = [apply_overrides(doc, options, now) for doc in docs]
    _lint(store, prepared, source)
    return prepared, warnings


def submit_text(
    store: Store,
    text: str,
    source: str,
    options: SubmitOptions,
    now: datetime,
    limits: DocumentLimits = DEFAULT_LIMITS,
) -> list[Obj]:
    """Lint then store every Workflow of `text`; returns the stored objects."""
    return submit_text_warned(store, text, source, options, now, limits)[0]


def submit_text_warned(
    store: Store,
    text: str,
    source: str,
    options: SubmitOptions,
    now: datetime,
    limits: DocumentLimits = DEFAULT_LIMITS,
) -> tuple[list[Obj], list[SpecWarning]]:
    """`submit_text`, and the text's warnings (`lint_warnings`) from the same parse: a
    second parse of a big document cost as much as the rest of the submit."""
    prepared, warnings = _prepare(store, text, source, options, now, limits)
    return [store.create(doc) for doc in prepared], warnings


def from_reference(reference: str) -> tuple[str, str]:
    """`workflowtemplate/NAME`, `clusterworkflowtemplate/NAME` or `cronwf/NAME` ->
    (kind, name)."""
    kind, sep, name = reference.partition("/")
    if not sep or kind.lower() not in _FROM_KINDS or not name:
        raise SpecErrors(
            [
                SpecError(
                    "--from",
                    f"{reference!r}: expected workflowtemplate/NAME, "
                    "clusterworkflowtemplate/NAME or cronwf/NAME",
                )
            ]
        )
    return _FROM_KINDS[kind.lower()], name


def submit_from(store: Store, reference: str, options: SubmitOptions, now: datetime) -> Obj:
    """A new Workflow that runs a stored (Cluster)WorkflowTemplate, or that a stored
    CronWorkflow would start (labelled with it, as its scheduled children are)."""
    kind, name = from_reference(reference)
    if kind == CRON_WORKFLOW:
        return _submit_from_cron(store, name, reference, options, now)
    cluster = kind == CLUSTER_WORKFLOW_TEMPLATE
    try:
        template = store.get(kind, name, CLUSTER_NAMESPACE if cluster else options.namespace)
    except NotFound:
        raise SpecErrors([SpecError("--from", f"{kind} {name!r} not found")]) from None
    labels = {CLUSTER_TEMPLATE_LABEL if cluster else TEMPLATE_LABEL: name}
    labels.update((template.get("spec", {}).get("workflowMetadata") or {}).get("labels") or {})
    ref: dict[str, Any] = {"name": name}
    if cluster:
        ref["clusterScope"] = True
    doc: Obj = {
        "apiVersion": API_VERSION,
        "kind": WORKFLOW_KIND,
        "metadata": {"generateName": f"{name}-", "labels": labels},
        "spec": {"workflowTemplateRef": ref},
    }
    doc = apply_overrides(doc, options, now)
    inherited = ((template.get("spec") or {}).get("arguments") or {}).get("parameters") or []
    _lint(store, [doc], reference, inherited)
    return store.create(doc)


def _submit_from_cron(
    store: Store, name: str, reference: str, options: SubmitOptions, now: datetime
) -> Obj:
    try:
        cron = store.get(CRON_WORKFLOW, name, options.namespace)
    except NotFound:
        raise SpecErrors([SpecError("--from", f"CronWorkflow {name!r} not found")]) from None
    doc = apply_overrides(child_workflow(cron, None), options, now)
    _lint(store, [doc], reference)
    return store.create(doc)


def resubmit_object(store: Store, old: Obj, now: datetime) -> Obj:
    """A new workflow from `old`'s spec (Argo's resubmit: name `<old>-xxxxx`)."""
    meta = old["metadata"]
    labels = {
        k: v
        for k, v in (meta.get("labels") or {}).items()
        if not k.startswith("workflows.argoproj.io/") or k in (TEMPLATE_LABEL,)
    }
    labels["workflows.argoproj.io/resubmitted-from-workflow"] = meta["name"]
    doc: Obj = {
        "apiVersion": old.get("apiVersion", API_VERSION),
        "kind": WORKFLOW_KIND,
        "metadata": {
            "generateName": f"{meta['name']}-",
            "namespace": meta.get("namespace") or "default",
            "labels": labels,
        },
        "spec": {k: v for k, v in old["spec"].items() if k not in ("shutdown", "suspend")},
    }
    return store.create(
        apply_overrides(doc, SubmitOptions(namespace=doc["metadata"]["namespace"]), now)
    )
