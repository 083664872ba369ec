"""Argo's podReconciliation and execution control: fold the observed pods into their
nodes (phases, messages, outputs from TaskResults), and stop pods that must not keep
running (shutdown, the workflow's or a template's deadline)."""

from __future__ import annotations

from datetime import timedelta

from workflow_engine.engine.container_set import follow_containers, settle_containers
from workflow_engine.engine.context import (
    POD_DEADLINE_MESSAGE,
    Ctx,
    is_exit_node,
    scope_of,
)
from workflow_engine.engine.leaf import node_pod_name, pod_deadline
from workflow_engine.engine.observed import PodState
from workflow_engine.engine.params import InputError, pod_outputs, publish_globals
from workflow_engine.engine.templates import TemplateNotFound
from workflow_engine.spec.models import NodeStatus, Outputs, Template, WorkflowStep


def node_template(ctx: Ctx, node: NodeStatus) -> Template | None:
    if node.template_ref is None and not node.template_name:
        return None
    holder = WorkflowStep(template=node.template_name, template_ref=node.template_ref)
    try:
        return ctx.templates.resolve(scope_of(node), holder)[1]
    except TemplateNotFound:
        return None


def reconcile(ctx: Ctx) -> None:
    live: set[str] = set()
    sets: list[str] = []  # pod nodes with Container nodes (containerSet templates)
    for node in ctx.run.unfinished_nodes():
        if node.type not in ("Pod", "Suspend"):
            continue
        stop = ctx.stop_message(is_exit_node(node))
        if node.type == "Suspend":
            if stop is not None:
                ctx.run.mark(node.id, "Failed", stop)
            continue
        pod = node_pod_name(ctx.name, node)
        live.add(pod)
        state = ctx.observed.pods.get(pod)
        if state is not None:
            _record_placement(ctx, node, state)
        if node.type == "Pod" and _runs_a_container_set(ctx, node):
            sets.append(node.id)
            if state is not None and state.containers:
                state = follow_containers(ctx, node, state)
        if state is not None and state.phase in ("Succeeded", "Failed"):
            finish_pod(ctx, node, state)
            continue
        if stop is not None:
            ctx.run.delete_pod(pod, stop)
            ctx.run.mark(node.id, "Failed", stop)
            continue
        if state is None:
            if node.phase == "Running":
                ctx.run.mark(node.id, "Error", "pod deleted")
            continue
        if state.phase == "Running":
            if node.phase != "Running" and not node.daemoned:
                template = node_template(ctx, node)
                if template is not None and template.daemon:
                    ctx.run.update(node.id, daemoned=True)
            ctx.run.mark(node.id, "Running")
            if ctx.run.nodes[node.id].message:
                ctx.run.update(node.id, message=None)
        elif state.phase == "Pending" and (state.message or state.reason):
            ctx.run.update(node.id, message=state.message or state.reason)
        _enforce_deadline(ctx, ctx.run.nodes[node.id], pod)
    for node_id in sets:
        settle_containers(ctx, ctx.run.nodes[node_id])
    delete_strays(ctx, live)


def _runs_a_container_set(ctx: Ctx, node: NodeStatus) -> bool:
    """A pod node whose children include Container nodes (its other children, such as
    lifecycle hooks `name.hooks.x`, do not make it a containerSet)."""
    nodes = ctx.run.nodes
    return any(
        child in nodes and nodes[child].type == "Container" for child in ctx.run.children(node)
    )


def _record_placement(ctx: Ctx, node: NodeStatus, state: PodState) -> None:
    """The pod's IP and cluster node, as soon as they are seen (a pod may be seen only
    once it has ended)."""
    if state.pod_ip and node.pod_ip != state.pod_ip:
        ctx.run.update(node.id, pod_ip=state.pod_ip)
    if state.host_node_name and node.host_node_name != state.host_node_name:
        ctx.run.update(node.id, host_node_name=state.host_node_name)


def delete_strays(ctx: Ctx, live: set[str]) -> None:
    """Pods still running for nodes that are finished (a delete lost in a crash) or gone
    (`retry` removed them) are deleted again."""
    observed = ctx.observed
    pods = observed.pods if observed.active is None else observed.active
    for name, state in pods.items():
        if state.phase in ("Pending", "Running") and name not in live:
            ctx.run.delete_pod(name, "its node is finished")


# The pod carries its own activeDeadlineSeconds, and its runtime ends it then, keeping
# its logs. Deleting it is the fallback for a runtime that did not, after this margin.
DEADLINE_ENFORCEMENT_MARGIN = timedelta(seconds=10)


def _enforce_deadline(ctx: Ctx, node: NodeStatus, pod: str) -> None:
    template = node_template(ctx, node)
    if template is None:
        return
    deadline = pod_deadline(ctx, node, template)
    if deadline is None:
        return
    deadline += DEADLINE_ENFORCEMENT_MARGIN
    if ctx.now < deadline:
        ctx.run.requeue((deadline - ctx.now).total_seconds())
        return
    ctx.run.delete_pod(pod, POD_DEADLINE_MESSAGE)
    ctx.run.mark(node.id, "Failed", POD_DEADLINE_MESSAGE)


def failure_message(state: PodState) -> str:
    """Argo's inferFailedReason for a failed pod."""
    if state.reason == "DeadlineExceeded":
        return state.message or POD_DEADLINE_MESSAGE
    if state.exit_code is not None and state.exit_code != 0:
        message = f"{state.reason or 'Error'} (exit code {state.exit_code})"
        return f"{message}: {state.message}" if state.message else message
    return state.message or state.reason or "pod failed"


def finish_pod(ctx: Ctx, node: NodeStatus, state: PodState) -> None:
    run = ctx.run
    result = ctx.observed.results.get(node.id)
    reported = result.outputs if result is not None else None
    if result is not None and result.phase == "Error":
        run.update(node.id, outputs=_raw_outputs(reported, state))
        run.mark(node.id, "Error", result.message or "executor failed")
        return
    if state.phase == "Failed" and node.daemoned:
        run.mark(node.id, "Succeeded")  # a daemon's end is not a failure
        return
    if state.phase == "Failed":
        run.update(node.id, outputs=_raw_outputs(reported, state))
        run.mark(node.id, "Failed", failure_message(state))
        return
    template = node_template(ctx, node)
    try:
        outputs = (
            pod_outputs(template, reported, state.exit_code)
            if template is not None
            else _raw_outputs(reported, state)
        )
    except InputError as err:
        run.update(node.id, outputs=_raw_outputs(reported, state))
        run.mark(node.id, "Error", str(err))
        return
    run.update(node.id, outputs=outputs)
    publish_globals(ctx, outputs)
    run.mark(node.id, "Succeeded")


def _raw_outputs(reported: Outputs | None, state: PodState) -> Outputs | None:
    if reported is None:
        return Outputs(exit_code=str(state.exit_code)) if state.exit_code is not None else None
    if reported.exit_code is None and state.exit_code is not None:
        return reported.model_copy(update={"exit_code": str(state.exit_code)})
    return reported
