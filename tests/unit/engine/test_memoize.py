"""Memoization in the pure core: the engine asks for the cache it was not given, a hit
is a Succeeded node with the cached outputs and no pod, a miss runs and asks for its
outputs to be saved, maxAge is measured against `now`. Argo's behaviour:
docs/memoization.md and workflow/controller/cache/ in argoproj/argo-workflows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from workflow_engine.engine import CreatePod, Observed, PodState, TaskResult, operate
from workflow_engine.engine.memo import SaveMemo, cache_entry
from workflow_engine.spec.models import Outputs, Parameter, Workflow, format_time

NOW = datetime(2024, 1, 1, 12, tzinfo=UTC)
MEMO = {"key": "{{inputs.parameters.n}}", "maxAge": "1h", "cache": {"configMap": {"name": "c"}}}


def workflow(memoize: dict[str, Any] | None = None) -> Workflow:
    template = {
        "name": "main",
        "inputs": {"parameters": [{"name": "n", "value": "7"}]},
        "memoize": memoize or MEMO,
        "container": {"image": "alpine"},
    }
    spec = {"entrypoint": "main", "templates": [template]}
    return Workflow.model_validate({"metadata": {"name": "wf"}, "spec": spec})


def entry(age: timedelta, result: str = "cached") -> str:
    outputs = Outputs(parameters=[Parameter(name="out", value=result)], result=result)
    return cache_entry("old-node", outputs, format_time(NOW - age))


def test_the_cache_is_asked_for_before_anything_is_decided() -> None:
    decision = operate(workflow(), Observed(), NOW)
    assert decision.needs_caches == ("c",)
    assert not decision.actions and not decision.status.nodes


def test_hit_skips_the_pod_and_reuses_the_outputs() -> None:
    observed = Observed(caches={"c": {"7": entry(timedelta(minutes=5))}})
    decision = operate(workflow(), observed, NOW)
    assert decision.status.phase == "Succeeded"
    [node] = decision.status.nodes.values()
    assert node.phase == "Succeeded" and node.outputs is not None
    assert node.outputs.result == "cached"
    assert node.memoization_status.model_dump() == {"hit": True, "key": "7", "cacheName": "c"}
    assert not any(isinstance(a, CreatePod | SaveMemo) for a in decision.actions)


@pytest.mark.parametrize(
    "cache",
    [
        pytest.param({}, id="no-entry"),
        pytest.param({"7": entry(timedelta(hours=2))}, id="older-than-maxAge"),
        pytest.param({"7": "not json"}, id="unreadable-entry"),
    ],
)
def test_miss_runs_the_pod_then_saves_its_outputs(cache: dict[str, str]) -> None:
    wf = workflow()
    observed = Observed(caches={"c": cache})
    decision = operate(wf, observed, NOW)
    [node] = decision.status.nodes.values()
    assert node.memoization_status.model_dump() == {"hit": False, "key": "7", "cacheName": "c"}
    assert [a.node_id for a in decision.actions if isinstance(a, CreatePod)] == [node.id]

    wf = wf.model_copy(update={"status": decision.status})
    done = PodState(name="wf", phase="Succeeded", exit_code=0, finished_at=NOW)
    result = TaskResult(node_id=node.id, outputs=Outputs(result="fresh"))
    observed = Observed(pods={"wf": done}, results={node.id: result}, caches={"c": cache})
    decision = operate(wf, observed, NOW)
    assert decision.status.phase == "Succeeded"
    [save] = [a for a in decision.actions if isinstance(a, SaveMemo)]
    assert (save.cache, save.key, save.node_id) == ("c", "7", node.id)
    assert save.outputs is not None and save.outputs.result == "fresh"


def test_a_failed_node_is_not_cached() -> None:
    wf = workflow()
    decision = operate(wf, Observed(caches={"c": {}}), NOW)
    wf = wf.model_copy(update={"status": decision.status})
    failed = PodState(name="wf", phase="Failed", exit_code=1, finished_at=NOW)
    decision = operate(wf, Observed(pods={"wf": failed}, caches={"c": {}}), NOW)
    assert decision.status.phase == "Failed"
    assert not any(isinstance(a, SaveMemo) for a in decision.actions)


@pytest.mark.parametrize(
    "memoize,message",
    [
        pytest.param({"cache": {"configMap": {"name": "c"}}}, "memoize.key", id="no-key"),
        pytest.param({"key": "k"}, "memoize.cache.configMap.name", id="no-cache"),
        pytest.param({**MEMO, "maxAge": "soon"}, "memoize.maxAge", id="bad-max-age"),
    ],
)
def test_a_bad_memoize_block_errors_the_node(memoize: dict[str, Any], message: str) -> None:
    decision = operate(workflow(memoize), Observed(caches={"c": {}}), NOW)
    assert decision.status.phase == "Error"
    [node] = decision.status.nodes.values()
    assert message in (node.message or "")


def test_cache_entry_is_argos_shape() -> None:
    stored = json.loads(entry(timedelta(0)))
    assert set(stored) == {"nodeID", "outputs", "creationTimestamp", "lastHitTimestamp"}
    assert stored["outputs"]["parameters"] == [{"name": "out", "value": "cached"}]
