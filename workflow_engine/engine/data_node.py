"""Data templates (Argo's `data`), the engine's half. Argo runs them in a pod; here the
controller lists the source (the artifact drivers it already holds for garbage
collection do the reading, and no pod start is paid for a listing), and the engine
applies the transformations: expressions stay in the pure core, where the expression
language lives (the executor may not import it).

```yaml
data:
  source:
    artifactPaths: {name: logs, s3: {key: runs/}}
  transformation:
    - expression: 'filter(data, {# endsWith ".log"})'
```

The node (type Pod, as Argo's) waits Pending with a `ListArtifact` action until the
controller's `DataListing` arrives; then each transformation's expression gets the
previous value as `data` (the listed paths first), and the last value is the node's
`outputs.result`, a JSON list as Argo prints it. A source that cannot be read ends the
node Error; an expression that fails ends it Error naming the transformation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from workflow_engine.engine.context import Ctx, Opts
from workflow_engine.engine.data_io import DataListing, ListArtifact
from workflow_engine.engine.exprs import ExprError, evaluate
from workflow_engine.engine.layers import layered
from workflow_engine.engine.nodes import ensure_node, error_node
from workflow_engine.engine.scope import substitute_value
from workflow_engine.engine.templates import Holder, Scope
from workflow_engine.spec.models import Artifact, Inputs, NodeStatus, Outputs, Template
from workflow_engine.spec.status import FULFILLED_PHASES


class DataSpecError(ValueError):
    pass


def _source(block: dict[str, Any], scope: Mapping[str, Any]) -> Artifact:
    """The source artifact; `from: "{{inputs.artifacts.x}}"` takes that one's location."""
    source = block.get("source") or {}
    paths = source.get("artifactPaths")
    if not isinstance(paths, dict):
        raise DataSpecError("data.source.artifactPaths is required")
    try:
        artifact = Artifact.model_validate({"name": "data", **paths})
    except ValidationError as err:
        raise DataSpecError(f"data.source.artifactPaths: {err.errors()[0]['msg']}") from err
    if not artifact.from_:
        return artifact
    found = scope.get(artifact.from_.strip().removeprefix("{{").removesuffix("}}").strip())
    if not isinstance(found, Artifact):
        raise DataSpecError(f"data.source.artifactPaths.from: unable to resolve {artifact.from_}")
    return found.model_copy(update={"name": artifact.name})


def _except_from(sources: dict[str, Any]) -> dict[str, Any]:
    """The source block without `artifactPaths.from`, which names an artifact and is
    looked up, not substituted."""
    paths = sources.get("artifactPaths")
    if not isinstance(paths, dict) or "from" not in paths:
        return sources
    return {**sources, "artifactPaths": {k: v for k, v in paths.items() if k != "from"}}


def _with_from(substituted: dict[str, Any], sources: dict[str, Any]) -> dict[str, Any]:
    paths = sources.get("artifactPaths")
    if not isinstance(paths, dict) or "from" not in paths:
        return substituted
    done = substituted.get("artifactPaths") or {}
    return {**substituted, "artifactPaths": {**done, "from": paths["from"]}}


def transform(paths: tuple[str, ...], transformations: list[Any]) -> Any:
    """The paths through every transformation's expression, in order."""
    data: Any = list(paths)
    for index, step in enumerate(transformations):
        expression = step.get("expression") if isinstance(step, dict) else None
        if not isinstance(expression, str) or not expression:
            raise DataSpecError(f"data.transformation[{index}].expression is required")
        try:
            data = evaluate(expression, {"data": data})
        except ExprError as err:
            raise DataSpecError(f"data.transformation[{index}]: {err}") from err
    return data


def execute_data(
    ctx: Ctx,
    node_name: str,
    holder: Holder,
    tscope: Scope,
    template: Template,
    inputs: Inputs | None,
    input_scope: dict[str, Any],
    opts: Opts,
) -> NodeStatus:
    run = ctx.run
    assert template.data is not None
    scope = layered(input_scope, ctx.globals)
    raw = template.data.model_dump(mode="json")
    sources = raw.get("source") or {}
    try:
        block = substitute_value({**raw, "source": {}}, scope, True)
        block["source"] = _with_from(substitute_value(_except_from(sources), scope, True), sources)
        artifact = _source(block, scope)
    except (ExprError, DataSpecError, ValueError) as err:
        return error_node(ctx, run.by_name(node_name), node_name, holder, tscope, opts, str(err))
    node = ensure_node(ctx, node_name, "Pod", "Pending", holder, tscope, opts, inputs)
    if node.phase in FULFILLED_PHASES:
        return node
    listing = ctx.observed.data.get(node.id)
    if listing is None:
        run.actions.append(ListArtifact(node.id, artifact))
        return node
    return _finish(ctx, node, listing, block.get("transformation") or [])


def _finish(ctx: Ctx, node: NodeStatus, listing: DataListing, steps: list[Any]) -> NodeStatus:
    run = ctx.run
    if listing.error is not None:
        return run.mark(node.id, "Error", listing.error)
    try:
        result = transform(listing.paths, steps)
    except DataSpecError as err:
        return run.mark(node.id, "Error", str(err))
    text = result if isinstance(result, str) else json.dumps(result, separators=(",", ":"))
    run.update(node.id, outputs=Outputs(result=text))
    return run.mark(node.id, "Succeeded")
