"""Benchmark: the CPU one `wf-exec` start costs (every pod runs it), as a ratio to
`python -c pass`, for this tree and for a baseline tree in the same run.

Where it sits: runs the executor's entry point (`executor.__main__.main`, what the
`wf-exec` script calls) as a fresh process of this venv's Python, with PYTHONPATH set
to the tree under test, over a SqliteStore file and a local artifact repository in a
tmp directory; the user's command is `true`. The baseline tree is `git archive REV`
unpacked into a tmp directory. Per process: user+sys CPU from `os.wait4` (the child
and the command it ran). The three kinds of process are interleaved, so load on the
machine weighs on all of them alike; only the ratios are comparable across runs.

- plain: a container template without artifacts;
- s3-input: one key-only `s3` input artifact (read from the local repository through
  the s3 kind's driver: the path that imports minio).

Run: .venv/bin/python bench/exec_start.py --base REV [--repeat 15]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = "import sys\nfrom executor.__main__ import main\nsys.exit(main())"


def _templates(work: Path) -> dict[str, dict[str, object]]:
    plain = {"name": "t", "container": {"image": "alpine", "command": ["true"]}}
    s3_input = {
        "name": "t",
        "container": {"image": "alpine", "command": ["true"]},
        "inputs": {
            "artifacts": [{"name": "f", "path": str(work / "f.txt"), "s3": {"key": "in/f.txt"}}]
        },
    }
    return {"plain": plain, "s3-input": s3_input}


def _cpu(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    # cwd outside both trees: `python -c` puts the working directory first on sys.path
    proc = subprocess.Popen(
        argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{argv} failed ({proc.returncode}): {err.decode()[-500:]}")
    return usage.ru_utime + usage.ru_stime


def _env(tree: Path, tmp: Path, template: dict[str, object], n: int) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(tree),
        "WF_TEMPLATE": json.dumps(template),
        "WF_NODE_ID": f"node-{n}",
        "WF_POD_NAME": f"wf-node-{n}",
        "WF_WORKFLOW_NAME": "wf",
        "WF_STORE": f"sqlite://{tmp / 'store.db'}",
        "WF_ARTIFACT_REPOSITORY": json.dumps({"local": {"path": str(tmp / "repo")}}),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True, help="git revision of the baseline tree")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="exec-start-") as name:
        tmp = Path(name)
        base = tmp / "base"
        base.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.base], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        (tmp / "repo" / "in").mkdir(parents=True)
        (tmp / "repo" / "in" / "f.txt").write_text("x\n")
        trees = {"base": base, "this": ROOT}
        samples: dict[str, list[float]] = {"python -c pass": []}
        n = 0
        for _ in range(args.repeat):
            samples["python -c pass"].append(
                _cpu([sys.executable, "-c", "pass"], {"PATH": os.environ.get("PATH", "")}, tmp)
            )
            for scenario, template in _templates(tmp).items():
                for label, tree in trees.items():
                    n += 1
                    env = _env(tree, tmp, template, n)
                    argv = [sys.executable, "-c", PROBE, "run", "--", "true"]
                    samples.setdefault(f"{scenario} {label}", []).append(_cpu(argv, env, tmp))
        floor = statistics.median(samples["python -c pass"])
        print(f"{'process':<22} {'median CPU s':>12} {'x python -c pass':>17}")
        for label, values in samples.items():
            median = statistics.median(values)
            print(f"{label:<22} {median:>12.3f} {median / floor:>17.1f}")
        for scenario in _templates(tmp):
            before = statistics.median(samples[f"{scenario} base"])
            after = statistics.median(samples[f"{scenario} this"])
            print(f"{scenario}: this/base = {after / before:.2f}")
        print(f"load average at the end: {os.getloadavg()[0]:.1f}; repeat {args.repeat}")


if __name__ == "__main__":
    main()
