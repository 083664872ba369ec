"""Variables visible to `{{...}}`: the workflow's globals, a template's inputs, and the
outputs of finished steps and tasks (single or aggregated over a loop).

Step and task outputs are looked up lazily (`OutputsScope`), so a long chain of tasks
does not rebuild its ancestors' variables at every node.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any, TypeVar

from workflow_engine.engine.exprs import ExprError, at_field, substitute
from workflow_engine.spec.models import ArgoModel, NodeStatus, Outputs, Workflow, WorkflowSpec
from workflow_engine.spec.models import format_time as rfc3339

_M = TypeVar("_M", bound=ArgoModel)
SKIPPED_PHASES = frozenset({"Skipped", "Omitted"})
_OUTPUT_TAG = re.compile(r"\{\{\s*((steps|tasks)\.([^.\s}]+)\.outputs\.[^\s}]+)\s*\}\}")
_STRFTIME_CHARS = "aAbBcCdDeFgGhHIjklmMnprRsStTuUVwWxXyYzZ"


def global_scope(wf: Workflow, spec: WorkflowSpec, created: datetime) -> dict[str, Any]:
    """Argo's setGlobalParameters."""
    meta = wf.metadata
    scope: dict[str, Any] = {
        "workflow.name": meta.name or "",
        "workflow.namespace": meta.namespace or "default",
        "workflow.uid": meta.uid or "",
        "workflow.mainEntrypoint": spec.entrypoint or "",
        "workflow.serviceAccountName": spec.service_account_name or "",
        "workflow.creationTimestamp": rfc3339(created),
        "workflow.creationTimestamp.RFC3339": rfc3339(created),
    }
    for char in _STRFTIME_CHARS:
        scope[f"workflow.creationTimestamp.{char}"] = created.strftime(f"%{char}")
    if spec.priority is not None:
        scope["workflow.priority"] = str(spec.priority)
    for key, value in (meta.labels or {}).items():
        scope[f"workflow.labels.{key}"] = value
    for key, value in (meta.annotations or {}).items():
        scope[f"workflow.annotations.{key}"] = value
    params = spec.arguments.parameters if spec.arguments else None
    for param in params or ():
        if param.value is not None:
            scope[f"workflow.parameters.{param.name}"] = param.value
    scope["workflow.parameters.json"] = json.dumps(
        [p.to_dict() for p in params or ()], separators=(",", ":")
    )
    return scope


def add_global_outputs(scope: dict[str, Any], outputs: Outputs | None) -> None:
    for param in (outputs.parameters if outputs else None) or ():
        if param.value is not None:
            scope[f"workflow.outputs.parameters.{param.name}"] = param.value
    for art in (outputs.artifacts if outputs else None) or ():
        scope[f"workflow.outputs.artifacts.{art.name}"] = art


def node_vars(prefix: str, node: NodeStatus) -> dict[str, Any]:
    """Argo's buildLocalScope for one node under `steps.<name>` / `tasks.<name>`."""
    out: dict[str, Any] = {f"{prefix}.id": node.id, f"{prefix}.status": node.phase}
    if node.started_at:
        out[f"{prefix}.startedAt"] = rfc3339(node.started_at)
    if node.finished_at:
        out[f"{prefix}.finishedAt"] = rfc3339(node.finished_at)
    if node.pod_ip:
        out[f"{prefix}.ip"] = node.pod_ip
    outputs = node.outputs
    if outputs is None:
        return out
    if outputs.result is not None:
        out[f"{prefix}.outputs.result"] = outputs.result
    if outputs.exit_code is not None:
        out[f"{prefix}.exitCode"] = outputs.exit_code
    for param in outputs.parameters or ():
        if param.value is not None:
            out[f"{prefix}.outputs.parameters.{param.name}"] = param.value
    for art in outputs.artifacts or ():
        out[f"{prefix}.outputs.artifacts.{art.name}"] = art
    return out


def skipped_vars(prefix: str, declared: Outputs | None) -> dict[str, Any]:
    """A skipped or omitted node's outputs, as Argo (v4's addSkippedNodeOutputsToScope)
    gives them: each declared output parameter with a `valueFrom.default` has it."""
    out: dict[str, Any] = {}
    for param in (declared.parameters if declared else None) or ():
        default = param.value_from.default if param.value_from else None
        if default is not None:
            out[f"{prefix}.outputs.parameters.{param.name}"] = default
    return out


def refers_to_skipped_output(value: str | None, scope: Mapping[str, Any]) -> bool:
    """`value` is one `{{steps|tasks.X.outputs...}}` tag that X, skipped or omitted, never
    produced: Argo drops such an argument so the input's own default applies."""
    found = _OUTPUT_TAG.fullmatch(value.strip()) if value else None
    if found is None or found.group(1) in scope:
        return False
    return scope.get(f"{found.group(2)}.{found.group(3)}.status") in SKIPPED_PHASES


