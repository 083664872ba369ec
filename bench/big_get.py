"""Benchmark: `wf get` of one workflow of N nodes (a DAG whose loop has N iterations,
most Succeeded, 20 Running), from exec to exit (wall and the child's CPU), against
`wf get` of a 3-node workflow in the same run. The tree folds the loop's iterations
(cli/tree_fold.py), so what is left is reading and decoding the status. `--tree DIR`
runs the same from another checkout (a before / after in one run).
Run: .venv/bin/python bench/big_get.py [--nodes 100000] [--repeat 3] [--tree DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cli_latency import HERE, finished_workflow, run_once

Obj = dict[str, Any]
NAME = "big"


def big_workflow(count: int) -> tuple[Obj, Obj]:
    obj: Obj = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": NAME},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "dag": {
                        "tasks": [
                            {"name": "t", "template": "work", "withSequence": {"count": str(count)}}
                        ]
                    },
                },
                {"name": "work", "container": {"image": "alpine", "command": ["true"]}},
            ],
        },
    }
    base: Obj = {"templateName": "work", "type": "Pod", "startedAt": "2026-01-01T00:00:00Z"}
    nodes: dict[str, Obj] = {}
    kids = []
    for i in range(count):
        node_id = f"{NAME}-{i}"
        running = i >= count - 20
        nodes[node_id] = {
            **base,
            "id": node_id,
            "name": f"{NAME}.t({i}:{i})",
            "displayName": f"t({i}:{i})",
            "phase": "Running" if running else "Succeeded",
            "boundaryID": NAME,
            **({} if running else {"finishedAt": "2026-01-01T00:00:01Z"}),
        }
        kids.append(node_id)
    nodes[f"{NAME}-t"] = {
        "id": f"{NAME}-t",
        "name": f"{NAME}.t",
        "displayName": "t",
        "type": "TaskGroup",
        "templateName": "work",
        "phase": "Running",
        "boundaryID": NAME,
        "startedAt": "2026-01-01T00:00:00Z",
        "children": kids,
    }
    nodes[NAME] = {
        "id": NAME,
        "name": NAME,
        "displayName": NAME,
        "type": "DAG",
        "templateName": "main",
        "phase": "Running",
        "startedAt": "2026-01-01T00:00:00Z",
        "children": [f"{NAME}-t"],
    }
    status = {"phase": "Running", "startedAt": "2026-01-01T00:00:00Z", "nodes": nodes}
    return obj, status


def fill(state: Path, count: int) -> None:
    from workflow_engine.spec.status_codec import status_from_dict, status_to_dict
    from workflow_engine.store import SqliteStore

    store = SqliteStore(state / "store.db")
    try:
        for obj, status in (finished_workflow("small"), big_workflow(count)):
            created = store.create(obj)
            stored = status_to_dict(status_from_dict(status))  # as the controller writes it
            store.update_status({**created, "status": stored})
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tree", action="append", type=Path, default=[])
    options = parser.parse_args()
    for tree in [HERE, *(t.resolve() for t in options.tree)]:
        with tempfile.TemporaryDirectory() as tmp:
            state = Path(tmp)
            code = (
                f"import sys; sys.path.insert(0, {str(HERE / 'bench')!r}); "
                f"from pathlib import Path; from big_get import fill; "
                f"fill(Path({str(state)!r}), {options.nodes})"
            )
            env = {**os.environ, "PYTHONPATH": str(tree)}
            subprocess.run([sys.executable, "-c", code], env=env, cwd=tree, check=True)
            size = (state / "store.db").stat().st_size
            rows = []
            for args in (["get", "small"], ["get", NAME]):
                runs = [run_once(tree, state, args) for _ in range(options.repeat)]
                wall = statistics.median(r[0] for r in runs)
                rows.append((" ".join(args), wall, statistics.median(r[1] for r in runs)))
            small, small_cpu = rows[0][1], rows[0][2]
            print(f"{tree} ({options.nodes:,} nodes, store.db {size / 2**20:.1f} MiB):")
            for label, wall, cpu in rows:
                print(
                    f"  wf {label:<12} wall {wall:6.2f} s  {wall / small:5.2f}x small"
                    f"   CPU {cpu:6.2f} s  {cpu / small_cpu:5.2f}x small"
                )


if __name__ == "__main__":
    main()
