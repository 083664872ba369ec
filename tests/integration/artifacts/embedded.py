"""An embedded controller whose pods use a given artifact repository (S3 on SeaweedFS).

The embedded wiring (`workflow_engine.controller.embedded`) gives pods the local
repository until the repository configuration is wired in; this harness assembles the
same real pieces (SqliteStore, ProcessRuntime with the executor's handler, the engine,
Reconciler and Controller) with a PodConfig carrying the repository JSON and a driver
factory of the test's choosing (e.g. a retry budget). Submission goes through the
controller's `submit_text`, as `wf submit` does.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from executor import make_container_handler
from executor.handler import DriverFactory
from workflow_engine.artifacts import default_drivers
from workflow_engine.controller.clock import SystemClock
from workflow_engine.controller.embedded import StatePaths
from workflow_engine.controller.events import FileEventLog
from workflow_engine.controller.indexes import PodIndex, ResultIndex
from workflow_engine.controller.loop import Controller, LoopOptions
from workflow_engine.controller.reconcile import Engine, Reconciler
from workflow_engine.controller.submit import SubmitOptions, submit_text
from workflow_engine.engine import operate
from workflow_engine.engine.decision import CreatePod
from workflow_engine.podbuilder import PodConfig, build_pod
from workflow_engine.runtime.process import ProcessRuntime
from workflow_engine.spec.models import Workflow
from workflow_engine.spec.status_codec import status_from_dict, status_to_dict
from workflow_engine.store import SqliteStore

DONE = ("Succeeded", "Failed", "Error")


@dataclass
class Stack:
    store: SqliteStore
    paths: StatePaths

    def submit(self, path: Path, **parameters: str) -> str:
        options = SubmitOptions(parameters=tuple(parameters.items()))
        [obj] = submit_text(self.store, path.read_text(), str(path), options, datetime.now(UTC))
        return str(obj["metadata"]["name"])

    def wait(self, name: str, timeout: float = 120.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            obj = self.store.get("Workflow", name)
            if (obj.get("status") or {}).get("phase") in DONE:
                return obj
            if time.monotonic() > deadline:
                raise AssertionError(f"workflow {name} did not finish: {obj.get('status')}")
            time.sleep(0.05)  # polling interval


def _engine(repository: dict[str, Any]) -> Engine:
    config = PodConfig(
        artifact_repository=json.dumps(repository, separators=(",", ":")),
        executor_command=("wf-exec",),
    )

    def pod(wf: Workflow, action: CreatePod, now: datetime) -> dict[str, Any]:
        return build_pod(
            wf,
            action.template,
            node_id=action.node_id,
            node_name=action.node_name,
            pod_name=action.pod_name,
            now=now,
            deadline=action.deadline,
            config=config,
        )

    return Engine(
        operate=operate,
        status_to_dict=status_to_dict,
        status_from_dict=status_from_dict,
        build_pod=pod,
    )


@contextmanager
def running_stack(
    root: Path, repository: dict[str, Any], drivers: DriverFactory = default_drivers
) -> Iterator[Stack]:
    paths = StatePaths(root)
    root.mkdir(parents=True, exist_ok=True)
    store = SqliteStore(paths.db)
    runtime = ProcessRuntime(
        paths.runtime, handlers={"wf-exec": make_container_handler(store, drivers)}
    )
    clock = SystemClock()
    reconciler = Reconciler(
        store,
        runtime,
        _engine(repository),
        clock,
        FileEventLog(paths.events),
        PodIndex(),
        ResultIndex(),
    )
    controller = Controller(reconciler, clock, LoopOptions(workers=2))
    stop = threading.Event()
    controller.start()
    thread = threading.Thread(target=controller.run_until, args=(stop.is_set,), daemon=True)
    thread.start()
    try:
        yield Stack(store, paths)
    finally:
        stop.set()
        thread.join(timeout=30)
        controller.signal_stop()
        runtime.close()
        store.close()  # ends the store watches at once
        controller.stop()
