"""Benchmark: a 1-task workflow from `wf submit --wait` to exit, with the embedded
controller already running and when the command must start it, against
`python -c pass` in the same run.

Where it sits: the CLI as a user runs it (a fresh interpreter per command) over an
embedded state directory per tree, the controller started on demand by `wf` itself
(WF_IDLE_EXIT keeps it up between the runs that reuse it). Each round, per tree:
`wf controller stop`, then `wf submit --wait` (the cold case: it starts the
controller), then `wf submit` (no wait) and `wf submit --wait` with that controller
up; rounds are interleaved between trees. Wall and the `wf` process's own CPU (user
+ system; the controller's CPU is not in it) are reported, medians over rounds.
`--tree DIR` runs the same from another checkout (PYTHONPATH and the working
directory set to it) for a before / after in one run.
Run: .venv/bin/python bench/submit_wait.py [--repeat 5] [--tree /tmp/base]
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

HERE = Path(__file__).resolve().parents[1]
WF = "import sys; from cli.main import main; sys.argv[0] = 'wf'; main()"
ONE_TASK = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: one-}
spec:
  entrypoint: main
  templates:
  - name: main
    container: {image: alpine, command: [sh, -c, "true"]}
"""
CASES = ("cold: submit --wait", "warm: submit", "warm: submit --wait")


def run(tree: Path, state: Path, args: list[str], python: bool = False) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one command, which must exit 0."""
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "WF_HOME": str(state),
        "WF_BACKEND": "embedded",
        "WF_IDLE_EXIT": "120",
    }
    env.pop("WF_NO_CONTROLLER", None)
    command = [sys.executable, "-c", "pass"] if python else [sys.executable, "-c", WF, *args]
    began = time.perf_counter()
    child = subprocess.Popen(
        command, env=env, cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(child.pid, 0)
    took = time.perf_counter() - began
    assert child.stderr is not None
    err = child.stderr.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{args} in {tree} exited {os.waitstatus_to_exitcode(status)}: {err}")
    return took, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--tree", action="append", type=Path, default=[])
    options = parser.parse_args()
    trees = [HERE, *(t.resolve() for t in options.tree)]
    times: dict[tuple[str, Path], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="wf-bench-wait-") as tmp:
        source = Path(tmp) / "one.yaml"
        source.write_text(ONE_TASK)
        states = {tree: Path(tmp) / str(i) for i, tree in enumerate(trees)}
        try:
            for _ in range(options.repeat):
                times.setdefault(("python -c pass", HERE), []).append(
                    run(HERE, states[HERE], [], python=True)
                )
                for tree in trees:
                    state = states[tree]
                    run(tree, state, ["controller", "stop"])
                    cases = [
                        ("cold: submit --wait", ["submit", "--wait", str(source)]),
                        ("warm: submit", ["submit", str(source)]),
                        ("warm: submit --wait", ["submit", "--wait", str(source)]),
                    ]
                    for label, args in cases:
                        times.setdefault((label, tree), []).append(run(tree, state, args))
                    run(tree, state, ["controller", "stop"])
        finally:
            for tree in trees:
                run(tree, states[tree], ["controller", "stop"])
    report(times, trees, options.repeat)


def report(
    times: dict[tuple[str, Path], list[tuple[float, float]]], trees: list[Path], repeat: int
) -> None:
    def median(label: str, tree: Path, which: int) -> float:
        return statistics.median(t[which] for t in times[(label, tree)])

    base_wall, base_cpu = median("python -c pass", HERE, 0), median("python -c pass", HERE, 1)
    load = os.getloadavg()
    print(
        f"median of {repeat}, interleaved; ratio to `python -c pass` (wall {base_wall:.3f} s,"
        f" CPU {base_cpu:.3f} s); load average at the end {load[0]:.1f} {load[1]:.1f}"
    )
    print(f"{'case':<24}" + "".join(f"{t.name + ' wall / wf CPU':>40}" for t in trees))
    for label in CASES:
        row = f"{label:<24}"
        for tree in trees:
            wall, cpu = median(label, tree, 0), median(label, tree, 1)
            row += f"{wall:>9.3f} s {wall / base_wall:>6.1f}x {cpu:>9.3f} s {cpu / base_cpu:>6.1f}x"
        print(row)


if __name__ == "__main__":
    main()
