"""Benchmark: how big store.db grows under many status writes, before and after.

Where it sits: the SQLite store (workflow_engine.store.sqlite) on a real file, driven
the way the controller drives it during a long loop: one workflow whose status is
rewritten `--writes` times while it grows (a compressed node map of random bytes
growing to `--status-kib`), with a spec of `--spec-kib`. Each tree given with `--tree`
(default: this checkout) runs in its own interpreter (PYTHONPATH=tree) back to back;
the table shows the file size (database + WAL after a checkpoint), the bytes the
status writes carried, and each tree's CPU.
Run: .venv/bin/python bench/store_growth.py [--writes 10000] [--tree /tmp/perf-base]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

_DRIVE = r"""
import base64, json, os, random, sqlite3, sys, time
from workflow_engine.store import SqliteStore
path = sys.argv[1]
writes, status_kib, spec_kib = (int(a) for a in sys.argv[2:5])
rng = random.Random(7)
blob = base64.b64encode(rng.randbytes(status_kib * 768)).decode()
source = "x" * (spec_kib * 1024)
spec = {"entrypoint": "main", "templates": [{"name": "t", "script": {"source": source}}]}
store = SqliteStore(path)
obj = store.create({"kind": "Workflow", "metadata": {"name": "loop"}, "spec": spec})
carried = 0
began = time.process_time()
for i in range(writes):
    nodes = blob[: len(blob) * (i + 1) // writes]
    status = {"phase": "Running", "progress": f"{i}/{writes}", "compressedNodes": nodes}
    carried += len(nodes)
    obj = store.update_status({**obj, "status": status})
cpu = time.process_time() - began
store.close()
with sqlite3.connect(path) as conn:
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
wal = path + "-wal"
size = os.path.getsize(path) + (os.path.getsize(wal) if os.path.exists(wal) else 0)
print(json.dumps({"size": size, "carried": carried, "cpu": cpu}))
"""


def run(tree: Path, writes: int, status_kib: int, spec_kib: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="wf-bench-growth-") as tmp:
        env = {**os.environ, "PYTHONPATH": str(tree)}
        args = [str(Path(tmp) / "store.db"), str(writes), str(status_kib), str(spec_kib)]
        done = subprocess.run(
            [sys.executable, "-c", _DRIVE, *args],
            env=env,
            cwd=tree,
            capture_output=True,
            text=True,
            check=True,
        )
        result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
        return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=10_000)
    parser.add_argument("--status-kib", type=int, default=40)
    parser.add_argument("--spec-kib", type=int, default=8)
    parser.add_argument("--tree", action="append", type=Path, default=[])
    options = parser.parse_args()
    trees = [HERE, *(t.resolve() for t in options.tree)]
    print(
        f"{options.writes} status writes, status growing to {options.status_kib} KiB, "
        f"spec {options.spec_kib} KiB"
    )
    print(f"{'tree':<16}{'store.db':>12}{'x last status':>15}{'written':>12}{'CPU':>10}")
    for tree in trees:
        began = time.perf_counter()
        r = run(tree, options.writes, options.status_kib, options.spec_kib)
        last = options.status_kib * 1024
        print(
            f"{tree.name:<16}{r['size'] / 2**20:>9.1f} MiB{r['size'] / last:>15.0f}"
            f"{r['carried'] / 2**20:>8.0f} MiB{r['cpu']:>8.1f} s"
            f"  (wall {time.perf_counter() - began:.0f} s)"
        )


if __name__ == "__main__":
    random.seed(0)
    _ = base64  # the driver runs in the child, with the tree's store
    main()
