"""How fast the SQLite store answers, on a real file: the brief's budget is ~1 ms per call.

What is real: a SQLite file on this machine's disk, a workflow object with a
50-node status (about 15 KB of JSON, a mid-sized running workflow).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from workflow_engine.store import SqliteStore
from workflow_engine.store.base import Obj

pytestmark = pytest.mark.integration

BUDGET = 0.001  # seconds, median per call
CALLS = 200


def running_workflow(name: str) -> Obj:
    nodes = {
        f"{name}-{i}": {
            "id": f"{name}-{i}",
            "name": f"{name}.step-{i}",
            "displayName": f"step-{i}",
            "type": "Pod",
            "templateName": "work",
            "phase": "Succeeded",
            "boundaryID": name,
            "startedAt": "2026-01-01T00:00:00Z",
            "finishedAt": "2026-01-01T00:00:01Z",
            "outputs": {"parameters": [{"name": "out", "value": "x" * 64}], "exitCode": "0"},
            "children": [f"{name}-{i + 1}"],
        }
        for i in range(50)
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "labels": {"workflows.argoproj.io/phase": "Running"}},
        "spec": {"entrypoint": "main", "templates": [{"name": "work", "container": {}}]},
        "status": {"phase": "Running", "nodes": nodes},
    }


def median_seconds(call: Callable[[int], object]) -> float:
    times = []
    for i in range(CALLS):
        began = time.perf_counter()
        call(i)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def test_create_get_update_stay_within_a_millisecond(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.db")
    try:
        create = median_seconds(lambda i: store.create(running_workflow(f"wf-{i}")))
        get = median_seconds(lambda i: store.get("Workflow", f"wf-{i}"))
        latest = {i: store.get("Workflow", f"wf-{i}") for i in range(CALLS)}
        update = median_seconds(lambda i: store.update_status(latest[i]))
    finally:
        store.close()
    figures = {"create": create, "get": get, "update_status": update}
    slow = {verb: f"{s * 1000:.3f} ms" for verb, s in figures.items() if s > BUDGET}
    assert not slow, f"median over budget: {slow}"