def aggregate_vars(prefix: str, nodes: list[NodeStatus]) -> dict[str, Any]:
    """Argo's processAggregateNodeOutputs: loop outputs as JSON lists."""
    param_maps: list[dict[str, str]] = []
    per_param: dict[str, list[str]] = {}
    results: list[Any] = []
    for node in nodes:
        if node.outputs is None or node.phase != "Succeeded" or node.type == "Retry":
            continue
        if node.outputs.parameters:
            entry = {}
            for param in node.outputs.parameters:
                value = param.value or ""
                entry[param.name] = value
                per_param.setdefault(param.name, []).append(value)
            param_maps.append(entry)
        if node.outputs.result is not None:
            results.append(_json_or_string(node.outputs.result))
    out: dict[str, Any] = {
        f"{prefix}.outputs.result": _dumps(results),
        f"{prefix}.outputs.parameters": _dumps(param_maps),
    }
    for name, values in per_param.items():
        parsed = [_json_or_none(v) for v in values]
        listed = parsed if all(p is not _NOT_JSON for p in parsed) else values
        out[f"{prefix}.outputs.parameters.{name}"] = _dumps(listed)
    return out


_NOT_JSON = object()


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return _NOT_JSON


def _json_or_string(text: str) -> Any:
    value = _json_or_none(text)
    return text if value is _NOT_JSON else value


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


class OutputsScope(Mapping[str, Any]):
    """`<prefix>.<name>.…` variables of the steps or tasks of one template, computed on
    first use. `lookup(name)` gives the node and, for a loop, its iterations."""

    def __init__(
        self,
        prefix: str,
        names: Callable[[], list[str]],
        lookup: Callable[[str], tuple[NodeStatus | None, list[NodeStatus] | None]],
        declared: Callable[[str], Outputs | None] | None = None,
    ) -> None:
        self._prefix = prefix
        self._names = names
        self._lookup = lookup
        self._declared = declared
        self._cache: dict[str, dict[str, Any]] = {}

    def _vars(self, name: str) -> dict[str, Any]:
        found = self._cache.get(name)
        if found is None:
            node, loop = self._lookup(name)
            prefix = f"{self._prefix}.{name}"
            found = {}
            if loop is not None:
                found.update(aggregate_vars(prefix, loop))
            if node is not None and node.phase in SKIPPED_PHASES and self._declared:
                found.update(skipped_vars(prefix, self._declared(name)))
            if node is not None:
                found.update(node_vars(prefix, node))
            self._cache[name] = found
        return found

    def __getitem__(self, key: str) -> Any:
        if not key.startswith(self._prefix + "."):
            raise KeyError(key)
        name = key[len(self._prefix) + 1 :].split(".", 1)[0]
        return self._vars(name)[key]

    def __contains__(self, key: object) -> bool:
        try:
            self[key]  # type: ignore[index]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        for name in self._names():
            yield from self._vars(name)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def substitute_value(
    value: Any, scope: Mapping[str, Any], strict: bool, at: str | None = None
) -> Any:
    """Substitute every string inside a JSON-like value; returns the same object when
    nothing changed. With `at` (the value's field path, "" for a whole object), an
    error names the field that failed (`arguments.parameters[0].value: ...`); the path
    is worked out only then, so the common case pays nothing for it."""
    if at is None:
        return _substitute(value, scope, strict)
    try:
        return _substitute(value, scope, strict)
    except ExprError as err:
        path, cause = _failing(value, scope, strict, at)
        raise at_field(path or "value", cause if cause is not None else err) from err


def _substitute(value: Any, scope: Mapping[str, Any], strict: bool) -> Any:
    if isinstance(value, str):
        return substitute(value, scope, strict=strict) if "{{" in value else value
    if isinstance(value, list):
        items = [_substitute(v, scope, strict) for v in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if isinstance(value, dict):
        changed = False
        out = {}
        for k, v in value.items():
            new = _substitute(v, scope, strict)
            changed = changed or new is not v
            out[k] = new
        return out if changed else value
    return value


def _failing(
    value: Any, scope: Mapping[str, Any], strict: bool, at: str
) -> tuple[str, ExprError | None]:
    """The path of the first string of `value` whose substitution fails, and its error."""
    if isinstance(value, str):
        try:
            _substitute(value, scope, strict)
        except ExprError as err:
            return at, err
        return "", None
    if isinstance(value, list):
        items = [(f"{at}[{i}]", item) for i, item in enumerate(value)]
    elif isinstance(value, dict):
        items = [(f"{at}.{k}" if at else str(k), item) for k, item in value.items()]
    else:
        items = []
    for where, item in items:
        path, found = _failing(item, scope, strict, where)
        if found is not None:
            return path, found
    return "", None


def substitute_model(
    model: _M,
    scope: Mapping[str, Any],
    strict: bool,
    skip: tuple[str, ...] = (),
    at: str | None = None,
) -> _M:
    data = model.to_dict()
    kept = {k: data.pop(k) for k in skip if k in data}
    new = substitute_value(data, scope, strict, at)
    if new is data:
        return model
    new.update(kept)
    return type(model).model_validate(new)
