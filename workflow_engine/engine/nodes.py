"""Find-or-create of the node a step, task or hook runs as, shared by the template
executors (execute, leaf, retry, hooks): the node is looked up by name and created
only on the first pass, with the template it came from and its bound inputs."""

from __future__ import annotations

from typing import Any

from workflow_engine.engine.context import Ctx, Opts
from workflow_engine.engine.templates import Holder, Scope
from workflow_engine.spec.models import Inputs, NodePhase, NodeStatus, NodeType


def template_fields(holder: Holder) -> dict[str, Any]:
    return {"template_name": holder.template, "template_ref": holder.template_ref}


def ensure_node(
    ctx: Ctx,
    node_name: str,
    node_type: NodeType,
    phase: NodePhase,
    holder: Holder,
    tscope: Scope,
    opts: Opts,
    inputs: Inputs | None,
) -> NodeStatus:
    """The node named `node_name`; created in `phase` with `inputs` when it is new."""
    run = ctx.run
    node = run.by_name(node_name)
    if node is not None:
        return node
    node = run.init_node(
        node_name,
        node_type,
        opts.boundary_id,
        phase,
        template_scope=tscope.label,
        flag=opts.flag,
        **template_fields(holder),
    )
    if inputs is not None:
        node = run.update(node.id, inputs=inputs)
    return node


def error_node(
    ctx: Ctx,
    node: NodeStatus | None,
    node_name: str,
    holder: Holder,
    scope: Scope,
    opts: Opts,
    message: str,
) -> NodeStatus:
    """Argo's initializeNodeOrMarkError: the node ends in Error with `message`."""
    if node is None:
        return ctx.run.init_node(
            node_name,
            "Skipped",
            opts.boundary_id,
            "Error",
            template_scope=scope.label,
            message=message,
            flag=opts.flag,
            **template_fields(holder),
        )
    return ctx.run.mark(node.id, "Error", message)
