"""Pure operation behind `wf node set` (Argo's `argo node set`): set a running suspend
node's supplied output parameters, message and phase; returns the new status for the
caller to store, as `ops.resume_workflow` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from workflow_engine.engine.leaf import suspend_outputs
from workflow_engine.engine.ops import NotRetryable, matches
from workflow_engine.engine.templates import Scope, TemplateNotFound, Templates, exec_spec
from workflow_engine.spec.models import (
    NodeStatus,
    Outputs,
    Parameter,
    Template,
    Workflow,
    WorkflowStatus,
    WorkflowStep,
)
from workflow_engine.spec.status_codec import nodes_of

SETTABLE_PHASES = ("Succeeded", "Failed", "Error")


def set_node(
    wf: Workflow,
    now: datetime,
    selector: str,
    *,
    phase: str | None = None,
    message: str | None = None,
    outputs: Mapping[str, str] | None = None,
) -> WorkflowStatus:
    """Apply to every running suspend node `selector` matches; NotRetryable when none
    does, or an output parameter is not declared with `valueFrom.supplied`."""
    if phase is not None and phase not in SETTABLE_PHASES:
        raise NotRetryable(f"phase {phase!r}: expected one of {', '.join(SETTABLE_PHASES)}")
    status = wf.status or WorkflowStatus()
    nodes = nodes_of(status)
    spec = exec_spec(wf, status.stored_workflow_template_spec)
    templates = Templates(spec, wf.metadata.namespace or "default", status.stored_templates, None)
    hit = False
    for node_id, node in list(nodes.items()):
        if node.type != "Suspend" or node.fulfilled or not matches(node, selector):
            continue
        hit = True
        template = _template(templates, node)
        updated = node
        if outputs:
            updated = updated.with_outputs(_supplied(template, node, outputs))
        if message is not None:
            updated = updated.with_message(message)
        if phase == "Succeeded":
            declared = suspend_outputs(template, updated.outputs) if template else None
            updated = updated.with_outputs(declared or updated.outputs)
        if phase is not None:
            updated = updated.with_phase(phase, now, message)  # type: ignore[arg-type]
        nodes[node_id] = updated
    if not hit:
        raise NotRetryable(f"no running suspend node matches {selector!r}")
    return status.model_copy(update={"nodes": nodes, "compressed_nodes": None})


def _template(templates: Templates, node: NodeStatus) -> Template | None:
    try:
        holder = WorkflowStep(template=node.template_name, template_ref=node.template_ref)
        scope = Scope("" if node.template_scope in (None, "local/") else node.template_scope)
        return templates.resolve(scope, holder)[1]
    except TemplateNotFound:
        return None


def _supplied(template: Template | None, node: NodeStatus, values: Mapping[str, str]) -> Outputs:
    """The node's outputs with `values` set; each must be declared `valueFrom.supplied`."""
    declared = {
        p.name: p
        for p in (template.outputs.parameters if template and template.outputs else None) or ()
    }
    current = {p.name: p for p in (node.outputs.parameters if node.outputs else None) or ()}
    for name, value in values.items():
        param = declared.get(name)
        if param is None:
            raise NotRetryable(f"node {node.display_name!r} has no output parameter {name!r}")
        if param.value_from is None or param.value_from.supplied is None:
            raise NotRetryable(
                f"output parameter {name!r} of node {node.display_name!r} is not "
                "`valueFrom.supplied`, so it cannot be set"
            )
        current[name] = Parameter(name=name, value=value, global_name=param.global_name)
    base = node.outputs or Outputs()
    return base.model_copy(update={"parameters": list(current.values())})
