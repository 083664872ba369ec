"""Steps templates (Argo's steps.go): groups run one after another, the steps of a
group in parallel; a group fails when a child fails unless the step `continueOn` says
otherwise. Nodes: the Steps node `x`, groups `x[i]`, steps `x[i].name`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from workflow_engine.engine.context import Ctx, Opts, template_boundary
from workflow_engine.engine.execute import execute_template
from workflow_engine.engine.exprs import ExprError, evaluate_when
from workflow_engine.engine.hooks import (
    HookError,
    error_unfinished,
    exit_hook,
    run_exit_hook,
    run_lifecycle_hooks,
)
from workflow_engine.engine.layers import layered
from workflow_engine.engine.loops import (
    WaitCheck,
    expand,
    has_loop,
    iterations,
    resolve_holder,
    resolve_iteration,
)
from workflow_engine.engine.params import (
    InputError,
    publish_globals,
    resolve_argument_artifacts,
    template_outputs,
)
from workflow_engine.engine.run import settled
from workflow_engine.engine.scope import OutputsScope
from workflow_engine.engine.templates import Scope, TemplateNotFound
from workflow_engine.spec.models import DAGTask, NodeStatus, Outputs, Template, WorkflowStep
from workflow_engine.spec.status import FULFILLED_PHASES

_FAILED = frozenset({"Failed", "Error"})


def continues_on(step: Any, phase: str) -> bool:
    cont = step.continue_on
    if cont is None:
        return False
    return (
        bool(cont.failed) if phase == "Failed" else bool(cont.error) if phase == "Error" else False
    )


def outbound(ctx: Ctx, node_id: str) -> list[str]:
    """Argo's getOutboundNodes: the nodes a successor connects to."""
    node = ctx.run.nodes.get(node_id)
    if node is None:
        return []
    if node.type in ("Pod", "Skipped", "Suspend", "HTTP", "Plugin"):
        return [node.id]
    if node.type == "TaskGroup":
        children = ctx.run.children(node)
        if not children:
            return [node.id]
        return [o for child in children for o in outbound(ctx, child)]
    if node.type == "Retry":
        children = ctx.run.children(node)
        if children:
            return [children[-1]]
    return [o for child in node.outbound_nodes or () for o in outbound(ctx, child)]


def declared_outputs(ctx: Ctx, tscope: Scope, holder: WorkflowStep | DAGTask) -> Outputs | None:
    """The outputs `holder`'s template declares; None when it cannot be found."""
    try:
        return ctx.templates.resolve(tscope, holder)[1].outputs
    except TemplateNotFound:
        return None


# Each steps template's step names -> (group index, loops) and -> step, by the
# identity of its groups list (a running workflow's spec is parsed once, so a long
# template is indexed once, not per call); the entry holds the list, so an id is never
# taken for another list's.
_Shape = tuple[dict[str, tuple[int, bool]], dict[str, WorkflowStep]]
_SHAPES: dict[int, tuple[object, _Shape]] = {}
_SHAPES_KEPT = 64


def _shape(groups: list[list[WorkflowStep]]) -> _Shape:
    held = _SHAPES.get(id(groups))
    if held is not None and held[0] is groups:
        return held[1]
    where: dict[str, tuple[int, bool]] = {}
    steps: dict[str, WorkflowStep] = {}
    for i, group in enumerate(groups):
        for step in group:
            if step.name:
                where[step.name] = (i, has_loop(step))
                steps[step.name] = step
    if len(_SHAPES) >= _SHAPES_KEPT:
        _SHAPES.pop(next(iter(_SHAPES)))
    _SHAPES[id(groups)] = (groups, (where, steps))
    return where, steps


def _steps_scope(ctx: Ctx, node: NodeStatus, tscope: Scope, template: Template) -> OutputsScope:
    where, steps = _shape(template.steps or [])

    def lookup(name: str) -> tuple[NodeStatus | None, list[NodeStatus] | None]:
        if name not in where:
            return None, None
        index, loop = where[name]
        group_name = f"{node.name}[{index}]"
        single = ctx.run.by_name(f"{group_name}.{name}")
        if not loop:
            return single, None
        group = ctx.run.by_name(group_name)
        start = f"{group_name}.{name}("
        iterations = (
            [c for c in ctx.run.child_nodes(group) if c.name.startswith(start)] if group else []
        )
        return single, iterations

    return OutputsScope(
        "steps",
        lambda: list(where),
        lookup,
        lambda name: declared_outputs(ctx, tscope, steps[name]),
    )


