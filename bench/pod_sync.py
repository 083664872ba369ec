"""The controller's pod sync per runtime wake-up, full against incremental: a workflow
with N finished pods and 8 running, as `PodIndex` sees it. Full: the list of every
pod's observation (as `ProcessRuntime.observe()` hands it) through `refresh_split`;
incremental: the 8 running pods (as `ProcessRuntime.pod_feed().take()` hands them)
through `refresh_changes`; and `foreign` (called at every reconcile). CPU time per
call, median of 5 rounds. A script that prints figures, not a test.

    .venv/bin/python bench/pod_sync.py [--pods 1000] [--calls 200]

Run against another tree (`PYTHONPATH=<tree>`) it measures what that tree has (a tree
without `refresh_changes` prints only the full refresh and `foreign`).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from workflow_engine import runtime
from workflow_engine.controller.indexes import PodIndex
from workflow_engine.runtime.base import ContainerObservation, PodObservation

WF = ("default", "wf")
LABELS = {"workflows.argoproj.io/workflow": "wf", "workflows.argoproj.io/workflow-uid": "u1"}


def observation(index: int, phase: str) -> PodObservation:
    ended = phase != "Running"
    return PodObservation(
        name=f"wf-{index}",
        namespace="default",
        phase=phase,  # type: ignore[arg-type]
        labels=LABELS,
        annotations={"workflows.argoproj.io/node-id": f"wf-{index}"},
        containers=(
            ContainerObservation(
                name="main",
                state="terminated" if ended else "running",
                exit_code=0 if ended else None,
            ),
        ),
    )


def per_call(fn: Callable[[], object], calls: int) -> float:
    """Median over 5 rounds of CPU seconds per call."""
    rounds = []
    for _ in range(5):
        start = time.process_time()
        for _ in range(calls):
            fn()
        rounds.append((time.process_time() - start) / calls)
    return statistics.median(rounds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pods", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    finished = [observation(i, "Succeeded") for i in range(args.pods)]
    index = PodIndex()

    def running() -> list[PodObservation]:  # fresh objects, as a pod not yet final gives
        return [observation(args.pods + i, "Running") for i in range(8)]

    index.refresh_split(finished + running())
    full = per_call(lambda: index.refresh_split(finished + running()), args.calls)
    changes = getattr(runtime.base, "PodChanges", None)
    incremental = (
        per_call(lambda: index.refresh_changes(changes(running(), set())), args.calls)
        if changes is not None
        else None
    )
    foreign = per_call(lambda: index.foreign(WF, "u1"), args.calls)
    print(f"tree: {runtime.__file__.rsplit('/', 3)[0]}")
    print(f"pods: {args.pods} finished + 8 running; CPU per call, median of 5 rounds")
    print(f"full refresh (observe() list):      {full * 1e3:.3f} ms")
    if incremental is not None:
        print(f"incremental refresh (feed changes): {incremental * 1e3:.3f} ms")
    print(f"foreign (every reconcile):          {foreign * 1e3:.4f} ms")


if __name__ == "__main__":
    main()
