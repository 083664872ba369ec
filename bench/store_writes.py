"""Benchmark: the CPU of filling the SQLite store with N small workflows (a create and a
status write each, as `bench/cli_latency.py --many` fills it), per tree, interleaved.

Where it sits: the embedded store alone (no CLI, no controller), each fill in a fresh
interpreter over a fresh file, so each tree writes with its own code; the figure is
the child's user + system CPU (the steadier one on a loaded machine), and each tree's
ratio to the first. `--tree DIR` adds another checkout (a before / after in one run).
Run: .venv/bin/python bench/store_writes.py [--count 2000] [--repeat 3] [--tree DIR]
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


def fill_cpu(tree: Path, count: int) -> float:
    with tempfile.TemporaryDirectory(prefix="wf-bench-writes-") as tmp:
        code = (
            f"import sys; sys.path.insert(0, {str(HERE / 'bench')!r}); "
            "from pathlib import Path; from cli_latency import fill; "
            f"fill(Path({tmp!r}), {count})"
        )
        env = {**os.environ, "PYTHONPATH": str(tree)}
        child = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=tree)
        _, status, usage = os.wait4(child.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"the fill in {tree} failed")
        return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tree", action="append", type=Path, default=[])
    options = parser.parse_args()
    trees = [HERE, *(t.resolve() for t in options.tree)]
    cpu: dict[Path, list[float]] = {tree: [] for tree in trees}
    for _ in range(options.repeat):
        for tree in trees:
            cpu[tree].append(fill_cpu(tree, options.count))
    first = statistics.median(cpu[HERE])
    print(f"{options.count:,} workflows (a create and a status write each), CPU:")
    for tree in trees:
        median = statistics.median(cpu[tree])
        runs = ", ".join(f"{c:.2f}" for c in cpu[tree])
        print(f"  {tree!s:<40} {median:6.2f} s  {median / first:5.2f}x  ({runs})")


if __name__ == "__main__":
    main()
