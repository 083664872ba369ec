"""containerSet templates: one pod, and a node of type Container per member of the set.

Part of the engine beside `leaf` (which creates the pod node and its pod). As Argo's
executeContainerSet does, every member gets a node `<pod node>.<member>` (bounded by
the pod node, shown as `<member>`), a child of the pod node when it has no
dependencies, else of each member it depends on. The pod's container states (the
controller reports them for containerSet pods) drive those nodes, as Argo's
podReconciliation does: waiting is Pending, running is Running, exit code 0 is
Succeeded, 64 (the executor's own failure, e.g. a dependency that failed) is Error,
any other code is Failed, and a container still running when its pod failed is Failed.
The pod node itself follows the pod as any pod node does; when the pod fails, its
message is that of the first container (in the set's order) that failed, as Argo's
inferFailedReason gives it. Container nodes left unfinished when their pod node ends
another way (deleted, stopped, past its deadline) end with it. A member that could
not even start (its executor never ran, so it leaves no exit code for the others to
see) ends the pod at once: it is deleted and its node fails with that member's cause.
"""

from __future__ import annotations

import dataclasses

from workflow_engine.engine.context import Ctx, Opts
from workflow_engine.engine.observed import ContainerState, PodState
from workflow_engine.spec.models import NodeStatus, Template
from workflow_engine.spec.status import FULFILLED_PHASES, NodePhase

EXECUTOR_ERROR_CODE = 64  # Argo's emissary: the executor failed, not the command
POD_FAILED_MESSAGE = "Pod Failed whilst container running"
# why a container ends without its command (or its executor) ever running
NEVER_RAN_REASONS = frozenset(
    {"ContainerCannotRun", "CreateContainerConfigError", "CreateContainerError", "StartError"}
)


def ensure_container_nodes(ctx: Ctx, pod_node: NodeStatus, template: Template, opts: Opts) -> None:
    """The Container nodes of a containerSet pod node, created Pending once."""
    cset = template.container_set
    if cset is None or pod_node.phase in FULFILLED_PHASES:
        return
    run = ctx.run
    for member in cset.containers:
        name = f"{pod_node.name}.{member.name}"
        if run.by_name(name) is None:
            run.init_node(
                name,
                "Container",
                pod_node.id,
                "Pending",
                template_name=pod_node.template_name,
                template_ref=pod_node.template_ref,
                template_scope=pod_node.template_scope,
                flag=opts.flag,
            )
    for member in cset.containers:
        child = f"{pod_node.name}.{member.name}"
        if not member.dependencies:
            run.add_child(pod_node.name, child)
        for dep in member.dependencies or ():
            run.add_child(f"{pod_node.name}.{dep}", child)


def follow_containers(ctx: Ctx, pod_node: NodeStatus, state: PodState) -> PodState:
    """Move the Container nodes as the pod's containers moved; returns `state` with
    the ending of the first failed container when the pod failed (for its message)."""
    stuck = never_ran(state)
    if stuck is not None:
        # its executor never ran, so no exit code will ever tell the members waiting for
        # it (and `main`, waiting for every member before its outputs): end the pod now
        ctx.run.delete_pod(state.name, f"container {stuck.name} could not start")
        state = dataclasses.replace(state, phase="Failed")
    culprit: ContainerState | None = None
    for container in state.containers:
        if (
            culprit is None
            and container.state == "terminated"
            and container.exit_code not in (0, None)
        ):
            culprit = container
        node = ctx.run.by_name(f"{pod_node.name}.{container.name}")
        if node is None or node.phase in FULFILLED_PHASES:
            continue
        phase, message = container_phase(container, state)
        if phase is None or (phase == "Pending" and node.phase != "Pending"):
            continue
        ctx.run.mark(node.id, phase, message or None)
    if state.phase != "Failed" or culprit is None or state.reason == "DeadlineExceeded":
        return state
    return dataclasses.replace(
        state, exit_code=culprit.exit_code, reason=culprit.reason, message=culprit.message
    )


def never_ran(state: PodState) -> ContainerState | None:
    """A member of a running pod that ended before its executor could start (it could
    not be created or started) while others still run."""
    if state.phase not in ("Pending", "Running"):
        return None
    if all(c.state == "terminated" for c in state.containers):
        return None
    for container in state.containers:
        if (
            container.state == "terminated"
            and container.exit_code not in (0, None)
            and container.reason in NEVER_RAN_REASONS
        ):
            return container
    return None


def container_phase(container: ContainerState, pod: PodState) -> tuple[NodePhase | None, str]:
    """Argo's phase (and message) for the Container node of `container`."""
    if container.state == "terminated":
        code = container.exit_code
        if code == 0:
            return "Succeeded", ""
        message = f"{container.name}: {container.reason or 'Error'} (exit code {code})"
        if container.message:
            message = f"{message}: {container.message}"
        return ("Error" if code == EXECUTOR_ERROR_CODE else "Failed"), message
    if pod.phase == "Failed":
        return "Failed", POD_FAILED_MESSAGE
    if container.state == "running":
        return "Running", ""
    return "Pending", ""


def settle_containers(ctx: Ctx, pod_node: NodeStatus) -> None:
    """A finished pod node's Container nodes that are not finished end with it."""
    if pod_node.phase not in FULFILLED_PHASES:
        return
    phase: NodePhase = pod_node.phase if pod_node.phase in ("Succeeded", "Error") else "Failed"
    message = None if phase == "Succeeded" else pod_node.message or f"its pod ended {phase}"
    seen: set[str] = set()
    pending = list(ctx.run.children(pod_node))
    while pending:
        child_id = pending.pop()
        child = ctx.run.nodes.get(child_id)
        if child is None or child_id in seen or child.type != "Container":
            continue
        seen.add(child_id)
        if child.boundary_id != pod_node.id:
            continue
        if child.phase not in FULFILLED_PHASES:
            ctx.run.mark(child_id, phase, message)
        pending.extend(ctx.run.children(child))
