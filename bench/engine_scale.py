"""Engine scale benchmark: drive simulated workflows to completion with instant pods
and report the CPU time spent in `operate()` (a script that prints figures, not a test).

    .venv/bin/python bench/engine_scale.py [--quick]
    .venv/bin/python bench/engine_scale.py --scale 100000
    .venv/bin/python bench/engine_scale.py --when-skipped 20000

`--scale N` prints, instead, per-node cost and the exponent from 1,000 to N of a loop
at parallelism 32 and of a fan-out/fan-in, from 2,000 to N of layers of 1,000 tasks at
parallelism 32 (each task depending on its twin in the layer before), and from 1,000
to 10,000 of a chain of DAG tasks and of a chain of steps (one step per group).

Shapes: fan-out/fan-in of 1,000 and 10,000 tasks, a loop of 1,000 at parallelism 8 (the
embedded throughput bench's shape: 125 calls over a growing workflow), a chain of 1,000,
10 layers of 100 fully connected, and the stored size of a 5,000-node status.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from workflow_engine.engine import CreatePod, Observed, PodState, TaskResult, operate
from workflow_engine.spec.models import Outputs, Workflow
from workflow_engine.spec.status_codec import status_to_dict

START = datetime(2024, 1, 1, tzinfo=UTC)
_DONE = ("Succeeded", "Failed", "Error")


def workflow(name: str, tasks: list[dict[str, Any]]) -> Workflow:
    return Workflow.model_validate(
        {
            "metadata": {"name": name, "namespace": "default"},
            "spec": {
                "entrypoint": "main",
                "templates": [
                    {"name": "main", "dag": {"tasks": tasks}},
                    {"name": "work", "container": {"image": "alpine", "command": ["true"]}},
                ],
            },
        }
    )


def fan(n: int) -> Workflow:
    tasks = [{"name": "start", "template": "work"}]
    tasks += [{"name": f"m{i}", "template": "work", "dependencies": ["start"]} for i in range(n)]
    tasks.append({"name": "end", "template": "work", "dependencies": [f"m{i}" for i in range(n)]})
    return workflow(f"fan-{n}", tasks)


def loop_fan(n: int, parallelism: int = 8) -> Workflow:
    """The embedded throughput shape: one task `withSequence` of n, parallelism 8."""
    return Workflow.model_validate(
        {
            "metadata": {"name": f"loop-{n}", "namespace": "default"},
            "spec": {
                "entrypoint": "main",
                "parallelism": parallelism,
                "templates": [
                    {
                        "name": "main",
                        "dag": {
                            "tasks": [
                                {"name": "t", "template": "work", "withSequence": {"count": str(n)}}
                            ]
                        },
                    },
                    {"name": "work", "container": {"image": "alpine", "command": ["true"]}},
                ],
            },
        }
    )


def chain(n: int) -> Workflow:
    tasks = [{"name": "t0", "template": "work"}]
    tasks += [
        {"name": f"t{i}", "template": "work", "dependencies": [f"t{i - 1}"]} for i in range(1, n)
    ]
    return workflow(f"chain-{n}", tasks)


def steps_chain(n: int) -> Workflow:
    return Workflow.model_validate(
        {
            "metadata": {"name": f"steps-{n}", "namespace": "default"},
            "spec": {
                "entrypoint": "main",
                "templates": [
                    {
                        "name": "main",
                        "steps": [[{"name": f"s{i}", "template": "work"}] for i in range(n)],
                    },
                    {"name": "work", "container": {"image": "alpine", "command": ["true"]}},
                ],
            },
        }
    )


def layers(depth: int, width: int) -> Workflow:
    tasks = []
    for layer in range(depth):
        for i in range(width):
            task: dict[str, Any] = {"name": f"l{layer}x{i}", "template": "work"}
            if layer:
                task["dependencies"] = [f"l{layer - 1}x{j}" for j in range(width)]
            tasks.append(task)
    return workflow(f"layers-{depth}x{width}", tasks)


def twin_layers(n: int, width: int = 1000, parallelism: int = 32) -> Workflow:
    """bench/embedded_scale.py's `layers`: n tasks in layers of `width`, each task
    depending on its twin in the layer before, at `parallelism`."""
    tasks: list[dict[str, Any]] = []
    for layer in range(max(1, n // width)):
        for i in range(width):
            task: dict[str, Any] = {"name": f"l{layer}x{i}", "template": "work"}
            if layer:
                task["dependencies"] = [f"l{layer - 1}x{i}"]
            tasks.append(task)
    wf = workflow(f"twins-{n}", tasks)
    spec = wf.spec.model_copy(update={"parallelism": parallelism})
    return wf.model_copy(update={"spec": spec})


def when_skipped(n: int, when: str) -> Workflow:
    """A steps loop of n items, every one skipped by its `when` (the Kubernetes
    100,000-node shape: two calls, every node made in the first)."""
    step = {"name": "s", "template": "work", "withSequence": {"count": str(n)}, "when": when}
    return Workflow.model_validate(
        {
            "metadata": {"name": f"when-{n}", "namespace": "default"},
            "spec": {
                "entrypoint": "main",
                "arguments": {"parameters": [{"name": "run", "value": "no"}]},
                "templates": [
                    {"name": "main", "steps": [[step]]},
                    {"name": "work", "container": {"image": "alpine", "command": ["true"]}},
                ],
            },
        }
    )


def drive(wf: Workflow) -> tuple[float, int, int, Workflow]:
    """Run to completion; returns (operate CPU seconds, operate calls, nodes, final wf)."""
    pods: dict[str, PodState] = {}
    results: dict[str, TaskResult] = {}
    # instant pods are never active: the observer keeps the (empty) active ones apart
    observed = Observed(pods=pods, results=results, active={})
    now, cpu, calls = START, 0.0, 0
    while True:
        began = time.process_time()
        decision = operate(wf, observed, now)
        cpu += time.process_time() - began
        calls += 1
        wf = wf.model_copy(update={"status": decision.status})
        if decision.status.phase in _DONE:
            break
        for action in decision.actions:
            if isinstance(action, CreatePod) and action.pod_name not in pods:
                pods[action.pod_name] = PodState(
                    name=action.pod_name, phase="Succeeded", exit_code=0
                )
                results[action.node_id] = TaskResult(action.node_id, Outputs(exit_code="0"))
        now += timedelta(seconds=1)
        if calls > 100_000:
            raise RuntimeError("did not finish")
    assert wf.status is not None and wf.status.phase == "Succeeded", wf.status
    return cpu, calls, len(wf.status.nodes or {}), wf


def row(label: str, wf: Workflow) -> float:
    cpu, calls, nodes, _ = drive(wf)
    print(
        f"{label:<28} {nodes:>7} nodes {calls:>6} operates "
        f"{cpu:8.2f} s CPU {cpu / nodes * 1e6:9.0f} us/node"
    )
    return cpu / nodes


def status_size(n: int) -> None:
    _, _, nodes, wf = drive(fan(n - 3))
    assert wf.status is not None
    raw = len(json.dumps(wf.status.to_dict(), separators=(",", ":")))
    stored = len(json.dumps(status_to_dict(wf.status), separators=(",", ":")))
    print(
        f"status of {nodes} nodes: raw {raw / 1024:.0f} KiB, "
        f"stored {stored / 1024:.0f} KiB (compressedNodes)"
    )


def idle_cost(n: int) -> None:
    """One call while n pods run and nothing changed (what a watch event costs)."""
    pods: dict[str, PodState] = {}
    observed = Observed(pods=pods, results={})
    wf = fan(n)
    for phase in ("Succeeded", "Running"):
        decision = operate(wf, observed, START)
        wf = wf.model_copy(update={"status": decision.status})
        for action in decision.actions:
            if isinstance(action, CreatePod):
                pods[action.pod_name] = PodState(name=action.pod_name, phase=phase, exit_code=0)
    wf = wf.model_copy(update={"status": operate(wf, observed, START).status})
    began = time.process_time()
    operate(wf, observed, START)
    cpu = time.process_time() - began
    print(f"one call with {n} pods running, nothing changed: {cpu * 1000:.0f} ms CPU")


def exponent_rows(label: str, make: Any, small: int, big: int) -> None:
    """Per-node cost at `small` and `big` tasks and the exponent of total CPU."""
    per_small = row(f"{label} {small:,}", make(small))
    per_big = row(f"{label} {big:,}", make(big))
    exponent = 1 + math.log(per_big / per_small) / math.log(big / small)
    print(f"{label}: exponent {small:,} -> {big:,}: {exponent:.2f}")


def scale(n: int) -> None:
    exponent_rows("loop, parallelism 32", lambda k: loop_fan(k, 32), 1000, n)
    exponent_rows("fan-out/fan-in", fan, 1000, n)
    exponent_rows("layers of 1,000, parallelism 32", twin_layers, 2000, n)
    exponent_rows("chain", chain, 1000, 10_000)
    exponent_rows("chain of steps", steps_chain, 1000, 10_000)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="skip the 10,000-node run")
    parser.add_argument("--scale", type=int, help="the exponents from 1,000 to this size")
    parser.add_argument("--when-skipped", type=int, help="only: a loop of N skipped steps")
    args = parser.parse_args()
    if args.when_skipped:
        n = args.when_skipped
        row(f"{n:,} skipped, one text", when_skipped(n, "{{workflow.parameters.run}} == yes"))
        row(f"{n:,} skipped, text per item", when_skipped(n, "{{item}} < 0"))
        return
    if args.scale:
        scale(args.scale)
        return
    per_1k = row("fan-out/fan-in 1,000", fan(1000))
    # before the 10,000-node run: what that run leaves behind slows the collector's passes
    row("loop 1,000, parallelism 8", loop_fan(1000))
    if not args.quick:
        per_10k = row("fan-out/fan-in 10,000", fan(10_000))
        total_1k, total_10k = per_1k * 1003, per_10k * 10_003
        exponent = math.log(total_10k / total_1k) / math.log(10_003 / 1003)
        print(f"scaling exponent 1k -> 10k: {exponent:.2f}")
    per_chain = row("chain 1,000", chain(1000))
    if not args.quick:
        per_chain_10k = row("chain 10,000", chain(10_000))
        exponent = math.log(per_chain_10k * 10_000 / (per_chain * 1000)) / math.log(10)
        print(f"chain scaling exponent 1k -> 10k: {exponent:.2f}")
    row("10 layers x 100, full", layers(10, 100))
    status_size(5000)
    idle_cost(10_000)


if __name__ == "__main__":
    main()
