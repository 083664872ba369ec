"""Leaf nodes: pods (container, script, resource, data templates) and suspend nodes.

A pod node is created Pending together with a CreatePod action carrying the fully
substituted template; while the pod is not observed the action is repeated (creating
a pod twice is harmless), so a crash between writing the status and creating the pod
loses nothing.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

from workflow_engine.engine.context import Ctx, Opts, is_exit_node
from workflow_engine.engine.decision import CreatePod
from workflow_engine.engine.durations import BadDuration, parse_duration
from workflow_engine.engine.exprs import ExprError
from workflow_engine.engine.layers import layered
from workflow_engine.engine.naming import pod_name
from workflow_engine.engine.nodes import ensure_node, error_node
from workflow_engine.engine.scope import substitute_model, substitute_value
from workflow_engine.engine.templates import Holder, Scope
from workflow_engine.spec.models import Inputs, NodeStatus, Outputs, Parameter, Template
from workflow_engine.spec.status import FULFILLED_PHASES


def pod_template_name(holder: Holder | None, template: Template | None) -> str | None:
    """Argo's GetTemplateFromNode: the referenced template's name."""
    if holder is not None:
        if holder.template_ref is not None:
            return holder.template_ref.template
        if holder.template:
            return holder.template
    return template.name if template is not None else None


def node_pod_name(workflow_name: str, node: NodeStatus) -> str:
    template = node.template_ref.template if node.template_ref else node.template_name
    return pod_name(workflow_name, node.name, template, node.id)


def template_deadline_seconds(template: Template, include_ads: bool = True) -> float | None:
    """The shorter of a template's activeDeadlineSeconds and timeout, in seconds."""
    limits = []
    if include_ads and template.active_deadline_seconds is not None:
        with contextlib.suppress(BadDuration):
            limits.append(parse_duration(template.active_deadline_seconds))
    if template.timeout:
        with contextlib.suppress(BadDuration):
            limits.append(parse_duration(template.timeout))
    return min(limits) if limits else None


def pod_deadline(ctx: Ctx, node: NodeStatus, template: Template) -> datetime | None:
    candidates = []
    seconds = template_deadline_seconds(template)
    if seconds is not None and node.started_at is not None:
        candidates.append(node.started_at + timedelta(seconds=seconds))
    if ctx.deadline is not None and not is_exit_node(node):
        candidates.append(ctx.deadline)
    return min(candidates) if candidates else None


def _local_vars(pod: str, node_name: str, template: Template, opts: Opts) -> dict[str, Any]:
    local: dict[str, Any] = {"pod.name": pod, "node.name": node_name}
    if opts.retries is not None:
        local["retries"] = str(opts.retries)
    outputs = template.outputs
    for param in (outputs.parameters if outputs else None) or ():
        if param.value_from is not None and param.value_from.path:
            local[f"outputs.parameters.{param.name}.path"] = param.value_from.path
    for art in (outputs.artifacts if outputs else None) or ():
        if art.path:
            local[f"outputs.artifacts.{art.name}.path"] = art.path
    return local


def execute_pod(
    ctx: Ctx,
    node_name: str,
    holder: Holder,
    tscope: Scope,
    template: Template,
    inputs: Inputs | None,
    input_scope: dict[str, Any],
    opts: Opts,
) -> NodeStatus:
    run = ctx.run
    node = run.by_name(node_name)
    node_key = node.id if node is not None else run.id_of(node_name)
    pod = pod_name(ctx.name, node_name, pod_template_name(holder, template), node_key)
    if node is not None and (
        node.phase in FULFILLED_PHASES or node.phase != "Pending" or pod in ctx.observed.pods
    ):
        return node
    scope = layered(_local_vars(pod, node_name, template, opts), input_scope, ctx.globals)
    try:
        # metrics are substituted when the node ends ({{status}}...): engine/metrics.py
        final = substitute_model(template, scope, strict=True, skip=("inputs", "metrics"), at="")
    except (ExprError, ValueError) as err:
        return error_node(ctx, node, node_name, holder, tscope, opts, str(err))
    if inputs is not None:
        final = final.model_copy(update={"inputs": inputs})
    if node is None:
        node = ensure_node(ctx, node_name, "Pod", "Pending", holder, tscope, opts, inputs)
    deadline = pod_deadline(ctx, node, final)
    run.actions.append(
        CreatePod(
            node_id=node.id, node_name=node_name, pod_name=pod, template=final, deadline=deadline
        )
    )
    if deadline is not None:
        run.requeue((deadline - ctx.now).total_seconds())
    return node


def execute_suspend(
    ctx: Ctx,
    node_name: str,
    holder: Holder,
    tscope: Scope,
    template: Template,
    inputs: Inputs | None,
    input_scope: dict[str, Any],
    opts: Opts,
) -> NodeStatus:
    """A suspend node runs until resumed, or until its `duration` has passed."""
    run = ctx.run
    node = ensure_node(ctx, node_name, "Suspend", "Running", holder, tscope, opts, inputs)
    if node.phase in FULFILLED_PHASES:
        return node
    duration = template.suspend.duration if template.suspend else None
    if not duration or node.started_at is None:
        return node
    try:
        seconds = parse_duration(
            substitute_value(duration, layered(input_scope, ctx.globals), False)
        )
    except BadDuration as err:
        return run.mark(node.id, "Error", str(err))
    ends = node.started_at + timedelta(seconds=seconds)
    if ctx.now < ends:
        run.requeue((ends - ctx.now).total_seconds())
        return node
    run.update(node.id, outputs=suspend_outputs(template, node.outputs))
    return run.mark(node.id, "Succeeded")


def suspend_outputs(template: Template, current: Outputs | None) -> Outputs | None:
    """Outputs of a resumed suspend node: supplied values, else their defaults."""
    declared = template.outputs.parameters if template.outputs else None
    if not declared:
        return current
    have = {p.name: p.value for p in (current.parameters if current else None) or ()}
    params = []
    for param in declared:
        value = have.get(param.name)
        if value is None and param.value_from is not None:
            value = param.value_from.default
        if value is None:
            value = param.value
        if value is not None:
            params.append(Parameter(name=param.name, value=value, global_name=param.global_name))
    return Outputs(parameters=params or None)


def fail_subtree(ctx: Ctx, node: NodeStatus, message: str) -> None:
    """Fail every unfinished node under `node` (by name), deleting their pods."""
    prefix = node.name
    for other in list(ctx.run.nodes.values()):
        if other.id == node.id or other.phase in FULFILLED_PHASES:
            continue
        if not other.name.startswith(prefix):
            continue
        if other.type == "Pod":
            ctx.run.delete_pod(node_pod_name(ctx.name, other), message)
        ctx.run.mark(other.id, "Failed", message)


def kill_daemons(ctx: Ctx, node: NodeStatus) -> None:
    """When a steps/dag node finishes, the daemons started under it are stopped and
    count as Succeeded (Argo's killDaemonedChildren)."""
    for daemon_id in sorted(ctx.run.daemons):
        daemon = ctx.run.nodes[daemon_id]
        if daemon.id != node.id and daemon.name.startswith(node.name):
            ctx.run.delete_pod(node_pod_name(ctx.name, daemon), "daemon no longer needed")
            ctx.run.mark(daemon.id, "Succeeded")
            ctx.run.update(daemon.id, daemoned=None)
