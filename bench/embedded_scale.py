"""Embedded scale: one workflow of many `true` pods through the whole embedded stack
in this process (SqliteStore, controller loop, engine, ProcessRuntime, in-process
executor), run to completion. A script that prints figures, not a test.

    .venv/bin/python bench/embedded_scale.py loop --tasks 100000
    .venv/bin/python bench/embedded_scale.py layers --tasks 100000 --layers 100
        [--slots 32] [--parallelism 32] [--sandbox plain] [--profile FILE]

Shapes: `loop` is one DAG task `withSequence` of N at `parallelism`; `layers` is a DAG
of N tasks in L layers of N/L, task i of a layer depending on task i of the layer
before (one edge per task, so the spec stays linear in N). Printed: wall, pods/s, peak
RSS of this process (the controller and the bench; pods are other processes), the
store's size and the status's size as stored, and progress every `--every` seconds,
with the `operate()` calls that got a status without its node index (a full pass each).
`kill -USR1 PID` prints every thread's stack (to see where a slow run spends its time).
"""

from __future__ import annotations

import argparse
import faulthandler
import importlib
import json
import pstats
import resource
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from workflow_engine.controller.embedded import EmbeddedOptions, StatePaths, build_controller
from workflow_engine.controller.reconcile import WORKFLOW_KIND, is_completed
from workflow_engine.controller.submit import SubmitOptions, submit_text
from workflow_engine.spec.limits import DEFAULT_LIMITS, DocumentLimits
from workflow_engine.store import SqliteStore

sys.path.insert(0, str(Path(__file__).resolve().parent))
from embedded_throughput import profile_threads

_TRUE = {"name": "true", "container": {"image": "busybox", "command": ["true"]}}


def loop(tasks: int, parallelism: int) -> dict[str, Any]:
    task = {"name": "t", "template": "true", "withSequence": {"count": str(tasks)}}
    return _workflow(f"loop-{tasks}", [task], parallelism)


def layers(tasks: int, depth: int, parallelism: int) -> dict[str, Any]:
    width = tasks // depth
    dag: list[dict[str, Any]] = []
    for layer in range(depth):
        for i in range(width):
            task: dict[str, Any] = {"name": f"l{layer}x{i}", "template": "true"}
            if layer:
                task["dependencies"] = [f"l{layer - 1}x{i}"]
            dag.append(task)
    return _workflow(f"layers-{depth}x{width}", dag, parallelism)


def _workflow(name: str, tasks: list[dict[str, Any]], parallelism: int) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name},
        "spec": {
            "entrypoint": "main",
            "parallelism": parallelism,
            "templates": [{"name": "main", "dag": {"tasks": tasks}}, _TRUE],
        },
    }


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def progress_of(store: SqliteStore, name: str) -> tuple[str, str]:
    """(phase, progress) from the stored summary: no node map is decoded."""
    for obj in store.list_summaries(WORKFLOW_KIND, "default").items:
        if obj["metadata"]["name"] == name:
            status = obj.get("status") or {}
            return status.get("phase", ""), status.get("progress", "")
    return "", ""


def store_bytes(paths: StatePaths) -> int:
    db = Path(paths.db)
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if p.is_file())


class IndexMisses:
    """Counts the `operate()` calls whose status came without its node index (each
    then makes a full pass over every node: engine/node_index.py). A bench probe: it
    wraps the engine's `index_of` as `_operate` looks it up."""

    def __init__(self) -> None:
        self.calls = 0
        self.misses = 0
        module = importlib.import_module("workflow_engine.engine.operate")
        original = module.index_of

        def counted(nodes: Any) -> Any:
            found = original(nodes)
            if nodes:
                self.calls += 1
                self.misses += found is None
            return found

        module.index_of = counted

    def __str__(self) -> str:
        return f"index misses {self.misses}/{self.calls}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("shape", choices=("loop", "layers"))
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--layers", type=int, default=100)
    parser.add_argument("--parallelism", type=int, default=32)
    parser.add_argument("--slots", type=int, default=32)
    parser.add_argument("--sandbox", default="plain")
    parser.add_argument("--every", type=float, default=30.0, help="progress interval, s")
    parser.add_argument("--profile", help="write cProfile stats of every thread here")
    args = parser.parse_args()
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1`: where it is
    doc = (
        loop(args.tasks, args.parallelism)
        if args.shape == "loop"
        else layers(args.tasks, args.layers, args.parallelism)
    )
    misses = IndexMisses()
    profiles = profile_threads() if args.profile else None
    with tempfile.TemporaryDirectory() as tmp:
        paths = StatePaths(Path(tmp))
        controller, closers = build_controller(
            paths, EmbeddedOptions(slots=args.slots, sandbox=args.sandbox)
        )
        store = closers[-1]
        reader = SqliteStore(paths.db)  # summaries: the controller's store has no lister
        controller.start()
        try:
            text = yaml.safe_dump(doc)
            start = time.perf_counter()
            cpu0 = time.process_time()
            # 100,000 DAG tasks are about 6 MiB of YAML: over the default document bound
            size = max(DEFAULT_LIMITS.max_document_bytes, 2 * len(text.encode()))
            limits = DocumentLimits(max_document_bytes=size)
            [obj] = submit_text(
                store, text, "bench", SubmitOptions(), datetime.now(UTC), limits=limits
            )
            name = obj["metadata"]["name"]
            print(f"submitted {name}: spec {len(text) / 1024:.0f} KiB", flush=True)
            while True:
                time.sleep(args.every)  # a progress report, not synchronisation
                phase, progress = progress_of(reader, name)
                wall = time.perf_counter() - start
                print(
                    f"{wall:8.0f} s {phase:<10} {progress:>16} "
                    f"RSS {peak_rss_mib():6.0f} MiB store {store_bytes(paths) / 2**20:7.1f} MiB "
                    f"reconciles {controller.reconciles} {misses}",
                    flush=True,
                )
                if phase in ("Succeeded", "Failed", "Error"):
                    break
            wall = time.perf_counter() - start
            cpu = time.process_time() - cpu0
            final = reader.get(WORKFLOW_KIND, name, "default")
            assert is_completed(final)
            status = final["status"]
            stored = len(json.dumps(status, separators=(",", ":")))
            done = int(str(status.get("progress", "0/0")).split("/")[0])
            print(
                f"{args.shape} {args.tasks}: {status['phase']} in {wall:.0f} s wall "
                f"(to within {args.every:.0f} s), {done / wall:.1f} pods/s, "
                f"{cpu:.0f} s CPU of this process, {controller.reconciles} reconciles, "
                f"{misses}"
            )
            print(
                f"peak RSS {peak_rss_mib():.0f} MiB; store {store_bytes(paths) / 2**20:.1f} "
                f"MiB; status as stored {stored / 1024:.0f} KiB"
            )
        finally:
            reader.close()
            controller.signal_stop()
            for item in reversed(closers):
                item.close()
            controller.stop()
    if profiles is not None:
        merged = pstats.Stats(*profiles)
        merged.dump_stats(args.profile)
        merged.sort_stats("tottime").print_stats(25)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
