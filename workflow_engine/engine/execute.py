"""Argo's executeTemplate: find or create the node for a step, task or hook, bind its
inputs, wrap it in a retry node when it has a retryStrategy, and hand it to the
executor of its template type (pod, containerSet, steps, dag, suspend)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from workflow_engine.engine import leaf
from workflow_engine.engine.container_set import ensure_container_nodes
from workflow_engine.engine.context import Ctx, Opts
from workflow_engine.engine.data_node import execute_data
from workflow_engine.engine.exprs import ExprError
from workflow_engine.engine.http_node import execute_http
from workflow_engine.engine.layers import layered
from workflow_engine.engine.memoized import memo_lookup
from workflow_engine.engine.nodes import ensure_node, error_node, template_fields
from workflow_engine.engine.params import InputError, bind_inputs
from workflow_engine.engine.retry import execute_retry, strategy_for
from workflow_engine.engine.synchronize import node_wait
from workflow_engine.engine.templates import Holder, Scope, TemplateNotFound
from workflow_engine.spec.models import Arguments, Inputs, NodeStatus, Template
from workflow_engine.spec.status import FULFILLED_PHASES, NodeType

_POD_KINDS = frozenset({"container", "script", "resource", "data", "containerSet"})
_NODE_TYPES: dict[str, NodeType] = {
    "steps": "Steps",
    "dag": "DAG",
    "suspend": "Suspend",
    "http": "HTTP",
    "plugin": "Plugin",
}


def node_type(template: Template) -> NodeType:
    return "Pod" if template.kind in _POD_KINDS else _NODE_TYPES.get(template.kind, "Skipped")


def execute_template(
    ctx: Ctx, node_name: str, holder: Holder, scope: Scope, args: Arguments | None, opts: Opts
) -> NodeStatus | None:
    """The node for `holder` under `node_name`, advanced as far as it can go now; None
    when it may not start yet (parallelism, failFast)."""
    run = ctx.run
    node = run.by_name(node_name)
    if node is not None and node.phase in FULFILLED_PHASES:
        return node
    try:
        tscope, template = ctx.templates.resolve(scope, holder)
    except TemplateNotFound as err:
        return error_node(ctx, node, node_name, holder, scope, opts, str(err))
    if node is None:
        stopped = ctx.stop_message(opts.on_exit)
        if stopped is not None:
            return run.init_node(
                node_name,
                node_type(template),
                opts.boundary_id,
                "Failed",
                template_scope=tscope.label,
                message=stopped,
                flag=opts.flag,
                **template_fields(holder),
            )
        if not ctx.may_start(opts.boundary_id):
            return None
    try:
        inputs, input_scope = bind_inputs(ctx, template, args)
    except (InputError, ExprError, ValueError) as err:
        return error_node(ctx, node, node_name, holder, tscope, opts, str(err))
    strategy = strategy_for(ctx, template, input_scope)
    kind_type: NodeType = "Retry" if strategy is not None else node_type(template)
    cached, memo = memo_lookup(
        ctx, node_name, holder, tscope, template, inputs, input_scope, opts, kind_type
    )
    if cached is not None:
        return cached
    if template.synchronization is not None:
        waiting = node_wait(
            ctx, node_name, holder, tscope, template, inputs, input_scope, opts, kind_type
        )
        if waiting is not None:
            return waiting
    if strategy is not None:
        node = execute_retry(
            ctx, node_name, holder, tscope, template, inputs, input_scope, opts, strategy
        )
    else:
        node = execute_kind(ctx, node_name, holder, tscope, template, inputs, input_scope, opts)
    if memo is not None and node is not None and node.memoization_status is None:
        node = ctx.run.update(node.id, memoization_status=memo)
    return node


def execute_kind(
    ctx: Ctx,
    node_name: str,
    holder: Holder,
    tscope: Scope,
    template: Template,
    inputs: Inputs | None,
    input_scope: dict[str, Any],
    opts: Opts,
) -> NodeStatus | None:
    from workflow_engine.engine import dag, steps  # they call back into this module

    kind = template.kind
    if kind == "data":
        return execute_data(ctx, node_name, holder, tscope, template, inputs, input_scope, opts)
    if kind in _POD_KINDS:
        pod = leaf.execute_pod(ctx, node_name, holder, tscope, template, inputs, input_scope, opts)
        if kind == "containerSet":
            ensure_container_nodes(ctx, pod, template, opts)
        return pod
    if kind == "http":
        return execute_http(ctx, node_name, holder, tscope, template, inputs, input_scope, opts)
    if kind == "suspend":
        return leaf.execute_suspend(
            ctx, node_name, holder, tscope, template, inputs, input_scope, opts
        )
    if kind in ("steps", "dag"):
        node_type: NodeType = "Steps" if kind == "steps" else "DAG"
        node = ensure_node(ctx, node_name, node_type, "Running", holder, tscope, opts, inputs)
        if enforce_timeout(ctx, node, template):
            return ctx.run.nodes[node.id]
        scope = layered(input_scope, ctx.globals)
        run = steps.execute_steps if kind == "steps" else dag.execute_dag
        node = run(ctx, node, tscope, template, scope, opts)
        if node.phase in FULFILLED_PHASES and ctx.run.daemons:
            leaf.kill_daemons(ctx, node)
        return ctx.run.nodes[node.id]
    message = f"{kind} templates are not supported" if kind else "template has no type"
    return error_node(ctx, ctx.run.by_name(node_name), node_name, holder, tscope, opts, message)


def enforce_timeout(ctx: Ctx, node: NodeStatus, template: Template) -> bool:
    """A steps/dag template's `timeout`: fail everything under it when it passes."""
    seconds = leaf.template_deadline_seconds(template, include_ads=False)
    if seconds is None or node.started_at is None:
        return False
    deadline = node.started_at + timedelta(seconds=seconds)
    if ctx.now < deadline:
        ctx.run.requeue((deadline - ctx.now).total_seconds())
        return False
    leaf.fail_subtree(ctx, node, "Step exceeded its deadline")
    ctx.run.mark(node.id, "Failed", "Step exceeded its deadline")
    return True
