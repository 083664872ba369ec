"""Which metrics one `operate()` call emits (see `metrics.py`): those of the templates
of the nodes that finished in this call (a retried attempt's are its Retry node's),
and the workflow's own once it completes."""

from __future__ import annotations

from datetime import datetime

from workflow_engine.engine.context import Ctx
from workflow_engine.engine.decision import Action, EmitEvent
from workflow_engine.engine.layers import layered
from workflow_engine.engine.metrics import EmitMetrics, MetricSample, node_scope, samples_of
from workflow_engine.engine.reconcile import node_template
from workflow_engine.spec.models import WorkflowStatus


def metric_actions(ctx: Ctx, before: str, status: WorkflowStatus) -> list[Action]:
    """EmitMetrics (if any sample) and one warning event per dropped metric."""
    samples: list[MetricSample] = []
    problems: list[str] = []
    local = any(t.metrics is not None for t in ctx.spec.templates or ())
    for node_id in dict.fromkeys(ctx.run.finished):
        node = ctx.run.nodes.get(node_id)
        if node is None or (node.node_flag is not None and node.node_flag.retried):
            continue
        if not local and node.template_ref is None:
            continue  # no template of this workflow has metrics: skip the lookup
        template = node_template(ctx, node)
        if template is None or template.metrics is None:
            continue
        seconds = _seconds(node.started_at, node.finished_at)
        got, dropped = samples_of(template.metrics, layered(node_scope(node, seconds), ctx.globals))
        samples += got
        problems += [f"{node.display_name}: {p}" for p in dropped]
    if ctx.spec.metrics is not None and status.phase != before and status.finished_at:
        seconds = _seconds(status.started_at, status.finished_at)
        own = {
            "workflow.status": status.phase,
            "workflow.duration": f"{seconds:f}",
            "status": status.phase,
            "duration": f"{seconds:f}",
        }
        got, dropped = samples_of(ctx.spec.metrics, layered(own, ctx.globals))
        samples += got
        problems += [f"workflow: {p}" for p in dropped]
    actions: list[Action] = [EmitEvent("MetricEmissionFailed", p, "Warning") for p in problems]
    if samples:
        actions.append(EmitMetrics(tuple(samples)))
    return actions


def _seconds(start: datetime | None, end: datetime | None) -> float:
    if start is None or end is None:
        return 0.0
    return max((end - start).total_seconds(), 0.0)
