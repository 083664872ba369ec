"""Exit handlers of steps and tasks (`onExit` and `hooks.exit`): once a step or task
has completed, its exit handler runs as `<node name>.onExit`, a child of that node,
and the step group or DAG waits for it. Lifecycle hooks (`hooks.<name>` other than
`exit`) run as `<node name>.hooks.<name>` once their expression holds.

A hook that cannot be evaluated (a missing or failing `expression`, arguments that do
not resolve) raises `HookError`, as Argo's executeTmplLifeCycleHook and runOnExitNode
return an error (workflow/controller/hooks.go, steps.go, dag.go): the caller ends the
step group or DAG Error with that message (and a step or task still running with it),
so the steps template ends Failed and a DAG Error, never Succeeded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflow_engine.engine.context import Ctx, Opts
from workflow_engine.engine.execute import execute_template
from workflow_engine.engine.exprs import ExprError, at_field, evaluate_bool
from workflow_engine.engine.layers import layered
from workflow_engine.engine.naming import on_exit_name
from workflow_engine.engine.nodes import error_node
from workflow_engine.engine.params import InputError, nested, resolve_argument_artifacts
from workflow_engine.engine.scope import node_vars, substitute_model
from workflow_engine.engine.templates import Scope
from workflow_engine.spec.models import DAGTask, LifecycleHook, NodeStatus, WorkflowStep
from workflow_engine.spec.status import COMPLETED_PHASES, FULFILLED_PHASES, NodeFlag


class HookError(Exception):
    """A hook's expression or arguments could not be evaluated; the message names the field."""


def error_unfinished(ctx: Ctx, node: NodeStatus, message: str) -> None:
    """End `node` (a step or task whose hook failed) and what it still runs Error: a
    Retry node's attempt, a nested template's children."""
    stack, seen = [node.id], set()
    while stack:
        current = ctx.run.nodes.get(stack.pop())
        if current is None or current.id in seen:
            continue
        seen.add(current.id)
        if current.phase in FULFILLED_PHASES:
            continue
        stack.extend(ctx.run.children(current))
        ctx.run.mark(current.id, "Error", message)


def exit_hook(ctx: Ctx, holder: WorkflowStep | DAGTask) -> LifecycleHook | None:
    """Argo's GetExitHook: `onExit: name` (with the workflow's arguments) or hooks.exit."""
    if holder.on_exit:
        return LifecycleHook(template=holder.on_exit, arguments=ctx.spec.arguments)
    if holder.hooks and "exit" in holder.hooks:
        return holder.hooks["exit"]
    return None


def run_exit_hook(
    ctx: Ctx,
    hook: LifecycleHook | None,
    parent: NodeStatus,
    boundary_id: str | None,
    tscope: Scope,
    prefix: str,
    scope: Mapping[str, Any],
) -> bool:
    """Run the exit handler of a completed node; True when there is none or it is done."""
    if hook is None or parent.phase not in COMPLETED_PHASES or ctx.shutdown == "Terminate":
        return True
    outputs_node = parent
    if parent.type == "Retry":
        children = ctx.run.children(parent)
        if children and children[-1] in ctx.run.nodes:
            outputs_node = ctx.run.nodes[children[-1]]
    local = layered(node_vars(prefix, outputs_node), {f"{prefix}.status": parent.phase}, scope)
    try:
        if hook.expression and not _holds(hook.expression, "exit", nested(local)):
            return True
        args = hook.arguments
        if args is not None:
            args = resolve_argument_artifacts(
                substitute_model(args, local, strict=True, at="arguments"), local
            )
    except (ExprError, InputError, ValueError) as err:
        raise HookError(str(err)) from err
    name = on_exit_name(parent.name)
    node = execute_template(
        ctx,
        name,
        hook,
        tscope,
        args,
        Opts(boundary_id=boundary_id, on_exit=True, flag=NodeFlag(hooked=True)),
    )
    if node is not None:
        ctx.run.add_child(parent.name, name)
    return node is not None and node.phase in FULFILLED_PHASES


def run_lifecycle_hooks(
    ctx: Ctx,
    hooks: dict[str, LifecycleHook] | None,
    parent: NodeStatus,
    boundary_id: str | None,
    tscope: Scope,
    prefix: str,
    scope: Mapping[str, Any],
) -> bool:
    """Argo's executeTmplLifeCycleHook: every hook but `exit` runs, as
    `<node>.hooks.<name>`, once its expression holds; True when those started are done."""
    if not hooks:
        return True
    local = layered(node_vars(prefix, parent), {f"{prefix}.status": parent.phase}, scope)
    return _run_hooks(ctx, hooks, parent.name, boundary_id, tscope, local)


def run_workflow_hooks(ctx: Ctx, hooks: dict[str, LifecycleHook] | None) -> bool:
    """Argo's executeWfLifeCycleHook: `spec.hooks` other than `exit`, as `<wf>.hooks.<name>`."""
    if not hooks:
        return True
    return _run_hooks(ctx, hooks, ctx.name, None, Scope(), ctx.globals)


def _run_hooks(
    ctx: Ctx,
    hooks: dict[str, LifecycleHook],
    parent_name: str,
    boundary_id: str | None,
    tscope: Scope,
    scope: Mapping[str, Any],
) -> bool:
    done = True
    env: dict[str, Any] | None = None
    for name in sorted(hooks):
        if name == "exit":
            continue
        hook = hooks[name]
        node_name = f"{parent_name}.hooks.{name}"
        existing = ctx.run.by_name(node_name)
        if existing is None:
            if env is None:
                env = nested(scope)
            try:
                if not hook.expression:
                    raise InputError(f"Expression required for hook {node_name}")
                if not _holds(hook.expression, name, env):
                    continue
                args = hook.arguments
                if args is not None:
                    args = substitute_model(args, scope, strict=True, at="arguments")
            except (ExprError, InputError, ValueError) as err:
                opts = Opts(boundary_id=boundary_id, flag=NodeFlag(hooked=True))
                error_node(ctx, None, node_name, hook, tscope, opts, str(err))
                ctx.run.add_child(parent_name, node_name)
                raise HookError(str(err)) from err
        else:
            args = hook.arguments
            if args is not None:
                args = substitute_model(args, scope, strict=False)
        node = execute_template(
            ctx,
            node_name,
            hook,
            tscope,
            args,
            Opts(boundary_id=boundary_id, flag=NodeFlag(hooked=True)),
        )
        if node is not None:
            ctx.run.add_child(parent_name, node_name)
        done = done and node is not None and node.phase in FULFILLED_PHASES
    return done


def _holds(expression: str, name: str, env: Mapping[str, Any]) -> bool:
    """A hook's `expression`; an error names the hook's field."""
    try:
        return evaluate_bool(expression, env)
    except ExprError as err:
        raise at_field(f"hooks.{name}.expression", err) from err