def execute_steps(
    ctx: Ctx,
    node: NodeStatus,
    tscope: Scope,
    template: Template,
    scope: Mapping[str, Any],
    opts: Opts,
) -> NodeStatus:
    run = ctx.run
    if template_boundary(ctx, node, template) is None:
        return run.nodes[node.id]
    full = layered(_steps_scope(ctx, node, tscope, template), scope)
    groups = template.steps or []
    # The leading groups the last call found fulfilled (and not failed) stay so:
    # passed over unseen, so a long sequence of groups costs what changed per call.
    start = run.groups_done.get(node.id, run.prior_groups_done.get(node.id, 0))
    run.groups_done[node.id] = start
    for i in range(start, len(groups)):
        group = groups[i]
        sg_name = f"{node.name}[{i}]"
        sg = run.by_name(sg_name)
        if sg is None:
            sg = run.init_node(
                sg_name, "StepGroup", node.id, "Running", template_scope=tscope.label
            )
            if i == 0:
                run.add_child(node.name, sg_name)
            else:
                _connect(ctx, f"{node.name}[{i - 1}]", sg_name)
        sg = _execute_group(ctx, group, sg, node, tscope, full, opts)
        if sg.phase not in FULFILLED_PHASES:
            return run.nodes[node.id]
        if sg.phase in _FAILED:
            _set_outbound(ctx, node, sg)
            return run.mark(node.id, "Failed", sg.message)
        run.groups_done[node.id] = i + 1
    if groups:
        _set_outbound(ctx, node, run.by_name(f"{node.name}[{len(groups) - 1}]"))
    try:
        outputs = template_outputs(template, full)
    except (InputError, ExprError, ValueError) as err:
        return run.mark(node.id, "Error", str(err))
    if outputs is not None:
        run.update(node.id, outputs=outputs)
        publish_globals(ctx, outputs)
    return run.mark(node.id, "Succeeded")


def _connect(ctx: Ctx, previous_group: str, group_name: str) -> None:
    prev = ctx.run.by_name(previous_group)
    if prev is None:
        return
    for child in ctx.run.children(prev):
        for out in outbound(ctx, child):
            ctx.run.add_child(ctx.run.nodes[out].name, group_name)


def _set_outbound(ctx: Ctx, node: NodeStatus, last_group: NodeStatus | None) -> None:
    if last_group is None:
        return
    found = [o for child in ctx.run.children(last_group) for o in outbound(ctx, child)]
    ctx.run.update(node.id, outbound_nodes=found or None)


def _execute_group(
    ctx: Ctx,
    group: list[WorkflowStep],
    sg: NodeStatus,
    steps_node: NodeStatus,
    tscope: Scope,
    scope: Mapping[str, Any],
    opts: Opts,
) -> NodeStatus:
    """Argo's executeStepGroup: start the group's steps, then settle the group."""
    run = ctx.run
    if sg.phase in FULFILLED_PHASES:
        return sg
    owner: dict[str, WorkflowStep] = {}  # child node name -> its step
    hooks_done = True
    for step in group:
        if not has_loop(step) and not step.hooks:
            name = f"{sg.name}.{step.name}"
            existing = run.by_name(name)
            if existing is not None and ctx.waiting_on_pod(existing):
                owner[name] = step
                continue
        try:
            children = _expand_step(ctx, sg, step, steps_node, tscope, scope, opts)
        except (InputError, ExprError, ValueError) as err:
            return run.mark(sg.id, "Error", str(err))
        if children is None:
            name = f"{sg.name}.{step.name}"
            owner[name] = step
            _skip(ctx, name, step, steps_node, tscope, "Skipped, empty params")
            run.add_child(sg.name, name)
            continue
        for child_name, resolve in children:
            owner[child_name] = step
            try:
                child = resolve()
            except (InputError, ExprError, ValueError) as err:
                return run.mark(sg.id, "Error", str(err))
            if child is None:
                continue
            try:
                done = _run_hooks(ctx, step, child, steps_node, tscope, scope)
            except HookError as err:
                # Argo: the hook's error errors the step group (steps.go executeStepGroup)
                # and the group's other steps still running with it
                error_unfinished(ctx, run.nodes[sg.id], str(err))
                return run.nodes[sg.id]
            hooks_done = hooks_done and done
    return _settle_group(ctx, run.nodes[sg.id], owner, hooks_done)


