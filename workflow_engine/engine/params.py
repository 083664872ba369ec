"""Inputs and outputs: binding arguments to a template's inputs (Argo's ProcessArgs),
resolving input artifacts `from` other nodes, turning a pod's TaskResult into node
outputs, computing a steps/dag template's outputs, and publishing `globalName`s."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from workflow_engine.engine.context import Ctx
from workflow_engine.engine.exprs import ExprError, at_field, evaluate, substitute
from workflow_engine.engine.layers import layered
from workflow_engine.engine.scope import substitute_model
from workflow_engine.errors import WorkflowEngineError
from workflow_engine.expr.values import go_str, render
from workflow_engine.spec.models import (
    Arguments,
    Artifact,
    ArtifactLocation,
    Inputs,
    Outputs,
    Parameter,
    Template,
)

_LOCATION_KEYS = tuple(name for name in ArtifactLocation.model_fields if name != "archive_logs")


class InputError(WorkflowEngineError):
    """Arguments do not satisfy a template's inputs."""


def nested(scope: Mapping[str, Any]) -> dict[str, Any]:
    """The flat dotted scope as nested maps, the environment expr-lang sees."""
    out: dict[str, Any] = {}
    for key in scope:
        value = scope[key]
        parts = key.split(".")
        cur = out
        for part in parts[:-1]:
            nxt = cur.get(part)
            if not isinstance(nxt, dict):
                nxt = cur[part] = {}
            cur = nxt
        if not isinstance(cur.get(parts[-1]), dict):
            cur[parts[-1]] = value.to_dict() if isinstance(value, Artifact) else value
    return out


def has_location(art: Artifact) -> bool:
    return any(getattr(art, key) is not None for key in _LOCATION_KEYS)


def bind_inputs(
    ctx: Ctx, template: Template, args: Arguments | None
) -> tuple[Inputs | None, dict[str, Any]]:
    """The template's inputs with values filled in, and the `inputs.*` variables."""
    if template.inputs is None:
        return None, {}
    scope: dict[str, Any] = {}
    arg_params = {p.name: p for p in (args.parameters if args else None) or ()}
    params: list[Parameter] = []
    for param in template.inputs.parameters or ():
        value = param.value if param.value is not None else param.default
        supplied = arg_params.get(param.name)
        if supplied is not None and supplied.value is not None:
            value = supplied.value
        if value is None:
            raise InputError(f"inputs.parameters.{param.name} was not supplied")
        # an input may refer to the inputs before it (`default: "{{=inputs.parameters.a}}"`)
        value = substitute(value, layered(scope, ctx.globals), strict=False)
        if param.enum and value not in param.enum:
            raise InputError(
                f"value '{value}' for input parameter '{param.name}' is not in enum {param.enum}"
            )
        params.append(param.model_copy(update={"value": value}))
        scope[f"inputs.parameters.{param.name}"] = value
    if params:
        scope["inputs.parameters"] = json.dumps(
            [p.to_dict() for p in params], separators=(",", ":")
        )
    arg_arts = {a.name: a for a in (args.artifacts if args else None) or ()}
    # Argo substitutes the template's inputs too: a location may use the workflow's
    # variables and the input parameters (`s3: {key: "{{workflow.name}}/x"}`)
    located = layered(scope, ctx.globals)
    artifacts = [
        _bind_artifact(substitute_model(art, located, strict=False), arg_arts.get(art.name), scope)
        for art in template.inputs.artifacts or ()
    ]
    inputs = template.inputs.model_copy(
        update={"parameters": params or None, "artifacts": artifacts or None}
    )
    return inputs, scope


def _bind_artifact(art: Artifact, supplied: Artifact | None, scope: dict[str, Any]) -> Artifact:
    if supplied is not None and (has_location(supplied) or supplied.from_ is None):
        located = {k: getattr(supplied, k) for k in _LOCATION_KEYS if getattr(supplied, k)}
        if located:
            art = art.model_copy(update=located)
    elif not has_location(art) and not art.optional and art.from_ is None:
        raise InputError(f"inputs.artifacts.{art.name} was not supplied")
    if art.path:
        scope[f"inputs.artifacts.{art.name}.path"] = art.path
    scope[f"inputs.artifacts.{art.name}"] = art
    return art


def resolve_argument_artifacts(
    args: Arguments | None, scope: Mapping[str, Any]
) -> Arguments | None:
    """Replace `from: "{{steps.x.outputs.artifacts.y}}"` by that artifact's location."""
    if args is None or not args.artifacts:
        return args
    resolved = []
    for art in args.artifacts:
        if art.from_ or art.from_expression:
            source = artifact_source(art, scope)
            if source is None:
                raise InputError(f"Unable to resolve: {art.from_ or art.from_expression}")
            located = {k: getattr(source, k) for k in _LOCATION_KEYS if getattr(source, k)}
            art = art.model_copy(update={**located, "from_": None, "from_expression": None})
        resolved.append(at_sub_path(art))
    return args.model_copy(update={"artifacts": resolved})


