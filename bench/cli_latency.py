"""Benchmark: how long `wf` commands take from exec to exit, against `python -c pass`.

Where it sits: the CLI as a user runs it (a fresh interpreter per command) over an
embedded state directory filled through the SQLite store (no controller runs:
WF_NO_CONTROLLER=1). The commands run interleaved, `--repeat` times each; the table
shows medians and each command's ratio to the bare interpreter measured in the same run.
`--tree DIR` (repeatable) runs the same commands from other checkouts too (a before /
after in one run: PYTHONPATH puts the tree's `cli` and `workflow_engine` first).
`--many N` adds `wf list` over a second state directory holding N workflows
(`--many-from DIR`: one already filled, shared by the trees).
Run: .venv/bin/python bench/cli_latency.py [--repeat 7] [--many 10000] [--tree ../main]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parents[1]
Obj = dict[str, Any]

WF = "import sys; from cli.main import main; sys.argv[0] = 'wf'; main()"


def finished_workflow(name: str, nodes: int = 3) -> tuple[Obj, Obj]:
    """A small Succeeded workflow: the object to create and the status to write."""
    obj: Obj = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "labels": {"workflows.argoproj.io/phase": "Succeeded"}},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "steps": [[{"name": f"s{i}", "template": "echo"}] for i in range(nodes)],
                },
                {"name": "echo", "container": {"image": "alpine", "command": ["echo", "hi"]}},
            ],
        },
    }
    node_map = {
        f"{name}-{i}": {
            "id": f"{name}-{i}",
            "name": f"{name}[{i}].s{i}",
            "displayName": f"s{i}",
            "type": "Pod",
            "templateName": "echo",
            "phase": "Succeeded",
            "boundaryID": name,
            "startedAt": "2026-01-01T00:00:00Z",
            "finishedAt": "2026-01-01T00:00:01Z",
            "outputs": {"exitCode": "0"},
        }
        for i in range(nodes)
    }
    node_map[name] = {
        "id": name,
        "name": name,
        "displayName": name,
        "type": "Steps",
        "templateName": "main",
        "phase": "Succeeded",
        "startedAt": "2026-01-01T00:00:00Z",
        "finishedAt": "2026-01-01T00:00:02Z",
        "children": [f"{name}-0"],
    }
    status = {
        "phase": "Succeeded",
        "startedAt": "2026-01-01T00:00:00Z",
        "finishedAt": "2026-01-01T00:00:02Z",
        "progress": f"{nodes}/{nodes}",
        "nodes": node_map,
    }
    return obj, status


def fill(state: Path, count: int) -> None:
    """Run in the tree's own interpreter (`fill_with`): each tree's store writes its file."""
    from workflow_engine.store import SqliteStore

    store = SqliteStore(state / "store.db")
    try:
        for i in range(count):
            obj, status = finished_workflow(f"wf-{i:05d}")
            created = store.create(obj)
            store.update_status({**created, "status": status})
    finally:
        store.close()


def fill_with(tree: Path, state: Path, count: int) -> None:
    code = (
        f"import sys; sys.path.insert(0, {str(HERE / 'bench')!r}); from pathlib import Path; "
        f"from cli_latency import fill; fill(Path({str(state)!r}), {count})"
    )
    env = {**os.environ, "PYTHONPATH": str(tree)}
    subprocess.run([sys.executable, "-c", code], env=env, cwd=tree, check=True)


def run_once(tree: Path, state: Path, args: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one command."""
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "WF_HOME": str(state),
        "WF_NO_CONTROLLER": "1",
        "WF_BACKEND": "embedded",
        "COLUMNS": "120",
    }
    command = (
        [sys.executable, "-c", "pass"]
        if args == ["<python>"]
        else [sys.executable, "-c", WF, *args]
    )
    began = time.perf_counter()
    child = subprocess.Popen(
        command, env=env, cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(child.pid, 0)
    took = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{args} in {tree} exited {child.returncode}")
    return took, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--many", type=int, default=0)
    parser.add_argument("--tree", action="append", type=Path, default=[])
    parser.add_argument(
        "--many-from",
        type=Path,
        help="a state directory already holding the --many workflows, read by every tree"
        " (their store schemas must agree): skips the fills",
    )
    options = parser.parse_args()
    trees = [HERE, *(t.resolve() for t in options.tree)]
    with tempfile.TemporaryDirectory(prefix="wf-bench-cli-") as tmp:
        # per tree: a store's file is written by that tree's own code (schemas differ)
        small, many = Path("small"), Path("many")
        for i, tree in enumerate(trees):
            fill_with(tree, Path(tmp) / str(i) / small, 1)
            if options.many and options.many_from:
                (Path(tmp) / str(i) / many).symlink_to(options.many_from.resolve())
            elif options.many:
                began = time.perf_counter()
                fill_with(tree, Path(tmp) / str(i) / many, options.many)
                took = time.perf_counter() - began
                print(f"{tree.name}: filled {options.many} workflows in {took:.1f} s")
        cases: list[tuple[str, Path, list[str]]] = [
            ("python -c pass", small, ["<python>"]),
            ("wf --help", small, ["--help"]),
            ("wf version", small, ["version"]),
            ("wf get (small)", small, ["get", "wf-00000"]),
            ("wf list (1)", small, ["list"]),
        ]
        if options.many:
            cases.append((f"wf list ({options.many})", many, ["list"]))
            cases.append((f"wf list -o name ({options.many})", many, ["list", "-o", "name"]))
        times: dict[tuple[str, Path], list[tuple[float, float]]] = {}
        for _ in range(options.repeat):
            for i, tree in enumerate(trees):
                for label, state, args in cases:
                    if args == ["<python>"] and tree != HERE:
                        continue
                    took = run_once(tree, Path(tmp) / str(i) / state, args)
                    times.setdefault((label, tree), []).append(took)
        report(times, cases, trees, options.repeat)


def report(
    times: dict[tuple[str, Path], list[tuple[float, float]]],
    cases: list[tuple[str, Path, list[str]]],
    trees: list[Path],
    repeat: int,
) -> None:
    def median(label: str, tree: Path, which: int) -> float:
        return statistics.median(t[which] for t in times[(label, tree)])

    base_wall, base_cpu = median("python -c pass", HERE, 0), median("python -c pass", HERE, 1)
    print(
        f"median of {repeat}, interleaved; ratio to `python -c pass` "
        f"(wall {base_wall:.3f} s, CPU {base_cpu:.3f} s)"
    )
    print(f"{'command':<30}" + "".join(f"{t.name + ' wall / CPU':>36}" for t in trees))
    for label, _, _args in cases:
        row = f"{label:<30}"
        for tree in trees:
            if (label, tree) not in times:
                row += " " * 36
                continue
            wall, cpu = median(label, tree, 0), median(label, tree, 1)
            row += f"{wall:>8.3f} s {wall / base_wall:>5.1f}x {cpu:>8.3f} s {cpu / base_cpu:>5.1f}x"
        print(row)


if __name__ == "__main__":
    main()
