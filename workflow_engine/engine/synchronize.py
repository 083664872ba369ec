"""Where `operate()` takes locks (see `sync.py` for the model): before a workflow with
`spec.synchronization` starts, and before a node whose template has `synchronization`
starts (the node waits Pending, with Argo's "Waiting for ... lock" message)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workflow_engine.engine.context import Ctx, Opts
from workflow_engine.engine.exprs import ExprError
from workflow_engine.engine.layers import layered
from workflow_engine.engine.nodes import ensure_node, error_node
from workflow_engine.engine.scope import global_scope, substitute_value
from workflow_engine.engine.sync import (
    LockRequest,
    Locks,
    LockSpecError,
    LockView,
    is_waiting_message,
    lock_keys,
)
from workflow_engine.engine.templates import Holder, Scope
from workflow_engine.spec.models import (
    Inputs,
    KubeObject,
    NodeStatus,
    NodeType,
    Template,
    Workflow,
    WorkflowSpec,
    WorkflowStatus,
)


def _block(sync: KubeObject | None) -> dict[str, Any] | None:
    return None if sync is None else sync.model_dump(mode="json")


def workflow_locks(
    wf: Workflow, spec: WorkflowSpec, status: WorkflowStatus, view: LockView, now: datetime
) -> tuple[Locks, str | None]:
    """The call's lock state, and why the workflow waits (None: it holds its locks, or
    needs none). LockSpecError when they can never be had."""
    name = wf.metadata.name or ""
    locks = Locks(name, status.synchronization, view)
    block = _block(spec.synchronization)
    if not block:
        return locks, None
    scope = global_scope(wf, spec, wf.metadata.creation_timestamp or now)
    try:
        keys = lock_keys(substitute_value(block, scope, strict=False), _namespace(wf))
    except ExprError as err:
        raise LockSpecError(f"spec.synchronization: {err}") from err
    return locks, locks.acquire([LockRequest(key, name) for key in keys])


def _namespace(wf: Workflow) -> str:
    return wf.metadata.namespace or "default"


def node_wait(
    ctx: Ctx,
    node_name: str,
    holder: Holder,
    tscope: Scope,
    template: Template,
    inputs: Inputs | None,
    input_scope: dict[str, Any],
    opts: Opts,
    node_type: NodeType,
) -> NodeStatus | None:
    """The node, left Pending with why it waits, while its template's locks are not
    all held; None when it may go on (its locks are held from now)."""
    run = ctx.run
    if ctx.locks is None:
        ctx.locks = Locks(ctx.name, None, LockView())
    holder_id = run.id_of(node_name)
    node = run.by_name(node_name)
    try:
        block = substitute_value(
            _block(template.synchronization), layered(input_scope, ctx.globals), False
        )
        keys = lock_keys(block, _namespace(ctx.wf))
        message = ctx.locks.acquire([LockRequest(key, holder_id) for key in keys])
    except (LockSpecError, ExprError) as err:
        return error_node(ctx, node, node_name, holder, tscope, opts, str(err))
    stopped = ctx.stop_message(opts.on_exit)
    if message is not None and stopped is not None and node is not None:
        return run.mark(node.id, "Failed", stopped)  # stopped or past the deadline
    if message is not None:
        if node is None:
            node = ensure_node(ctx, node_name, node_type, "Pending", holder, tscope, opts, inputs)
        return run.update(node.id, message=message)
    if node is not None and is_waiting_message(node.message):
        run.update(node.id, message=None)
        if node.type != "Pod" and node.phase == "Pending":
            run.mark(node.id, "Running")
    return None
