"""Pure operations behind the CLI's `retry` and `resume` (stop and terminate are just
`spec.shutdown` set by the caller): they return a new status for the caller to store.
"""

from __future__ import annotations

import re
from datetime import datetime

from workflow_engine.engine.context import is_exit_node
from workflow_engine.engine.leaf import node_pod_name, suspend_outputs
from workflow_engine.engine.templates import (
    Scope,
    TemplateNotFound,
    Templates,
    exec_spec,
)
from workflow_engine.errors import WorkflowEngineError
from workflow_engine.spec.models import NodeStatus, Workflow, WorkflowStatus, WorkflowStep
from workflow_engine.spec.status_codec import nodes_of

_CONTAINERS = frozenset({"Steps", "DAG", "StepGroup", "TaskGroup", "Retry"})
_SELECTOR = re.compile(r"^\s*([\w.]+)\s*(!=|==|=)\s*(.*?)\s*$")


class NotRetryable(WorkflowEngineError):
    """The workflow (or node) is not in a state the operation applies to."""


def matches(node: NodeStatus, selector: str | None) -> bool:
    """Argo's node field selector: `displayName=x,templateName!=y` (also name, id, phase,
    type)."""
    if not selector:
        return True
    for part in selector.split(","):
        found = _SELECTOR.match(part)
        if found is None:
            raise NotRetryable(f"invalid node field selector {part!r}")
        key, op, value = found.groups()
        key = key.removeprefix("status.")
        actual = {
            "displayName": node.display_name,
            "name": node.name,
            "id": node.id,
            "phase": node.phase,
            "type": node.type,
            "templateName": node.template_name or "",
        }.get(key)
        if actual is None and key not in ("templateName",):
            raise NotRetryable(f"unknown node field {key!r}")
        if (actual == value) != (op != "!="):
            return False
    return True


def resume_workflow(
    wf: Workflow, now: datetime, node_name_selector: str | None = None
) -> WorkflowStatus:
    """Mark running suspend nodes (those matching the selector) Succeeded, with their
    declared outputs' defaults. The caller also clears `spec.suspend`."""
    status = wf.status or WorkflowStatus()
    nodes = nodes_of(status)
    spec = exec_spec(wf, status.stored_workflow_template_spec)
    templates = Templates(spec, wf.metadata.namespace or "default", status.stored_templates, None)
    for node_id_, node in list(nodes.items()):
        if node.type != "Suspend" or node.fulfilled or not matches(node, node_name_selector):
            continue
        outputs = node.outputs
        try:
            holder = WorkflowStep(template=node.template_name, template_ref=node.template_ref)
            scope = Scope("" if node.template_scope in (None, "local/") else node.template_scope)
            outputs = suspend_outputs(templates.resolve(scope, holder)[1], node.outputs)
        except TemplateNotFound:
            pass
        nodes[node_id_] = node.with_outputs(outputs).with_phase("Succeeded", now)
    return status.model_copy(update={"nodes": nodes, "compressed_nodes": None})


def retry_workflow(
    wf: Workflow,
    now: datetime,
    node_field_selector: str | None = None,
    restart_successful: bool = False,
) -> tuple[WorkflowStatus, list[str]]:
    """Argo's `argo retry`: failed and errored nodes (and, with `restart_successful`, the
    succeeded ones matching the selector) start again; their ancestors go back to
    Running, succeeded work is kept. Returns the new status and the pods to delete."""
    status = wf.status or WorkflowStatus()
    if status.phase not in ("Failed", "Error"):
        raise NotRetryable(
            f"workflow must be Failed/Error to retry (it is {status.phase or 'new'})"
        )
    nodes = nodes_of(status)
    name = wf.metadata.name or ""
    doomed = {
        node.id
        for node in nodes.values()
        if _restarts(node, node_field_selector, restart_successful)
    }
    doomed_names = [nodes[i].name for i in doomed]
    for node in nodes.values():
        if any(_under(node.name, prefix) for prefix in doomed_names):
            doomed.add(node.id)
    pods = sorted(node_pod_name(name, nodes[i]) for i in doomed if nodes[i].type == "Pod")
    kept: dict[str, NodeStatus] = {}
    doomed_names = [nodes[i].name for i in doomed]
    for node_id_, node in nodes.items():
        if node_id_ in doomed:
            continue
        container = node.type in _CONTAINERS or node_id_ == name
        if container and (
            node.phase in ("Failed", "Error") or any(_under(d, node.name) for d in doomed_names)
        ):
            node = node.model_copy(
                update={
                    "phase": "Running",
                    "message": None,
                    "finished_at": None,
                    "outputs": None,
                }
            )
        if node.children:
            children = [c for c in node.children if c not in doomed]
            node = node.model_copy(update={"children": children or None})
        kept[node_id_] = node
    new = status.model_copy(
        update={
            "phase": "Running",
            "message": None,
            "finished_at": None,
            "nodes": kept,
            "compressed_nodes": None,
        }
    )
    return new, pods


def _restarts(node: NodeStatus, selector: str | None, restart_successful: bool) -> bool:
    if is_exit_node(node) or node.phase == "Omitted":
        return True
    if node.phase in ("Failed", "Error") and node.type not in _CONTAINERS - {"Retry"}:
        return True
    return (
        restart_successful
        and node.phase == "Succeeded"
        and node.type == "Pod"
        and matches(node, selector)
    )


def _under(name: str, prefix: str) -> bool:
    return name != prefix and name.startswith(prefix) and name[len(prefix)] in ".[("
