"""Where `operate()` consults a memoization cache (see `memo.py` for the model): before
a node whose template has `memoize` is created. A hit is the node, Succeeded with the
cached outputs; a miss is the `memoizationStatus` the node gets once it exists."""

from __future__ import annotations

from typing import Any

from workflow_engine.engine.context import Ctx, Opts
from workflow_engine.engine.exprs import ExprError
from workflow_engine.engine.layers import layered
from workflow_engine.engine.memo import MemoSpecError, cached_outputs, memo_of, memo_status
from workflow_engine.engine.nodes import error_node, template_fields
from workflow_engine.engine.scope import substitute_value
from workflow_engine.engine.templates import Holder, Scope
from workflow_engine.spec.models import Inputs, KubeObject, NodeStatus, NodeType, Template


def memo_lookup(
    ctx: Ctx,
    node_name: str,
    holder: Holder,
    tscope: Scope,
    template: Template,
    inputs: Inputs | None,
    input_scope: dict[str, Any],
    opts: Opts,
    node_type: NodeType,
) -> tuple[NodeStatus | None, KubeObject | None]:
    """(the node, when the cache decided it: a hit, or an Error for a bad block;
    the memoizationStatus to give the node created next, on a miss)."""
    run = ctx.run
    if template.memoize is None or run.by_name(node_name) is not None:
        return None, None
    try:
        block = substitute_value(
            template.memoize.model_dump(mode="json"), layered(input_scope, ctx.globals), True
        )
        memo = memo_of(block)
    except (MemoSpecError, ExprError, ValueError) as err:
        return error_node(ctx, None, node_name, holder, tscope, opts, str(err)), None
    outputs = cached_outputs(ctx.observed.caches, memo, ctx.now)
    if outputs is None:
        return None, memo_status(memo, hit=False)
    node = run.init_node(
        node_name,
        node_type,
        opts.boundary_id,
        "Succeeded",
        template_scope=tscope.label,
        flag=opts.flag,
        **template_fields(holder),
    )
    node = run.update(
        node.id, inputs=inputs, outputs=outputs, memoization_status=memo_status(memo, hit=True)
    )
    return node, None
