"""Checks of one template on its own: its type, image, timeouts, retry strategy,
parallelism, inputs and outputs (the bodies of steps and DAGs are `lint.steps` and
`lint.dag`; `{{...}}` references are `lint.refs`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from workflow_engine.errors import SpecError
from workflow_engine.lint.container_set import check_container_set
from workflow_engine.lint.context import SpecContext
from workflow_engine.lint.exprs import expression_errors, replace_tags
from workflow_engine.lint.names import (
    duration_problem,
    int_value,
    is_variable,
    number_value,
    param_name_problem,
    q,
)
from workflow_engine.spec.loader import parse_yaml
from workflow_engine.spec.models import (
    TEMPLATE_KINDS,
    Artifact,
    Parameter,
    RetryStrategy,
    Template,
)

LEAF_KINDS = frozenset(TEMPLATE_KINDS) - {"steps", "dag"}
RETRY_POLICIES = ("Always", "OnFailure", "OnError", "OnTransientError")
RESOURCE_ACTIONS = ("get", "create", "apply", "delete", "replace", "patch")
PLUGIN_REFUSED = "executor plugins are not supported: no plugin would ever run this template"


def is_leaf(template: Template) -> bool:
    return template.kind in LEAF_KINDS


def check_template(ctx: SpecContext, template: Template, path: str) -> Iterator[SpecError]:
    kinds = template.kinds
    if not kinds:
        yield SpecError(path, "no template type: set one of " + ", ".join(TEMPLATE_KINDS))
    elif len(kinds) > 1:
        yield SpecError(path, "several template types (" + ", ".join(kinds) + "): keep one")
    yield from _check_images(ctx, template, path)
    yield from _check_limits(template, path)
    if template.retry_strategy is not None:
        yield from check_retry(template.retry_strategy, f"{path}.retryStrategy")
    if template.suspend is not None and template.suspend.duration is not None:
        problem = duration_problem(template.suspend.duration)
        if problem:
            yield SpecError(f"{path}.suspend.duration", problem)
    if template.resource is not None:
        yield from _check_resource(template, path)
    if template.container_set is not None:
        yield from check_container_set(ctx, template, path)
    if template.plugin is not None:
        # a plugin template would wait for an executor plugin that never answers
        yield SpecError(f"{path}.plugin", PLUGIN_REFUSED)
    for index, container in enumerate(template.init_containers or []):
        if not container.name:
            yield SpecError(f"{path}.initContainers[{index}].name", "required field is missing")
    yield from check_inputs(template, path)
    yield from check_outputs(template, path)


def _check_images(ctx: SpecContext, template: Template, path: str) -> Iterator[SpecError]:
    for kind, holder in (("container", template.container), ("script", template.script)):
        if holder is not None and not holder.image and not ctx.default_image(kind):
            yield SpecError(f"{path}.{kind}.image", "required: the image to run")


def _check_limits(template: Template, path: str) -> Iterator[SpecError]:
    leaf = is_leaf(template)
    if template.parallelism is not None:
        if template.kind and leaf:
            yield SpecError(f"{path}.parallelism", "only valid for steps and dag templates")
        elif template.parallelism < 1:
            yield SpecError(f"{path}.parallelism", "must be at least 1")
    if template.timeout is not None:
        if template.kind and not leaf:
            yield SpecError(f"{path}.timeout", f"not supported by {template.kind} templates")
        problem = duration_problem(template.timeout, seconds_allowed=False)
        if problem:
            yield SpecError(f"{path}.timeout", problem)
    deadline = template.active_deadline_seconds
    if deadline is not None:
        where = f"{path}.activeDeadlineSeconds"
        if template.kind and not leaf:
            yield SpecError(where, "only valid for leaf templates (container, script, ...)")
        elif not (isinstance(deadline, str) and is_variable(deadline)):
            value = int_value(deadline)
            if value is None or value < 0:
                yield SpecError(where, "must be a positive integer or a {{...}} variable")


def check_retry(retry: RetryStrategy, path: str) -> Iterator[SpecError]:
    if retry.retry_policy is not None and retry.retry_policy not in RETRY_POLICIES:
        yield SpecError(
            f"{path}.retryPolicy",
            f"unknown retryPolicy {q(retry.retry_policy)}; use one of " + ", ".join(RETRY_POLICIES),
        )
    if retry.limit is not None and not (isinstance(retry.limit, str) and is_variable(retry.limit)):
        limit = int_value(retry.limit)
        if limit is None:
            yield SpecError(f"{path}.limit", f"{q(retry.limit)} is not an integer")
        elif limit < 0:
            yield SpecError(f"{path}.limit", "must not be negative")
    backoff = retry.backoff
    if backoff is not None:
        for field, value in (
            ("duration", backoff.duration),
            ("maxDuration", backoff.max_duration),
            ("cap", backoff.cap),
        ):
            problem = duration_problem(value) if value is not None else None
            if problem:
                yield SpecError(f"{path}.backoff.{field}", problem)
        factor = backoff.factor
        if factor is not None and not (isinstance(factor, str) and is_variable(factor)):
            number = number_value(factor)
            if number is None:
                yield SpecError(f"{path}.backoff.factor", f"{q(factor)} is not a number")
            elif number < 1:
                yield SpecError(f"{path}.backoff.factor", "must be at least 1")
    if retry.expression:
        yield from expression_errors(retry.expression, f"{path}.expression")


def _check_resource(template: Template, path: str) -> Iterator[SpecError]:
    resource = template.resource
    assert resource is not None
    where = f"{path}.resource"
    if not is_variable(resource.action) and resource.action not in RESOURCE_ACTIONS:
        yield SpecError(f"{where}.action", "must be one of " + ", ".join(RESOURCE_ACTIONS))
    if resource.manifest:
        # Tags stand for plain words, as they will once substituted.
        try:
            parse_yaml(replace_tags(resource.manifest, "placeholder"), "manifest")
        except SpecError as exc:
            yield SpecError(f"{where}.manifest", f"not valid YAML: {exc}")
    if resource.manifest_from is not None:
        artifact = resource.manifest_from.artifact
        name = artifact.get("name") if isinstance(artifact, dict) else None
        declared = {a.name for a in (template.inputs.artifacts if template.inputs else None) or []}
        if name not in declared:
            yield SpecError(f"{where}.manifestFrom.artifact", f"unknown input artifact {q(name)}")
    if resource.action in ("get", "delete"):
        return
    if not resource.manifest and resource.manifest_from is None:
        yield SpecError(where, "set manifest or manifestFrom")
    if resource.manifest and resource.manifest_from is not None:
        yield SpecError(where, "set only one of manifest and manifestFrom")


def check_names(items: Sequence[Parameter | Artifact], path: str) -> Iterator[SpecError]:
    """Names of a list of parameters or artifacts: valid and unique."""
    seen: set[str] = set()
    for index, item in enumerate(items):
        problem = param_name_problem(item.name)
        if problem:
            yield SpecError(f"{path}[{index}].name", problem)
        elif item.name in seen:
            yield SpecError(f"{path}[{index}].name", f"duplicate name {q(item.name)}")
        seen.add(item.name)


def enum_problem(param: Parameter, value: str | None) -> str | None:
    if param.enum is None:
        return None
    if not param.enum:
        return "enum must list at least one value"
    if value is None or is_variable(value) or value in param.enum:
        return None
    return f"value {q(value)} is not one of the enum values {q(param.enum)}"


def check_inputs(template: Template, path: str) -> Iterator[SpecError]:
    inputs = template.inputs
    if inputs is None:
        return
    params = inputs.parameters or []
    yield from check_names(params, f"{path}.inputs.parameters")
    for index, param in enumerate(params):
        problem = enum_problem(param, param.value if param.value is not None else param.default)
        if problem:
            yield SpecError(f"{path}.inputs.parameters[{index}]", problem)
    artifacts = inputs.artifacts or []
    yield from check_names(artifacts, f"{path}.inputs.artifacts")
    for index, artifact in enumerate(artifacts):
        where = f"{path}.inputs.artifacts[{index}]"
        if artifact.from_ is not None:
            yield SpecError(
                f"{where}.from", "not valid in inputs: pass it in the caller's arguments"
            )
        if artifact.path is not None and template.kind and not is_leaf(template):
            yield SpecError(f"{where}.path", "only valid in container and script templates")


def check_outputs(template: Template, path: str) -> Iterator[SpecError]:
    outputs = template.outputs
    if outputs is None:
        return
    params = outputs.parameters or []
    yield from check_names(params, f"{path}.outputs.parameters")
    for index, param in enumerate(params):
        yield from _check_output_parameter(template, param, f"{path}.outputs.parameters[{index}]")
    artifacts = outputs.artifacts or []
    yield from check_names(artifacts, f"{path}.outputs.artifacts")
    for index, artifact in enumerate(artifacts):
        where = f"{path}.outputs.artifacts[{index}]"
        if artifact.path is not None and template.kind and not is_leaf(template):
            yield SpecError(f"{where}.path", "only valid in container and script templates")
        if artifact.global_name and not is_variable(artifact.global_name):
            problem = param_name_problem(artifact.global_name)
            if problem:
                yield SpecError(f"{where}.globalName", problem)


_VALUE_FROM_KINDS = ("path", "jq_filter", "json_path", "parameter", "expression", "supplied")


def _check_output_parameter(
    template: Template, param: Parameter, where: str
) -> Iterator[SpecError]:
    if param.global_name and not is_variable(param.global_name):
        problem = param_name_problem(param.global_name)
        if problem:
            yield SpecError(f"{where}.globalName", problem)
    source = param.value_from
    if source is not None and param.value is not None:
        yield SpecError(where, "set only one of value and valueFrom")
        return
    if param.value is not None:
        return
    if source is None:
        yield SpecError(where, "set value or valueFrom")
        return
    given = [k for k in _VALUE_FROM_KINDS if getattr(source, k) is not None]
    if len(given) > 1:
        yield SpecError(
            f"{where}.valueFrom",
            "set only one of path, jqFilter, jsonPath, parameter, expression, supplied",
        )
    kind = template.kind
    if kind in ("container", "containerSet", "script") and source.path is None:
        yield SpecError(f"{where}.valueFrom.path", f"required for {kind} templates")
    elif kind == "resource" and source.jq_filter is None and source.json_path is None:
        yield SpecError(f"{where}.valueFrom", "set jqFilter or jsonPath for resource templates")
    elif kind in ("steps", "dag") and source.parameter is None and source.expression is None:
        yield SpecError(f"{where}.valueFrom", f"set parameter or expression for {kind} templates")
    if source.expression:
        yield from expression_errors(source.expression, f"{where}.valueFrom.expression")
