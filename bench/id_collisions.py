"""Node ids of names that hash alike (engine/run.py `Run.id_of`): the two workflow names
kube-scale saw stall at 40,000 loop items (each has two items whose node names have one
fnv32a hash), run offline with `operate()` and instant pods (a script that prints
figures, not a test).

    .venv/bin/python bench/id_collisions.py [--items 40000] [--calls 6]

Every item is skipped by its `when` (the Kubernetes 40,000-node shape: every node made
in the first call). Prints, per workflow name: the colliding pair, the phase after at
most `--calls` calls, the item nodes made and their distinct ids, and operate's CPU.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta

from workflow_engine.engine import Observed, operate
from workflow_engine.engine.naming import fnv32a
from workflow_engine.spec.models import Workflow

START = datetime(2024, 1, 1, tzinfo=UTC)


def loop(name: str, items: int) -> Workflow:
    step = {"name": "item", "template": "work", "withSequence": {"count": str(items)}}
    step["when"] = "{{item}} < 0"
    return Workflow.model_validate(
        {
            "metadata": {"name": name, "namespace": "default"},
            "spec": {
                "entrypoint": "main",
                "templates": [
                    {"name": "main", "steps": [[step]]},
                    {"name": "work", "container": {"image": "alpine", "command": ["true"]}},
                ],
            },
        }
    )


def pair(name: str, items: int) -> tuple[int, int] | None:
    seen: dict[int, int] = {}
    for i in range(items):
        found = seen.setdefault(fnv32a(f"{name}[0].item({i}:{i})"), i)
        if found != i:
            return found, i
    return None


def run(name: str, items: int, calls: int) -> None:
    wf = loop(name, items)
    observed = Observed(pods={}, results={}, active={})
    cpu, now, made = 0.0, START, 0
    while made < calls:
        made += 1
        began = time.process_time()
        decision = operate(wf, observed, now)
        cpu += time.process_time() - began
        wf = wf.model_copy(update={"status": decision.status})
        if decision.status.phase in ("Succeeded", "Failed", "Error"):
            break
        now += timedelta(seconds=1)
    nodes = (wf.status.nodes or {}).values() if wf.status else ()
    item_ids = {n.name: n.id for n in nodes if n.name.startswith(f"{name}[0].item(")}
    print(
        f"{name}: pair {pair(name, items)}, phase {wf.status.phase if wf.status else None}"
        f" after {made} calls, {len(item_ids):,} item nodes on"
        f" {len(set(item_ids.values())):,} ids, operate CPU {cpu:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=40_000)
    parser.add_argument("--calls", type=int, default=6)
    args = parser.parse_args()
    for name in ("big-fvgzn", "big-8r296"):
        run(name, args.items, args.calls)


if __name__ == "__main__":
    main()
