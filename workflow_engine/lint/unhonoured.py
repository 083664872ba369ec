"""Fields lint accepts (they are Argo's) but the engine does not honour yet: warnings.

Part of lint, beside the error checks. A document that sets one of these fields is
valid, and runs, but the field has no effect (or its template cannot run), so
`wf lint` and `wf submit` say so instead of ignoring it silently. The table is the
one place to edit when a feature lands: one entry per line, (where, field, why).

`where` says whose field it is: `workflow` (a workflow spec: a Workflow's, a
template's, a CronWorkflow's `workflowSpec`), `template` (every template, inline
ones and `templateDefaults` included) or `container` (a template's container,
script, init containers, sidecars and containerSet containers).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from workflow_engine.errors import SpecWarning

Where = Literal["workflow", "template", "container"]


@dataclass(frozen=True)
class Unhonoured:
    where: Where
    field: str
    why: str


_EMBEDDED = "embedded mode runs no probes or hooks"
# honoured on Kubernetes (controller/spec_warnings.py leaves it out there)
_PDB = "embedded mode evicts no pods; the Kubernetes controller makes it"

UNHONOURED: tuple[Unhonoured, ...] = (
    Unhonoured("workflow", "podDisruptionBudget", _PDB),
    Unhonoured("container", "livenessProbe", _EMBEDDED),
    Unhonoured("container", "readinessProbe", _EMBEDDED),
    Unhonoured("container", "startupProbe", _EMBEDDED),
    Unhonoured("container", "lifecycle", _EMBEDDED),
)

_SPEC_PATHS = {
    "Workflow": ("spec",),
    "WorkflowTemplate": ("spec",),
    "ClusterWorkflowTemplate": ("spec",),
    "CronWorkflow": ("spec", "workflowSpec"),
}
_CONTAINER_LISTS = ("initContainers", "sidecars")


def unhonoured_warnings(doc: Mapping[str, Any], prefix: str = "") -> list[SpecWarning]:
    """A warning for every field of `doc` (a document as loaded) in `UNHONOURED`."""
    spec_path = _SPEC_PATHS.get(str(doc.get("kind")))
    if spec_path is None:
        return []
    spec: Any = doc
    for key in spec_path:
        spec = spec.get(key) if isinstance(spec, Mapping) else None
    if not isinstance(spec, Mapping):
        return []
    where = ".".join(spec_path)
    path = f"{prefix}.{where}" if prefix else where
    return [
        SpecWarning(at, f"{entry.field} is accepted but not honoured ({entry.why})")
        for at, entry in _found(spec, path)
    ]


def _found(spec: Mapping[str, Any], path: str) -> Iterator[tuple[str, Unhonoured]]:
    yield from _fields(spec, path, "workflow")
    for tpath, template in _templates(spec, path):
        yield from _fields(template, tpath, "template")
        for cpath, container in _containers(template, tpath):
            yield from _fields(container, cpath, "container")


def _fields(obj: Mapping[str, Any], path: str, where: Where) -> Iterator[tuple[str, Unhonoured]]:
    for entry in UNHONOURED:
        if entry.where == where and obj.get(entry.field) is not None:
            yield path, entry


def _templates(spec: Mapping[str, Any], path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    defaults = spec.get("templateDefaults")
    if isinstance(defaults, Mapping):
        yield from _with_inline(defaults, f"{path}.templateDefaults")
    for index, template in enumerate(_list(spec.get("templates"))):
        if isinstance(template, Mapping):
            yield from _with_inline(template, f"{path}.templates[{index}]")


def _with_inline(template: Mapping[str, Any], path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The template and the `inline` templates of its steps and tasks, at any depth."""
    yield path, template
    for gi, group in enumerate(_list(template.get("steps"))):
        for si, step in enumerate(_list(group)):
            yield from _inline_of(step, f"{path}.steps[{gi}][{si}]")
    dag = template.get("dag")
    tasks = dag.get("tasks") if isinstance(dag, Mapping) else None
    for ti, task in enumerate(_list(tasks)):
        yield from _inline_of(task, f"{path}.dag.tasks[{ti}]")


def _inline_of(call: Any, path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    inline = call.get("inline") if isinstance(call, Mapping) else None
    if isinstance(inline, Mapping):
        yield from _with_inline(inline, f"{path}.inline")


def _containers(template: Mapping[str, Any], path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for key in ("container", "script"):
        if isinstance(template.get(key), Mapping):
            yield f"{path}.{key}", template[key]
    for key in _CONTAINER_LISTS:
        for index, item in enumerate(_list(template.get(key))):
            if isinstance(item, Mapping):
                yield f"{path}.{key}[{index}]", item
    cset = template.get("containerSet")
    items = cset.get("containers") if isinstance(cset, Mapping) else None
    for index, item in enumerate(_list(items)):
        if isinstance(item, Mapping):
            yield f"{path}.containerSet.containers[{index}]", item


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
