"""Benchmark: the CLI's CPU for `wf submit` of a big spec (the dense 10 x 100 DAG).

Where it sits: the `wf` program (a fresh interpreter) submitting to an embedded state
directory without a controller (WF_NO_CONTROLLER=1: validation, lint and the store
write are the CLI's whole cost). The workflow has `--layers` layers of `--width`
tasks, each task depending on every task of the layer before (about 854 KB of YAML
at 10 x 100). Each tree (`--tree`, default this checkout) runs `--repeat` times,
interleaved with `wf lint` of the same file and `python -c pass`; CPU is user +
system of the child. `--profile` prints the hottest functions of one submit.
Run: .venv/bin/python bench/big_submit.py [--tree /tmp/perf-base] [--profile]
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
WF = "import sys; from cli.main import main; sys.argv[0] = 'wf'; main()"


def dense_dag(layers: int, width: int) -> str:
    lines = [
        "apiVersion: argoproj.io/v1alpha1",
        "kind: Workflow",
        "metadata:",
        "  generateName: dense-",
        "spec:",
        "  entrypoint: main",
        "  templates:",
        "  - name: noop",
        "    container:",
        "      image: alpine",
        "      command: [sh, -c, 'true']",
        "  - name: main",
        "    dag:",
        "      tasks:",
    ]
    for layer in range(layers):
        for i in range(width):
            lines.append(f"      - name: l{layer}-t{i}")
            lines.append("        template: noop")
            if layer:
                deps = ", ".join(f"l{layer - 1}-t{j}" for j in range(width))
                lines.append(f"        dependencies: [{deps}]")
    return "\n".join(lines) + "\n"


def cpu_of(tree: Path, state: Path, args: list[str]) -> float:
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "WF_HOME": str(state),
        "WF_NO_CONTROLLER": "1",
        "WF_BACKEND": "embedded",
    }
    command = [sys.executable, "-c", "pass"] if not args else [sys.executable, "-c", WF, *args]
    child = subprocess.Popen(
        command, env=env, cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        assert child.stderr is not None
        raise SystemExit(f"{args} in {tree}: {child.stderr.read().decode()[-800:]}")
    return usage.ru_utime + usage.ru_stime


def profile(tree: Path, state: Path, path: Path) -> None:
    code = (
        "import cProfile, pstats, sys; from cli.main import main; "
        f"sys.argv = ['wf', 'submit', {str(path)!r}]; "
        "p = cProfile.Profile(); p.enable()\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "p.disable(); pstats.Stats(p).sort_stats('tottime').print_stats(40)"
    )
    env = {**os.environ, "PYTHONPATH": str(tree), "WF_HOME": str(state), "WF_NO_CONTROLLER": "1"}
    subprocess.run([sys.executable, "-c", code], env=env, cwd=tree, check=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--layers", type=int, default=10)
    parser.add_argument("--width", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tree", action="append", type=Path, default=[])
    parser.add_argument("--profile", action="store_true")
    options = parser.parse_args()
    trees = [HERE, *(t.resolve() for t in options.tree)]
    with tempfile.TemporaryDirectory(prefix="wf-bench-big-") as tmp:
        path = Path(tmp) / "dense.yaml"
        path.write_text(dense_dag(options.layers, options.width))
        print(f"{path.stat().st_size / 1000:.0f} KB, {options.layers} x {options.width} tasks")
        if options.profile:
            profile(HERE, Path(tmp) / "profile", path)
            return
        cases = {"python -c pass": [], "wf lint": ["lint", str(path)]}
        cases["wf submit"] = ["submit", str(path)]
        cpu: dict[tuple[str, Path], list[float]] = {}
        for _ in range(options.repeat):
            for i, tree in enumerate(trees):
                for label, args in cases.items():
                    took = cpu_of(tree, Path(tmp) / str(i), args)
                    cpu.setdefault((label, tree), []).append(took)
        print(f"CPU (user + system), median of {options.repeat}")
        print(f"{'command':<18}" + "".join(f"{t.name:>16}" for t in trees))
        for label in cases:
            row = "".join(f"{statistics.median(cpu[(label, t)]):>14.2f} s" for t in trees)
            print(f"{label:<18}{row}")


if __name__ == "__main__":
    main()
