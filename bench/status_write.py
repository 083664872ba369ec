"""Benchmark: the CPU of one status write (`SqliteStore.update_status`) against the
size of the workflow's spec, per tree, interleaved.

Where it sits: the embedded store alone. Each measurement runs in a fresh interpreter
over a fresh file with the tree's own code: it creates one Workflow whose DAG has
`tasks` tasks (a small spec and big ones: about 1 MiB and 8 MiB of JSON), then makes
`writes` status writes in a row, each the return of the last with a new small status
(`--status-only`: only its apiVersion, kind, metadata and status, as the controller's
reconciler writes), and prints the process CPU (user + system, `time.process_time`)
of those writes only.
Figures: CPU ms per status write, and each tree's ratio to the first tree's.
`--tree DIR` adds another checkout (a before / after in one run).
Run: .venv/bin/python bench/status_write.py [--writes 10] [--repeat 3] [--status-only]
     [--tree DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
SIZES = (1_000, 12_000, 100_000)  # tasks: about 85 KiB, 1 MiB and 8.4 MiB of spec

CHILD = """
import sys, time
from pathlib import Path
from workflow_engine.store.sqlite import SqliteStore
from workflow_engine.store import _objects as o

tasks, writes, path, only = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
dag = [
    {"name": f"t{i}", "template": "work", "dependencies": [f"t{i - 1}"] if i else [],
     "arguments": {"parameters": [{"name": "n", "value": str(i)}]}}
    for i in range(tasks)
]
spec = {"entrypoint": "main", "templates": [
    {"name": "main", "dag": {"tasks": dag}},
    {"name": "work", "container": {"image": "alpine", "command": ["true"]}},
]}
store = SqliteStore(Path(path))
obj = store.create({"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
                    "metadata": {"name": "big"}, "spec": spec})
size = len(o.dumps(spec))
start = time.process_time()
for i in range(writes):
    given = {k: v for k, v in obj.items() if k != "spec"} if only == "1" else obj
    obj = store.update_status({**given, "status": {"phase": "Running", "progress": f"{i}"}})
elapsed = time.process_time() - start
assert obj["spec"] == spec
store.close()
print(size, elapsed / writes)
"""


def per_write(tree: Path, tasks: int, writes: int, only: bool) -> tuple[int, float]:
    with tempfile.TemporaryDirectory(prefix="wf-bench-status-") as tmp:
        env = {**os.environ, "PYTHONPATH": str(tree)}
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(tasks), str(writes), f"{tmp}/s.db", str(int(only))],
            env=env,
            cwd=tree,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        return int(out[0]), float(out[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--status-only", action="store_true")
    parser.add_argument("--tree", action="append", type=Path, default=[])
    options = parser.parse_args()
    trees = [HERE, *(t.resolve() for t in options.tree)]
    for tasks in SIZES:
        cpu: dict[Path, list[float]] = {tree: [] for tree in trees}
        size = 0
        for _ in range(options.repeat):
            for tree in trees:
                size, seconds = per_write(tree, tasks, options.writes, options.status_only)
                cpu[tree].append(seconds)
        first = statistics.median(cpu[HERE])
        print(f"{tasks:,} tasks ({size / 2**20:.2f} MiB of spec), CPU per status write:")
        for tree in trees:
            median = statistics.median(cpu[tree])
            runs = ", ".join(f"{c * 1000:.1f}" for c in cpu[tree])
            print(f"  {tree!s:<40} {median * 1000:8.1f} ms  {median / first:6.2f}x  ({runs})")


if __name__ == "__main__":
    main()