def _run_hooks(
    ctx: Ctx,
    step: WorkflowStep,
    child: NodeStatus,
    steps_node: NodeStatus,
    tscope: Scope,
    scope: Mapping[str, Any],
) -> bool:
    """The step's lifecycle hooks, then (once it is done) its exit hook; True when done."""
    prefix = f"steps.{step.name}"
    done = True
    if step.hooks:
        done = run_lifecycle_hooks(ctx, step.hooks, child, steps_node.id, tscope, prefix, scope)
    if child.phase in FULFILLED_PHASES:
        hook = exit_hook(ctx, step)
        exited = run_exit_hook(ctx, hook, child, steps_node.id, tscope, prefix, scope)
        done = done and exited
    return done


Advance = Callable[[], NodeStatus | None]


def _expand_step(
    ctx: Ctx,
    sg: NodeStatus,
    step: WorkflowStep,
    steps_node: NodeStatus,
    tscope: Scope,
    scope: Mapping[str, Any],
    opts: Opts,
) -> list[tuple[str, Advance]] | None:
    """Each child node's name and how to advance it (None for a loop with no items).
    A loop's first pass resolves every iteration, so a bad item errors the group
    before anything starts; once its first iteration exists, only iterations that may
    move now are resolved (see `would_wait`)."""

    def advance(child_name: str, resolved: WorkflowStep) -> Advance:
        return lambda: _run_step(ctx, sg, child_name, resolved, steps_node, tscope, opts)

    if not has_loop(step):
        resolved_step = resolve_holder(step, scope)
        args = resolve_argument_artifacts(resolved_step.arguments, scope)
        resolved_step = resolved_step.model_copy(update={"arguments": args})
        name = f"{sg.name}.{step.name or ''}"
        return [(name, advance(name, resolved_step))]
    todo = iterations(step, scope, f"{sg.name}.")
    if not todo:
        return None
    if ctx.run.by_name(todo[0][1]) is None:
        return [(f"{sg.name}.{n}", advance(f"{sg.name}.{n}", s)) for n, s in expand(step, scope)]

    held = WaitCheck(ctx, step, tscope, steps_node.id, opts.on_exit)

    def lazily(child_name: str, suffix: str, item: Any) -> Advance:
        def run() -> NodeStatus | None:
            child = ctx.run.by_name(child_name)
            if child is None:
                if held():
                    return None
            elif child.phase in FULFILLED_PHASES or (not step.hooks and ctx.waiting_on_pod(child)):
                return child
            resolved = resolve_iteration(step, suffix, item, scope)
            return _run_step(ctx, sg, child_name, resolved, steps_node, tscope, opts)

        return run

    return [(child, lazily(child, n, item)) for n, child, item in todo]


def _run_step(
    ctx: Ctx,
    sg: NodeStatus,
    child_name: str,
    step: WorkflowStep,
    steps_node: NodeStatus,
    tscope: Scope,
    opts: Opts,
) -> NodeStatus | None:
    """Create (or skip, per `when`) and advance one step of a group."""
    run = ctx.run
    if run.by_name(child_name) is None and step.when and not evaluate_when(step.when):
        message = f"when '{step.when}' evaluated false"
        _skip(ctx, child_name, step, steps_node, tscope, message)
        run.add_child(sg.name, child_name)
        return None
    child = execute_template(
        ctx,
        child_name,
        step,
        tscope,
        step.arguments,
        Opts(boundary_id=steps_node.id, on_exit=opts.on_exit),
    )
    if child is not None:
        run.add_child(sg.name, child_name)
    return child


def _settle_group(
    ctx: Ctx, sg: NodeStatus, owner: dict[str, WorkflowStep], hooks_done: bool
) -> NodeStatus:
    """Once every child (and its exit hook) is done: Failed on the first failed child
    that does not continueOn, else Succeeded."""
    kids = list(ctx.run.child_nodes(sg))
    if not hooks_done or len(kids) < len(owner):
        return sg
    if not all(settled(k) for k in kids):
        return sg
    for kid in kids:
        step = owner.get(kid.name)
        if kid.phase in _FAILED and not (step is not None and continues_on(step, kid.phase)):
            return ctx.run.mark(sg.id, "Failed", f"child '{kid.id}' failed")
    return ctx.run.mark(sg.id, "Succeeded")


def _skip(
    ctx: Ctx, name: str, step: WorkflowStep, steps_node: NodeStatus, tscope: Scope, message: str
) -> None:
    if ctx.run.by_name(name) is not None:
        return
    ctx.run.init_node(
        name,
        "Skipped",
        steps_node.id,
        "Skipped",
        template_name=step.template,
        template_ref=step.template_ref,
        template_scope=tscope.label,
        message=message,
    )
