"""What one status write costs as a loop grows, by part: `operate()`, the status
serializer (controller/statuscache.py) and the SQLite store's `update_status`, with
instant pods (no runtime), so only the engine and the write path are measured. A
script that prints figures (CPU per call, every 200 calls), not a test.

    .venv/bin/python bench/loop_writes.py --tasks 30000
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from workflow_engine.controller.statuscache import StatusSerializer
from workflow_engine.engine import CreatePod, Observed, PodState, TaskResult, operate
from workflow_engine.spec.models import Outputs
from workflow_engine.store import SqliteStore

sys.path.insert(0, str(Path(__file__).resolve().parent))
from engine_scale import START, loop_fan

PARTS = ("operate", "serialize", "store")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=30_000)
    parser.add_argument("--every", type=int, default=200, help="calls per printed line")
    args = parser.parse_args()
    wf = loop_fan(args.tasks, 32)
    serialize = StatusSerializer()
    pods: dict[str, PodState] = {}
    results: dict[str, TaskResult] = {}
    observed = Observed(pods=pods, results=results, active={})
    total = dict.fromkeys(PARTS, 0.0)
    window = dict.fromkeys(PARTS, 0.0)
    now, calls = START, 0
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(str(Path(tmp) / "store.db"))
        meta = {"name": wf.metadata.name, "namespace": "default"}
        obj: dict[str, Any] = store.create(
            {"apiVersion": "wfengine.io/v1alpha1", "kind": "Workflow", "metadata": meta}
        )
        while True:
            t0 = time.process_time()
            decision = operate(wf, observed, now)
            t1 = time.process_time()
            data = serialize(decision.status)
            t2 = time.process_time()
            obj = store.update_status({**obj, "status": data})
            t3 = time.process_time()
            for part, spent in zip(PARTS, (t1 - t0, t2 - t1, t3 - t2), strict=True):
                total[part] += spent
                window[part] += spent
            calls += 1
            wf = wf.model_copy(update={"status": decision.status})
            if decision.status.phase in ("Succeeded", "Failed", "Error"):
                break
            for action in decision.actions:
                if isinstance(action, CreatePod) and action.pod_name not in pods:
                    pods[action.pod_name] = PodState(action.pod_name, "Succeeded", exit_code=0)
                    results[action.node_id] = TaskResult(action.node_id, Outputs(exit_code="0"))
            now += timedelta(seconds=1)
            if calls % args.every == 0:
                shown = " ".join(f"{p} {1e3 * window[p] / args.every:5.1f}" for p in PARTS)
                print(f"{len(decision.status.nodes or {}):>7} nodes, ms per call: {shown}")
                window = dict.fromkeys(PARTS, 0.0)
        store.close()
    stored = len(json.dumps(data, separators=(",", ":")))
    print(
        "CPU s: " + " ".join(f"{p} {total[p]:.1f}" for p in PARTS) + f"; {calls} calls; "
        f"status as stored {stored / 1024:.0f} KiB; "
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )


if __name__ == "__main__":
    main()
