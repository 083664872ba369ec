"""`PUT .../set`: Argo's `argo node set` on suspend nodes: supply their output
parameters (what `valueFrom.supplied` waits for), and optionally end them with a phase
(Succeeded or Failed) and a message.

`set_nodes` is pure (a workflow in, a new status out, like the engine's resume);
`set_workflow` applies it with the resourceVersion, redone on Conflict.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from workflow_engine.controller import operations as ops
from workflow_engine.engine.leaf import suspend_outputs
from workflow_engine.engine.ops import matches
from workflow_engine.engine.templates import Scope, TemplateNotFound, Templates, exec_spec
from workflow_engine.errors import Conflict, SpecError
from workflow_engine.spec.models import (
    NodeStatus,
    Outputs,
    Parameter,
    Template,
    Workflow,
    WorkflowStatus,
    WorkflowStep,
)
from workflow_engine.spec.status_codec import nodes_of, status_to_dict
from workflow_engine.store.base import Obj, Store

PHASES = ("Succeeded", "Failed")
_ATTEMPTS = 10


def parse_outputs(text: str | None) -> dict[str, str]:
    """`outputParameters`: a JSON object of parameter name to value."""
    if not text:
        return {}
    try:
        values = json.loads(text)
    except ValueError:
        values = None
    if not isinstance(values, dict):
        raise SpecError("outputParameters", 'expected a JSON object, e.g. {"approve": "YES"}')
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}


def set_nodes(
    wf: Workflow,
    now: datetime,
    selector: str | None,
    phase: str | None,
    message: str | None,
    outputs: dict[str, str],
) -> WorkflowStatus:
    if phase is not None and phase not in PHASES:
        raise SpecError("phase", f"{phase!r}: expected Succeeded or Failed")
    status = wf.status or WorkflowStatus()
    nodes = nodes_of(status)
    spec = exec_spec(wf, status.stored_workflow_template_spec)
    templates = Templates(spec, wf.metadata.namespace or "default", status.stored_templates, None)
    chosen = [
        n
        for n in nodes.values()
        if n.type == "Suspend" and not n.fulfilled and matches(n, selector)
    ]
    if not chosen:
        raise SpecError("nodeFieldSelector", f"{selector!r} selects no running suspend node")
    for node in chosen:
        nodes[node.id] = _set(node, _template(templates, node), now, phase, message, outputs)
    return status.model_copy(update={"nodes": nodes, "compressed_nodes": None})


def _template(templates: Templates, node: NodeStatus) -> Template | None:
    holder = WorkflowStep(template=node.template_name, template_ref=node.template_ref)
    scope = Scope("" if node.template_scope in (None, "local/") else node.template_scope)
    try:
        return templates.resolve(scope, holder)[1]
    except TemplateNotFound:
        return None


def _set(
    node: NodeStatus,
    template: Template | None,
    now: datetime,
    phase: str | None,
    message: str | None,
    values: dict[str, str],
) -> NodeStatus:
    declared = {
        p.name
        for p in ((template.outputs.parameters if template and template.outputs else None) or ())
    }
    unknown = sorted(set(values) - declared)
    if unknown:
        raise SpecError(
            "outputParameters",
            f"node {node.display_name!r} declares no output parameter {unknown[0]!r}",
        )
    current = {p.name: p for p in ((node.outputs.parameters if node.outputs else None) or ())}
    for name, value in values.items():
        current[name] = Parameter(name=name, value=value)
    outputs = Outputs(parameters=list(current.values()) or None)
    if phase is not None and template is not None:
        outputs = suspend_outputs(template, outputs) or outputs
    node = node.with_outputs(outputs)
    if phase is not None:
        return node.with_phase(phase, now, message)  # type: ignore[arg-type]
    return node.with_message(message) if message else node


def set_workflow(store: Store, name: str, namespace: str, now: datetime, **change: Any) -> Obj:
    for _ in range(_ATTEMPTS):
        obj = ops.get_workflow(store, name, namespace)
        status = set_nodes(ops.workflow_model(obj), now, **change)
        try:
            return store.update_status({**obj, "status": status_to_dict(status)})
        except Conflict:
            continue
    raise Conflict(f"workflow {name!r} kept changing; try again")
