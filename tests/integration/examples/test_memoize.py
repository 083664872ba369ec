"""The memoize example end to end in embedded mode (real store, runtime, executor and
controller: tests/integration/controller/conftest.py): a first run computes and fills
the ConfigMap cache, a second with the same key reuses the outputs without a pod, and
another key computes again. Argo's semantics: docs/memoization.md of
argoproj/argo-workflows."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.controller.conftest import REPO, Embedded, embedded, poll  # noqa: F401

pytestmark = pytest.mark.integration
EXAMPLE = REPO / "examples" / "memoize.yaml"
Wf = dict[str, Any]


def run(env: Embedded, *args: str) -> tuple[Wf, str]:
    done = env.wf("submit", str(EXAMPLE), "--wait", "-o", "json", *args)
    assert done.exit_code == 0, done.output
    wf = json.loads(done.output)
    logs = env.wf("logs", wf["metadata"]["name"])
    return wf, logs.output


def only_node(wf: Wf) -> Wf:
    [node] = wf["status"]["nodes"].values()
    return dict(node)


def cache(env: Embedded) -> dict[str, str]:
    got = env.wf("configmap", "get", "memo-double", "-o", "json")
    return dict(json.loads(got.output).get("data") or {}) if got.exit_code == 0 else {}


def test_second_run_reuses_the_cached_outputs(embedded: Embedded) -> None:  # noqa: F811
    first, logs = run(embedded)
    node = only_node(first)
    assert node["memoizationStatus"] == {
        "hit": False,
        "key": "double-21",
        "cacheName": "memo-double",
    }
    assert "computing 21 * 2" in logs
    entry = json.loads(str(poll(lambda: cache(embedded).get("double-21"), what="cache entry")))
    assert entry["nodeID"] == node["id"]
    assert entry["outputs"]["parameters"] == [{"name": "twice", "value": "42"}]

    second, logs = run(embedded)
    node = only_node(second)
    assert node["phase"] == "Succeeded"
    assert node["memoizationStatus"]["hit"] is True
    assert node["outputs"]["parameters"] == [{"name": "twice", "value": "42"}]
    assert "computing" not in logs  # no pod ran

    other, logs = run(embedded, "-p", "n=5")
    assert only_node(other)["memoizationStatus"]["hit"] is False
    assert "computing 5 * 2" in logs
    assert json.loads(poll(lambda: cache(embedded).get("double-5"), what="entry"))["outputs"][
        "parameters"
    ] == [{"name": "twice", "value": "10"}]
