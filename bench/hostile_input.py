"""Benchmark: what hostile documents cost before they are refused, and what parsing
costs with libyaml against the pure-Python loader.

Where it sits: `workflow_engine.spec.loader` (size, nesting and alias bounds) and
lint's name and tag checks (`workflow_engine.lint`), which were quadratic in the
length of a task name or of a run of unclosed `{{`. Prints CPU milliseconds per case
(median of --repeat). Run: .venv/bin/python bench/hostile_input.py [--repeat 5] [--skip-big]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

import yaml

from workflow_engine.errors import SpecError
from workflow_engine.expr.sprig import to_float64
from workflow_engine.lint import lint_text
from workflow_engine.spec import load_documents

LAUGHS = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{c}: &{c} [{','.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


def _workflow(task: str, depends: str, command: str = "echo") -> str:
    tasks = [{"name": task, "template": "c"}, {"name": "b", "template": "c", "depends": depends}]
    return json.dumps(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "metadata": {"generateName": "x-"},
            "spec": {
                "entrypoint": "main",
                "templates": [
                    {"name": "main", "dag": {"tasks": tasks}},
                    {"name": "c", "container": {"image": "a", "command": [command]}},
                ],
            },
        }
    )


def _big_document(target: int) -> str:
    step = {
        "name": "s",
        "template": "c",
        "arguments": {"parameters": [{"name": "p", "value": "v"}]},
    }
    doc = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "spec": {"templates": []}}
    doc["spec"]["templates"] = [
        {"name": f"t{i}", "steps": [[json.loads(json.dumps(step))]]} for i in range(1000)
    ]
    per = len(yaml.safe_dump(doc)) / 1000
    count = int(target / per)
    doc["spec"]["templates"] = [
        {"name": f"t{i}", "steps": [[json.loads(json.dumps(step))]]} for i in range(count)
    ]
    return yaml.safe_dump(doc)


def _refuse(text: str) -> Callable[[], object]:
    def run() -> object:
        try:
            return load_documents(text, "bench")
        except SpecError as exc:
            return exc

    return run


def cases() -> dict[str, Callable[[], object]]:

    big = _big_document(3 * 1024 * 1024)
    return {
        "billion laughs (refused)": _refuse(LAUGHS),
        "10,000-deep flow YAML (refused)": _refuse("[" * 10_000 + "]" * 10_000),
        "10,000-deep block YAML (refused)": _refuse("- " * 10_000 + "x"),
        f"{len(big) // 1024} KiB document, libyaml": lambda: load_documents(big, "bench"),
        f"{len(big) // 1024} KiB document, pure-Python loader": lambda: list(
            yaml.load_all(big, Loader=yaml.SafeLoader)
        ),
        "lint, 4,000-character task name in depends": lambda: lint_text(
            _workflow("a" * 4000, "a" * 4000)
        ),
        "lint, 4,000 unclosed '{{' in a command": lambda: lint_text(
            _workflow("a", "a", "{{" * 4000)
        ),
        "lint, 8,000 unclosed '{{' in a command": lambda: lint_text(
            _workflow("a", "a", "{{" * 8000)
        ),
        "sprig float of 8,000 digits and an 'x'": lambda: to_float64("0" * 8000 + "x"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-big", action="store_true", help="leave out the 3 MiB parses")
    args = parser.parse_args()
    for name, run in cases().items():
        if args.skip_big and "KiB" in name:
            continue
        times = []
        for _ in range(args.repeat):
            began = time.process_time()
            run()
            times.append(time.process_time() - began)
        print(f"{name:48} {statistics.median(times) * 1000:9.1f} ms")


if __name__ == "__main__":
    main()
