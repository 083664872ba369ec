"""Checks of a `steps` template: step names, the template each step calls, loops, and
the references each step makes (only to steps of earlier groups)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from workflow_engine.errors import SpecError
from workflow_engine.lint.calls import check_call, check_loop
from workflow_engine.lint.context import SpecContext
from workflow_engine.lint.names import field_name_problem, q
from workflow_engine.lint.refs import Node, Scope, check_value
from workflow_engine.spec.models import Template, WorkflowStep


def check_steps(
    ctx: SpecContext, template: Template, path: str, scope: Scope
) -> Iterator[SpecError]:
    """`scope` is the template's own (its inputs); steps become visible group by group.

    Also checks the template's outputs, which may name any step.
    """
    every = frozenset(s.name for group in template.steps or [] for s in group if s.name)
    visible: dict[str, Node] = {}
    seen: set[str] = set()
    for g, group in enumerate(template.steps or []):
        finished: dict[str, Node] = {}
        for s, step in enumerate(group):
            where = f"{path}.steps[{g}][{s}]"
            yield from _check_name(step, where, seen)
            callee, errors = check_call(ctx, step, where)
            yield from errors
            loop_errors, looped, keys = check_loop(step, where)
            yield from loop_errors
            node = Node(callee, looped and step.with_sequence is None)
            step_scope = replace(scope, steps=dict(visible), all_steps=every)
            yield from _check_refs(step, step_scope, where, node, keys if looped else False)
            if step.name:
                finished[step.name] = node
        visible.update(finished)
    if template.outputs is not None:
        outputs_scope = replace(scope, steps=visible, all_steps=every)
        yield from check_value(outputs_scope, template.outputs.to_dict(), f"{path}.outputs")


def _check_name(step: WorkflowStep, where: str, seen: set[str]) -> Iterator[SpecError]:
    if not step.name:
        yield SpecError(f"{where}.name", "required field is missing")
        return
    problem = field_name_problem(step.name)
    if problem:
        yield SpecError(f"{where}.name", problem)
    elif step.name in seen:
        yield SpecError(f"{where}.name", f"duplicate step name {q(step.name)}")
    seen.add(step.name)


def _check_refs(
    step: WorkflowStep,
    scope: Scope,
    where: str,
    node: Node,
    loop: frozenset[str] | bool | None,
) -> Iterator[SpecError]:
    """`loop` is False without a loop, else the item keys (None: any key)."""
    body = step.to_dict()
    hooks = body.pop("hooks", None)
    body.pop("inline", None)
    own = scope if loop is False or loop is True else scope.with_loop(loop)
    yield from check_value(own, body, where)
    if hooks and step.name and scope.steps is not None:
        # A hook runs after its own step, so it may read that step's outputs and status.
        after = replace(scope, steps={**scope.steps, step.name: node})
        yield from check_value(after, hooks, f"{where}.hooks")
