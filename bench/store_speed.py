"""Benchmark: how fast the SQLite store answers create / get / update_status.

Where it sits: the embedded store (workflow_engine.store.sqlite) on a real file, with a
workflow carrying a 50-node status (about 15 KB of JSON, a mid-sized running
workflow). Prints the median and 90th percentile per call in milliseconds. It was a
pass/fail test with a 1 ms budget; on a busy shared machine such a budget flakes, so
the figure lives here and in bench/RESULTS.md.
Run: .venv/bin/python bench/store_speed.py [--calls 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from workflow_engine.store import SqliteStore
from workflow_engine.store.base import Obj


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


def timed(calls: int, call: Callable[[int], object]) -> list[float]:
    times = []
    for i in range(calls):
        began = time.perf_counter()
        call(i)
        times.append(time.perf_counter() - began)
    return times


def one_run(calls: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory(prefix="wf-bench-store-") as tmp:
        store = SqliteStore(Path(tmp) / "store.db")
        try:
            create = timed(calls, lambda i: store.create(running_workflow(f"wf-{i}")))
            get = timed(calls, lambda i: store.get("Workflow", f"wf-{i}"))
            latest = {i: store.get("Workflow", f"wf-{i}") for i in range(calls)}
            update = timed(calls, lambda i: store.update_status(latest[i]))
        finally:
            store.close()
    return {"create": create, "get": get, "update_status": update}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for run in range(args.repeat):
        figures = one_run(args.calls)
        for verb, times in figures.items():
            ms = sorted(t * 1000 for t in times)
            p90 = ms[int(len(ms) * 0.9)]
            print(
                f"run {run + 1} {verb:14} median {statistics.median(ms):.3f} ms  p90 {p90:.3f} ms"
            )


if __name__ == "__main__":
    main()
