"""WorkflowEventBindings: which bindings an event selects, and the Workflow each one
submits, as Argo's event dispatch does it.

Pure: from a binding (a stored object) and an event (payload, discriminator,
namespace, headers) to a `Submission` (template, name, labels, parameters). The
expression environment is Argo's: `payload` (the JSON body), `discriminator`,
`namespace`, and `metadata` (only `X-` headers, names lower-cased, values lists of
strings; Authorization and other headers are never exposed).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from workflow_engine.errors import SpecError
from workflow_engine.expr import ExprError, evaluate, evaluate_bool

BINDING_LABEL = "workflows.argoproj.io/workflow-event-binding"
Obj = dict[str, Any]


class BindingError(SpecError):
    """This binding cannot dispatch this event (other bindings still do)."""


@dataclass(frozen=True)
class Submission:
    binding: str
    template: str
    cluster_scope: bool
    name: str | None = None
    generate_name: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    parameters: list[tuple[str, str]] = field(default_factory=list)


def environment(
    payload: Any, discriminator: str, namespace: str, headers: Iterable[tuple[str, str]]
) -> Obj:
    metadata: dict[str, list[str]] = {}
    for name, value in headers:
        key = name.lower()
        if key.startswith("x-"):
            metadata.setdefault(key, []).append(value)
    return {
        "payload": payload,
        "discriminator": discriminator,
        "namespace": namespace,
        "metadata": metadata,
    }


def selects(binding: Obj, env: Obj) -> bool:
    """Does the binding's `spec.event.selector` hold for this event? Raises
    BindingError for a selector that does not parse or give a boolean."""
    selector = ((binding.get("spec") or {}).get("event") or {}).get("selector")
    if not isinstance(selector, str) or not selector.strip():
        raise BindingError("spec.event.selector", "required")
    try:
        return evaluate_bool(selector, env)
    except ExprError as exc:
        raise BindingError("spec.event.selector", str(exc)) from None


def submission(binding: Obj, env: Obj) -> Submission | None:
    """What a selected binding submits (None: it has no `spec.submit`)."""
    submit = (binding.get("spec") or {}).get("submit")
    if not submit:
        return None
    ref = submit.get("workflowTemplateRef") or {}
    if not ref.get("name"):
        raise BindingError("spec.submit.workflowTemplateRef.name", "required")
    meta = submit.get("metadata") or {}
    name = binding["metadata"]["name"]
    labels = {
        k: _string(v, env, f"spec.submit.metadata.labels.{k}")
        for k, v in (meta.get("labels") or {}).items()
    }
    labels[BINDING_LABEL] = name
    return Submission(
        binding=name,
        template=ref["name"],
        cluster_scope=bool(ref.get("clusterScope")),
        name=_string(meta["name"], env, "spec.submit.metadata.name") if meta.get("name") else None,
        generate_name=(
            _string(meta["generateName"], env, "spec.submit.metadata.generateName")
            if meta.get("generateName")
            else None
        ),
        labels=labels,
        parameters=list(_parameters(submit, env)),
    )


def _string(source: Any, env: Obj, where: str) -> str:
    """A metadata field: an expression that must give a string."""
    value = _evaluate(source, env, where)
    if not isinstance(value, str):
        raise BindingError(where, f"expression gave {type(value).__name__}, not a string")
    return value


def _evaluate(source: Any, env: Obj, where: str) -> Any:
    if not isinstance(source, str):
        raise BindingError(where, "must be an expression (a string)")
    try:
        return evaluate(source, env)
    except ExprError as exc:
        raise BindingError(where, str(exc)) from None


def _parameters(submit: Obj, env: Obj) -> Iterable[tuple[str, str]]:
    params = (submit.get("arguments") or {}).get("parameters") or []
    for index, param in enumerate(params):
        where = f"spec.submit.arguments.parameters[{index}]"
        source = (param.get("valueFrom") or {}).get("event")
        if not source:
            raise BindingError(f"{where}.valueFrom.event", "required")
        value = _evaluate(source, env, f"{where}.valueFrom.event")
        yield param["name"], _as_parameter(value)


def _as_parameter(value: Any) -> str:
    """Argo marshals the value as JSON; a string comes out as its text."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), sort_keys=False)
