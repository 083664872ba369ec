"""Data templates in the pure core: the node asks for its source's listing, then the
transformations run in order over `data` and the last value is the result, a JSON list.
Argo's behaviour: docs/data-sourcing-and-transformation.md of argoproj/argo-workflows."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from workflow_engine.engine import Observed, operate
from workflow_engine.engine.data_io import DataListing, ListArtifact
from workflow_engine.spec.models import Workflow

NOW = datetime(2024, 1, 1, tzinfo=UTC)
PATHS = ("runs/b.log", "runs/a.log", "runs/notes.txt")


def workflow(transformation: list[dict[str, Any]]) -> Workflow:
    data = {
        "source": {"artifactPaths": {"name": "runs", "s3": {"key": "{{workflow.name}}/runs"}}},
        "transformation": transformation,
    }
    spec = {"entrypoint": "pick", "templates": [{"name": "pick", "data": data}]}
    return Workflow.model_validate({"metadata": {"name": "wf"}, "spec": spec})


def decide(transformation: list[dict[str, Any]], listing: DataListing) -> Any:
    wf = workflow(transformation)
    first = operate(wf, Observed(), NOW)
    [node] = first.status.nodes.values()
    [action] = [a for a in first.actions if isinstance(a, ListArtifact)]
    assert action.artifact.s3 is not None and action.artifact.s3.key == "wf/runs"
    assert (node.type, node.phase) == ("Pod", "Pending")
    wf = wf.model_copy(update={"status": first.status})
    decision = operate(wf, Observed(data={node.id: listing}), NOW)
    return decision.status.nodes[node.id]


@pytest.mark.parametrize(
    "transformation,result",
    [
        pytest.param([], list(PATHS), id="no-transformation"),
        pytest.param(
            [{"expression": 'filter(data, {# endsWith ".log"})'}, {"expression": "sort(data)"}],
            ["runs/a.log", "runs/b.log"],
            id="filter-then-sort",
        ),
        pytest.param(
            [{"expression": "map(data, {split(#, '/')[1]})"}],
            ["b.log", "a.log", "notes.txt"],
            id="map",
        ),
    ],
)
def test_transformations_make_the_result(
    transformation: list[dict[str, Any]], result: list[str]
) -> None:
    node = decide(transformation, DataListing(paths=PATHS))
    assert node.phase == "Succeeded"
    assert json.loads(node.outputs.result) == result


@pytest.mark.parametrize(
    "transformation,listing,message",
    [
        pytest.param([], DataListing(error="no object at key"), "no object at key", id="source"),
        pytest.param(
            [{"expression": "filter(data, {# endsWith })"}],
            DataListing(paths=PATHS),
            "data.transformation[0]",
            id="bad-expression",
        ),
        pytest.param(
            [{"nope": 1}], DataListing(paths=PATHS), "expression is required", id="no-expr"
        ),
    ],
)
def test_failures_error_the_node(
    transformation: list[dict[str, Any]], listing: DataListing, message: str
) -> None:
    node = decide(transformation, listing)
    assert node.phase == "Error" and message in (node.message or "")