def artifact_source(art: Artifact, scope: Mapping[str, Any]) -> Artifact | None:
    """The artifact `from: "{{steps.x.outputs.artifacts.y}}"` or `fromExpression`
    (an expression giving an artifact, e.g. one of two tasks' outputs) names."""
    if art.from_:
        key = art.from_.strip().removeprefix("{{").removesuffix("}}").strip()
        source = scope.get(key)
        return source if isinstance(source, Artifact) else None
    if not art.from_expression:
        return None
    try:
        value = evaluate(art.from_expression, nested(layered({}, scope)))
    except ExprError:
        return None
    if isinstance(value, Artifact):
        return value
    try:
        return Artifact.model_validate(value) if isinstance(value, dict) else None
    except ValidationError:
        return None


_NAMING_FIELD = {"s3": "key", "local": "key", "http": "url"}


def at_sub_path(art: Artifact) -> Artifact:
    """Argo's AppendToKey: an argument's `subPath` names a file or directory inside the
    artifact (stored unarchived, `archive: none`), by extending its key or URL."""
    if not art.sub_path:
        return art
    for kind, field in _NAMING_FIELD.items():
        loc = getattr(art, kind)
        if loc is not None and getattr(loc, field):
            where = f"{getattr(loc, field).rstrip('/')}/{art.sub_path.strip('/')}"
            return art.model_copy(
                update={kind: loc.model_copy(update={field: where}), "sub_path": None}
            )
    return art


def pod_outputs(
    template: Template, reported: Outputs | None, exit_code: int | None
) -> Outputs | None:
    """Node outputs from the executor's TaskResult, with declared defaults filled in."""
    declared = template.outputs
    got = {p.name: p for p in (reported.parameters if reported else None) or ()}
    params = []
    for param in (declared.parameters if declared else None) or ():
        value = got[param.name].value if param.name in got else None
        if value is None and param.value_from is not None and param.value_from.default is not None:
            value = param.value_from.default
        if value is None:
            raise InputError(f"output parameter '{param.name}' was not reported by the executor")
        params.append(Parameter(name=param.name, value=value, global_name=param.global_name))
    names = {p.name for p in params}
    params.extend(p for p in got.values() if p.name not in names and declared is None)
    update: dict[str, Any] = {}
    if params:
        update["parameters"] = params
    if reported is not None and reported.artifacts:
        update["artifacts"] = _with_global_names(reported.artifacts, declared)
    if reported is not None and reported.result is not None:
        update["result"] = reported.result
    code = reported.exit_code if reported is not None else None
    if code is None and exit_code is not None:
        code = str(exit_code)
    if code is not None:
        update["exit_code"] = code
    return Outputs(**update) if update else None


def _with_global_names(artifacts: list[Artifact], declared: Outputs | None) -> list[Artifact]:
    names = {a.name: a.global_name for a in (declared.artifacts if declared else None) or ()}
    return [
        a.model_copy(update={"global_name": names[a.name]}) if names.get(a.name) else a
        for a in artifacts
    ]


def template_outputs(template: Template, scope: Mapping[str, Any]) -> Outputs | None:
    """Argo's getTemplateOutputsFromScope for steps and dag templates."""
    declared = template.outputs
    if declared is None:
        return None
    params = []
    for index, param in enumerate(declared.parameters or ()):
        try:
            value = _output_value(param, scope)
        except ExprError as err:
            raise at_field(f"outputs.parameters[{index}]", err) from err
        params.append(Parameter(name=param.name, value=value, global_name=param.global_name))
    artifacts = []
    for art in declared.artifacts or ():
        source = artifact_source(art, scope)
        if source is None:
            if art.optional:
                continue
            raise InputError(
                f"unable to resolve outputs from scope: {art.from_ or art.from_expression}"
            )
        artifacts.append(
            source.model_copy(update={"name": art.name, "global_name": art.global_name})
        )
    if not params and not artifacts:
        return None
    return Outputs(parameters=params or None, artifacts=artifacts or None)


def _output_text(value: Any) -> str:
    """An expression's result as an output parameter: strings as they are, a time or a
    duration as Go prints them, anything else as compact JSON (maps' keys sorted)."""
    if isinstance(value, datetime | timedelta):
        return go_str(value)
    return render(value)


def _output_value(param: Parameter, scope: Mapping[str, Any]) -> str:
    source = param.value_from
    if source is None:
        if param.value is None:
            raise InputError(f"output parameter '{param.name}' has no value or valueFrom")
        return substitute(param.value, scope, strict=True)
    try:
        if source.parameter:
            return substitute(source.parameter, scope, strict=True)
        if source.expression:
            value = evaluate(source.expression, nested(layered({}, scope)))
            return _output_text(value)
        if source.supplied is not None and param.value is not None:
            return param.value
    except ExprError:
        if source.default is None:
            raise
    if source.default is not None:
        return source.default
    raise InputError(f"output parameter '{param.name}' has no value")


def publish_globals(ctx: Ctx, outputs: Outputs | None) -> None:
    """Argo's addOutputsToGlobalScope: `globalName` outputs become workflow outputs."""
    if outputs is None:
        return
    for param in outputs.parameters or ():
        if param.global_name and param.value is not None:
            ctx.global_params[param.global_name] = Parameter(
                name=param.global_name, value=param.value
            )
            ctx.globals[f"workflow.outputs.parameters.{param.global_name}"] = param.value
    for art in outputs.artifacts or ():
        if art.global_name:
            ctx.global_artifacts[art.global_name] = art.model_copy(update={"name": art.global_name})
            ctx.globals[f"workflow.outputs.artifacts.{art.global_name}"] = art
