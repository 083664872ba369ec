"""Retry nodes (Argo's processNodeRetries): a node with a retryStrategy is a Retry
node whose children are the attempts `name(0)`, `name(1)`...; it succeeds with the
first successful attempt and fails when the policy, the limit, the expression or the
backoff's maxDuration says to stop."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from workflow_engine.engine.context import Ctx, Opts
from workflow_engine.engine.durations import BadDuration, humanize, parse_duration
from workflow_engine.engine.exprs import ExprError, at_field, evaluate_bool
from workflow_engine.engine.layers import layered
from workflow_engine.engine.naming import retry_child_name
from workflow_engine.engine.nodes import ensure_node, error_node
from workflow_engine.engine.scope import substitute_model
from workflow_engine.engine.templates import Holder, Scope
from workflow_engine.spec.models import Inputs, NodeStatus, RetryStrategy, Template
from workflow_engine.spec.status import FULFILLED_PHASES, NodeFlag

if TYPE_CHECKING:
    from workflow_engine.engine.run import Run

_TRANSIENT = re.compile(
    r"connection reset by peer|i/o timeout|connection refused|TLS handshake timeout|"
    r"too many requests|the server is currently unable|etcdserver: leader changed|"
    r"exceeded quota|the object has been modified|net/http: request canceled",
    re.IGNORECASE,
)


def strategy_for(
    ctx: Ctx, template: Template, input_scope: Mapping[str, Any]
) -> RetryStrategy | None:
    strategy = template.retry_strategy
    if strategy is None and template.kind not in ("steps", "dag", "suspend"):
        strategy = ctx.spec.retry_strategy  # the workflow's default applies to leaves
    if strategy is None:
        return None
    if input_scope:
        strategy = substitute_model(strategy, layered(dict(input_scope), ctx.globals), strict=False)
    return strategy


def _policy(strategy: RetryStrategy) -> str:
    if strategy.retry_policy:
        return strategy.retry_policy
    return "Always" if strategy.expression else "OnFailure"


def _limit(strategy: RetryStrategy) -> int | None:
    if strategy.limit is None:
        return None
    return int(strategy.limit)


def execute_retry(
    ctx: Ctx,
    node_name: str,
    holder: Holder,
    tscope: Scope,
    template: Template,
    inputs: Inputs | None,
    input_scope: dict[str, Any],
    opts: Opts,
    strategy: RetryStrategy,
) -> NodeStatus | None:
    from workflow_engine.engine.execute import execute_kind  # execute imports this module

    run = ctx.run
    node = ensure_node(ctx, node_name, "Retry", "Running", holder, tscope, opts, inputs)
    try:
        proceed = process_retries(ctx, node, strategy)
    except (ValueError, BadDuration, ExprError) as err:
        return error_node(ctx, node, node_name, holder, tscope, opts, str(err))
    node = run.nodes[node.id]
    children = attempts(run, node)
    last = run.nodes.get(children[-1]) if children else None
    if node.phase in FULFILLED_PHASES:
        if last is not None and last.outputs is not None:
            node = run.update(node.id, outputs=last.outputs)
        return node
    if not proceed:
        return node
    if last is not None and last.phase not in FULFILLED_PHASES:
        child_name, attempt = last.name, len(children) - 1
    else:
        limit = ctx.spec.parallelism
        if limit is not None and run.active_pods >= limit:
            return node
        child_name, attempt = retry_child_name(node_name, len(children)), len(children)
    child_opts = replace(opts, flag=NodeFlag(retried=True), retries=attempt)
    child = execute_kind(ctx, child_name, holder, tscope, template, inputs, input_scope, child_opts)
    if child is not None:
        run.add_child(node_name, child_name)
    return run.nodes[node.id]


def attempts(run: Run, node: NodeStatus) -> list[str]:
    """The retry node's attempts `name(0)`, `name(1)`..., in order: its other children
    (lifecycle hooks `name.hooks.x`, exit handlers `name.onExit`) are not attempts."""
    prefix = f"{node.name}("
    nodes = run.nodes
    return [
        child
        for child in run.children(node)
        if child in nodes and nodes[child].name.startswith(prefix)
    ]


def process_retries(ctx: Ctx, node: NodeStatus, strategy: RetryStrategy) -> bool:
    """Settle the retry node from its last attempt; False while waiting for backoff."""
    run = ctx.run
    children = attempts(run, node)
    if not children:
        return True
    last = run.nodes.get(children[-1])
    if last is None or last.phase not in FULFILLED_PHASES:
        return True
    if last.phase not in ("Failed", "Error"):
        run.update(node.id, outputs=last.outputs)
        run.mark(node.id, "Succeeded")
        return True
    stopped = ctx.shutdown is not None or ctx.deadline_passed
    if stopped:
        message = (
            f"Stopped with strategy '{ctx.shutdown}'"
            if ctx.shutdown
            else f"retry exceeded workflow deadline {ctx.deadline.isoformat()}"  # type: ignore[union-attr]
        )
        run.mark(node.id, last.phase, message)
        return True
    if strategy.backoff is not None and not _backoff(ctx, node, strategy, children, last):
        return False
    node = run.nodes[node.id]
    if node.phase in FULFILLED_PHASES:
        return True
    policy = _policy(strategy)
    transient = bool(_TRANSIENT.search(last.message or ""))
    retry_failed = policy in ("Always", "OnFailure") or (policy == "OnTransientError" and transient)
    retry_error = policy in ("Always", "OnError") or (policy == "OnTransientError" and transient)
    if policy not in ("Always", "OnFailure", "OnError", "OnTransientError"):
        raise ValueError(f"{policy} is not a valid RetryPolicy")
    if (last.phase == "Failed" and not retry_failed) or (last.phase == "Error" and not retry_error):
        run.mark(node.id, last.phase, last.message)
        return True
    limit = _limit(strategy)
    if limit is not None and len(children) > limit:
        run.mark(node.id, last.phase, "No more retries left")
        return True
    if strategy.expression and not _holds(strategy.expression, last):
        run.mark(node.id, last.phase, "retryStrategy.expression evaluated to false")
        return True
    return True


def _holds(expression: str, last: NodeStatus) -> bool:
    """`retryStrategy.expression` over the last attempt; an error names the field."""
    try:
        return evaluate_bool(expression, _last_retry_env(last))
    except ExprError as err:
        raise at_field("retryStrategy.expression", err) from err


def _backoff(
    ctx: Ctx, node: NodeStatus, strategy: RetryStrategy, children: list[str], last: NodeStatus
) -> bool:
    backoff = strategy.backoff
    assert backoff is not None
    run = ctx.run
    max_deadline = None
    if backoff.max_duration:
        first = run.nodes[children[0]]
        assert first.started_at is not None
        max_deadline = first.started_at + timedelta(seconds=parse_duration(backoff.max_duration))
        if ctx.now > max_deadline:
            run.mark(node.id, last.phase, "Max duration limit exceeded")
            return True
    if not backoff.duration:
        raise ValueError("no base duration specified for retryStrategy")
    wait = parse_duration(backoff.duration)
    factor = float(backoff.factor) if backoff.factor is not None else 0.0
    if factor > 0:
        wait = wait * factor ** (len(children) - 1)
    if backoff.cap:
        wait = min(wait, parse_duration(backoff.cap))
    finished = last.finished_at or ctx.now
    waiting_until = finished + timedelta(seconds=wait)
    if max_deadline is not None and waiting_until > max_deadline:
        run.mark(node.id, last.phase, "Backoff would exceed max duration limit")
        return True
    limit = _limit(strategy)
    if ctx.now < waiting_until and limit is not None and len(children) <= limit:
        run.requeue((waiting_until - ctx.now).total_seconds())
        run.mark(node.id, node.phase, f"Backoff for {humanize(wait)}")
        return False
    run.update(node.id, message=None)
    return True


def _last_retry_env(last: NodeStatus) -> dict[str, Any]:
    """Argo's buildRetryStrategyLocalScope."""
    exit_code = last.outputs.exit_code if last.outputs and last.outputs.exit_code else "-1"
    duration = 0.0
    if last.started_at and last.finished_at:
        duration = (last.finished_at - last.started_at).total_seconds()
    return {
        "lastRetry": {
            "exitCode": exit_code,
            "status": last.phase,
            "duration": f"{duration:g}",
            "message": last.message or "",
        }
    }
