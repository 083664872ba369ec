"""Lint of one workflow spec (of a Workflow, WorkflowTemplate or CronWorkflow): the
spec-level fields, then every template with its body and references."""

from __future__ import annotations

from collections.abc import Iterator

from workflow_engine.errors import SpecError
from workflow_engine.lint.calls import check_hooks, check_supplied, has_location
from workflow_engine.lint.cleanup import check_cleanup
from workflow_engine.lint.context import SpecContext
from workflow_engine.lint.dag import check_dag
from workflow_engine.lint.names import field_name_problem, q
from workflow_engine.lint.refs import Scope, check_value
from workflow_engine.lint.steps import check_steps
from workflow_engine.lint.templates import check_names, check_retry, check_template, enum_problem
from workflow_engine.spec.models import Template

POD_GC_STRATEGIES = ("OnPodCompletion", "OnPodSuccess", "OnWorkflowCompletion", "OnWorkflowSuccess")


def lint_spec(ctx: SpecContext, path: str) -> Iterator[SpecError]:
    """Every error of the spec at `path` (e.g. "spec" or "spec.workflowSpec")."""
    spec = ctx.spec
    yield from _check_spec_fields(ctx, path)
    seen: set[str] = set()
    for index, template in enumerate(spec.templates or []):
        where = f"{path}.templates[{index}]"
        if not template.name:
            yield SpecError(f"{where}.name", "required field is missing")
        else:
            problem = field_name_problem(template.name)
            if problem:
                yield SpecError(f"{where}.name", problem)
            elif template.name in seen:
                yield SpecError(f"{where}.name", f"duplicate template name {q(template.name)}")
            seen.add(template.name)
        yield from lint_template(ctx, template, where)


def lint_template(ctx: SpecContext, template: Template, path: str) -> Iterator[SpecError]:
    """A template's own checks, its body (steps or dag) and its references."""
    yield from check_template(ctx, template, path)
    scope = Scope.of_template(ctx, template)
    body = template.to_dict()
    for field in ("steps", "dag", "name"):
        body.pop(field, None)
    if template.steps is not None or template.dag is not None:
        body.pop("outputs", None)
    yield from check_value(scope, body, path)
    if template.steps is not None:
        yield from check_steps(ctx, template, path, scope)
        for g, group in enumerate(template.steps):
            for s, step in enumerate(group):
                if step.inline is not None:
                    yield from lint_template(ctx, step.inline, f"{path}.steps[{g}][{s}].inline")
    if template.dag is not None:
        yield from check_dag(ctx, template, path, scope)
        for index, task in enumerate(template.dag.tasks):
            if task.inline is not None:
                yield from lint_template(ctx, task.inline, f"{path}.dag.tasks[{index}].inline")


def _check_spec_fields(ctx: SpecContext, path: str) -> Iterator[SpecError]:
    spec = ctx.spec
    arguments = spec.arguments
    if arguments is not None:
        yield from check_names(arguments.parameters or [], f"{path}.arguments.parameters")
        yield from check_names(arguments.artifacts or [], f"{path}.arguments.artifacts")
        for index, param in enumerate(arguments.parameters or []):
            problem = enum_problem(param, param.value)
            if problem:
                yield SpecError(f"{path}.arguments.parameters[{index}]", problem)
        for index, artifact in enumerate(arguments.artifacts or []):
            sourced = artifact.from_ or artifact.from_expression or has_location(artifact)
            if not (sourced or artifact.optional or ctx.is_template):
                yield SpecError(
                    f"{path}.arguments.artifacts[{index}]", "set from or an artifact location"
                )
    if spec.parallelism is not None and spec.parallelism < 1:
        yield SpecError(f"{path}.parallelism", "must be at least 1")
    if spec.retry_strategy is not None:
        yield from check_retry(spec.retry_strategy, f"{path}.retryStrategy")
    pod_gc = spec.pod_gc.strategy if spec.pod_gc else None
    if pod_gc and pod_gc not in POD_GC_STRATEGIES:
        yield SpecError(
            f"{path}.podGC.strategy",
            f"unknown strategy {q(pod_gc)}; use one of " + ", ".join(POD_GC_STRATEGIES),
        )
    yield from check_cleanup(spec, path)
    yield from check_hooks(ctx, spec.hooks, f"{path}.hooks")
    if spec.on_exit and ctx.templates_known and spec.on_exit not in ctx.templates:
        yield SpecError(f"{path}.onExit", f"unknown template {q(spec.on_exit)}")
    if spec.workflow_template_ref is not None and spec.templates:
        yield SpecError(f"{path}.templates", "not allowed with workflowTemplateRef")
    yield from _check_entrypoint(ctx, path)


def _check_entrypoint(ctx: SpecContext, path: str) -> Iterator[SpecError]:
    spec = ctx.spec
    if not ctx.templates_known:
        return
    entrypoint = ctx.entrypoint
    if not entrypoint:
        if not ctx.is_template:
            yield SpecError(f"{path}.entrypoint", "required: the template to start with")
        return
    entry = ctx.templates.get(entrypoint)
    if entry is None:
        where = "workflowTemplateRef" if spec.workflow_template_ref else "entrypoint"
        yield SpecError(f"{path}.{where}", f"unknown template {q(entrypoint)} as entrypoint")
    elif not ctx.is_template:
        yield from check_supplied(entry, ctx.arguments, f"{path}.arguments", who="entrypoint")
