"""A ProcessRuntime in a process of its own, for tests that kill it (SIGKILL) while its
pods run (tests/integration/runtime/test_restart.py).

usage: python -m tests.integration.runtime.restart_driver STATE SANDBOX HOST_PATH PODS_JSON
                  READY_FILE SLOTS [STORE_DB]
SLOTS 0 means the runtime's default.
Creates the pods (a JSON list of manifests), prints "ready" once READY_FILE exists,
then waits to be killed. `run-args` containers run each of their args as a `sh -c`
script through Sandbox.run (`run_args`); with STORE_DB, `wf-exec` containers run
through the executor's handler over that SqliteStore.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from executor import make_container_handler
from workflow_engine.runtime.base import ContainerHandler, Sandbox
from workflow_engine.runtime.process import ProcessRuntime
from workflow_engine.runtime.process.persist import Journal, exit_key
from workflow_engine.runtime.process.records import is_pending
from workflow_engine.runtime.process.shim import find_shims, run_name
from workflow_engine.store import SqliteStore


def run_args(container: Mapping[str, Any], sandbox: Sandbox) -> int:
    code = 0
    for script in container.get("args") or ():
        code = sandbox.run(["sh", "-c", str(script)], {}, stdout_limit=4096).exit_code
    return code


def _recorded(state: Path) -> bool:
    """Has every process the runtime started exec'd and become findable by the next
    runtime? A container's shim: its pid journaled (until then a kill leaves it to be
    found in /proc: a case of its own, tested apart). A handler's run: its pid is
    journaled only with the container's exit, so a run recorded as being started
    counts once its shim runs (found in /proc) or has appended its exit code."""
    journal = Journal(state / "journal", state / "pods")
    for pod in journal.load():
        for c in pod.containers():
            if c.state != "running":
                continue
            if not c.runs and is_pending(c.shim):
                return False
            for index, run in enumerate(c.runs):
                key = exit_key(pod, run_name(c.name, index))
                if is_pending(run) and journal.exit_code(key) is None and not find_shims({key}):
                    return False
    return True


def main(argv: list[str]) -> None:
    state, sandbox, host_path, pods, ready, slots = argv[:6]
    handlers: dict[str, ContainerHandler] = {"run-args": run_args}
    if len(argv) > 6:
        handlers["wf-exec"] = make_container_handler(SqliteStore(Path(argv[6])))
    runtime = ProcessRuntime(
        Path(state),
        slots=int(slots) or None,
        handlers=handlers,
        sandbox=sandbox,  # type: ignore[arg-type]
        host_path=host_path,
    )
    for manifest in json.loads(pods):
        runtime.create_pod(manifest)
    deadline = time.monotonic() + 90  # the machine may be busy
    while not (Path(ready).exists() and _recorded(Path(state))):
        if time.monotonic() > deadline:
            raise SystemExit(f"{ready} did not appear, or no shim was recorded")
        threading.Event().wait(0.01)
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main(sys.argv[1:])
