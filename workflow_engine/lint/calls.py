"""What steps and DAG tasks have in common: the template they call, the arguments
they pass it, their loop (withItems / withParam / withSequence), their `when`, hooks
and onExit. `lint.steps` and `lint.dag` call these for each step or task."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from workflow_engine.errors import SpecError
from workflow_engine.lint.context import SpecContext, resolve_call
from workflow_engine.lint.exprs import expression_errors, when_errors
from workflow_engine.lint.names import int_value, is_variable, q
from workflow_engine.lint.templates import check_names, enum_problem
from workflow_engine.spec.models import (
    Arguments,
    Artifact,
    DAGTask,
    LifecycleHook,
    Template,
    WorkflowStep,
)

Call = WorkflowStep | DAGTask
_LOCATIONS = ("s3", "git", "http", "raw", "artifactory", "hdfs", "oss", "gcs", "azure")


def has_location(artifact: Artifact) -> bool:
    return any(getattr(artifact, field) is not None for field in _LOCATIONS)


def check_loop(call: Call, path: str) -> tuple[list[SpecError], bool, frozenset[str] | None]:
    """Errors of the loop fields, whether there is a loop, and the item keys it offers
    (None when any key may do: withParam, or items that are not all mappings)."""
    errors: list[SpecError] = []
    kinds = [
        name
        for name, value in (
            ("withItems", call.with_items),
            ("withParam", call.with_param),
            ("withSequence", call.with_sequence),
        )
        if value is not None
    ]
    if len(kinds) > 1:
        errors.append(SpecError(path, "set only one of " + ", ".join(kinds)))
    param = call.with_param
    if param is not None and not is_variable(param) and not _is_json_list(param):
        errors.append(SpecError(f"{path}.withParam", "must be a {{...}} reference or a JSON list"))
    sequence = call.with_sequence
    if sequence is not None:
        if sequence.count is not None and sequence.end is not None:
            errors.append(SpecError(f"{path}.withSequence", "set only one of count and end"))
        for field in ("count", "start", "end"):
            value = getattr(sequence, field)
            if value is None or (isinstance(value, str) and is_variable(value)):
                continue
            number = int_value(value)
            if number is None:
                errors.append(
                    SpecError(f"{path}.withSequence.{field}", f"{q(value)} is not an integer")
                )
            elif field == "count" and number < 0:
                errors.append(SpecError(f"{path}.withSequence.count", "must not be negative"))
    keys: frozenset[str] | None = None
    items = call.with_items
    if items and all(isinstance(item, dict) for item in items):
        keys = frozenset(k for item in items for k in item)
    return errors, bool(kinds), keys


def _is_json_list(text: str) -> bool:
    try:
        return isinstance(json.loads(text), list)
    except ValueError:
        return False


def check_arguments(arguments: Arguments | None, path: str) -> Iterator[SpecError]:
    """Arguments a step or task passes: named, unique, each with a value or a source."""
    if arguments is None:
        return
    params = arguments.parameters or []
    yield from check_names(params, f"{path}.parameters")
    for index, param in enumerate(params):
        if param.value is None and param.value_from is None:
            yield SpecError(f"{path}.parameters[{index}]", "set value or valueFrom")
    artifacts = arguments.artifacts or []
    yield from check_names(artifacts, f"{path}.artifacts")
    for index, artifact in enumerate(artifacts):
        where = f"{path}.artifacts[{index}]"
        if artifact.from_ is not None and artifact.from_expression is not None:
            yield SpecError(where, "set only one of from and fromExpression")
        elif not (artifact.from_ or artifact.from_expression or artifact.optional) and (
            not has_location(artifact)
        ):
            yield SpecError(where, "set from, fromExpression or an artifact location")


def check_supplied(
    callee: Template, arguments: Arguments | None, path: str, *, who: str
) -> Iterator[SpecError]:
    """The callee's inputs that have no default must be in `arguments`; enums respected."""
    given: Mapping[str, Any] = {
        p.name: p.value for p in ((arguments.parameters if arguments else None) or [])
    }
    given_arts = {a.name for a in ((arguments.artifacts if arguments else None) or [])}
    inputs = callee.inputs
    name = callee.name or "inline"
    for param in (inputs.parameters if inputs else None) or []:
        if param.name in given:
            problem = enum_problem(param, given[param.name])
            if problem:
                yield SpecError(path, f"parameter {q(param.name)}: {problem}")
        elif param.value is None and param.default is None and param.value_from is None:
            yield SpecError(path, f"missing parameter {q(param.name)} required by {who} {q(name)}")
    for artifact in (inputs.artifacts if inputs else None) or []:
        if artifact.name in given_arts or artifact.optional or has_location(artifact):
            continue
        if artifact.from_ is not None or artifact.from_expression is not None:
            continue
        yield SpecError(path, f"missing artifact {q(artifact.name)} required by {who} {q(name)}")


def check_call(ctx: SpecContext, call: Call, path: str) -> tuple[Template | None, list[SpecError]]:
    """The callee of a step or task, with errors of the call itself (not its references)."""
    callee, errors = resolve_call(ctx, path, call.template, call.template_ref, call.inline)
    errors.extend(check_arguments(call.arguments, f"{path}.arguments"))
    if callee is not None:
        errors.extend(check_supplied(callee, call.arguments, f"{path}.arguments", who="template"))
    if call.when is not None:
        errors.extend(when_errors(call.when, f"{path}.when"))
    on_exit = call.on_exit
    if (
        on_exit
        and ctx.templates_known
        and not is_variable(on_exit)
        and on_exit not in ctx.templates
    ):
        errors.append(SpecError(f"{path}.onExit", f"unknown template {q(call.on_exit)}"))
    errors.extend(check_hooks(ctx, call.hooks, f"{path}.hooks"))
    return callee, errors


def check_hooks(
    ctx: SpecContext, hooks: Mapping[str, LifecycleHook] | None, path: str
) -> Iterator[SpecError]:
    for name, hook in (hooks or {}).items():
        where = f"{path}.{name}"
        if name != "exit" and not hook.expression:
            yield SpecError(f"{where}.expression", 'required for hooks other than "exit"')
        if hook.expression:
            yield from expression_errors(hook.expression, f"{where}.expression")
        callee, errors = resolve_call(ctx, where, hook.template, hook.template_ref)
        yield from errors
        yield from check_arguments(hook.arguments, f"{where}.arguments")
        if callee is not None:
            yield from check_supplied(callee, hook.arguments, f"{where}.arguments", who="template")
