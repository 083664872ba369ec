# ruff: noqa: F811 - the fixtures of test_restart, imported by name
"""A runtime killed at each point of a container's start: between recording the
container as being started and forking its shim, between fork and exec, after the
program started but before the shim's pid was recorded (the program still running,
ended, or killed with its shim). The next runtime runs every container exactly once,
or reports it lost when it ran and left no exit code; it never reports lost a container
that never ran (see workflow_engine/runtime/process/claims.py).

Real here: wf-sandbox's shim and its journal lines, the launch claims, ProcessRuntime.
Each kill point is reproduced exactly: by a runtime process killed with SIGKILL, its
record then rewritten to say what it said in that window, or by a record written with
the runtime's own Journal; the fork-to-exec window by the test holding the claim as the
forked child does, then starting the shim by hand as that child becomes it.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.contract.runtime_contract import pod, poll, sh, unique, wait_phase
from tests.integration.runtime.test_restart import (  # noqa: F401 - fixtures
    Killed,
    _append_state,
    _exit_code,
    _record,
    adopt,
    counting,
    killed_runtime,
    kind,
    runs,
)
from workflow_engine.runtime.base import Sandbox
from workflow_engine.runtime.process import ProcessRuntime
from workflow_engine.runtime.process.claims import claim
from workflow_engine.runtime.process.persist import Journal, exit_key
from workflow_engine.runtime.process.records import ContainerRecord, PodRecord, pending
from workflow_engine.runtime.process.sandbox import Layout, find_helper
from workflow_engine.runtime.process.shim import container_files, start_shim, start_time
from workflow_engine.runtime.process.supervisor import LOST_MESSAGE


def _recorded_as_starting(
    state: Path, manifest: Mapping[str, Any], runs_: bool = False
) -> PodRecord:
    """The journal of a runtime killed right after it recorded the pod's only container
    as being started (its shim pending: no pid yet), before forking anything."""
    journal = Journal(state / "journal", state / "pods")
    journal.load()
    journal.start([])
    name = manifest["metadata"]["name"]
    directory = state / "pods" / "default" / name
    now = datetime.now(UTC)
    main = ContainerRecord("main", directory / "logs" / "main.log", state="running", started_at=now)
    if runs_:
        main.runs = [pending(journal.seq)]
    else:
        main.shim = pending(journal.seq)
    record = PodRecord(
        name=name,
        namespace="default",
        spec=manifest["spec"],
        labels={},
        annotations={},
        directory=directory,
        init=[],
        main=[main],
        grace=30.0,
        phase="Running",
        stage="main",
        started_at=now,
        created=time.time_ns(),
    )
    journal.created(record)
    journal.close()
    return record


def test_recorded_as_starting_but_never_forked_it_is_started_once(
    tmp_path: Path, adopt: Callable[..., ProcessRuntime], host_dir: Path
) -> None:
    name = unique()
    manifest = pod(name, sh("main", counting(host_dir, "exit 5")), host_dir=host_dir)
    state = tmp_path / "state"
    _recorded_as_starting(state, manifest)
    (host_dir / "go").touch()
    runtime = adopt(state)
    done = wait_phase(runtime, name)
    assert (done.phase, done.containers[0].exit_code) == ("Failed", 5)
    assert done.containers[0].message != LOST_MESSAGE
    assert runs(host_dir) == 1


def test_a_handler_run_recorded_as_starting_but_never_forked_runs_once(
    tmp_path: Path, adopt: Callable[..., ProcessRuntime], host_dir: Path
) -> None:
    name = unique()
    script = counting(host_dir, "echo done")
    container = {"name": "main", "image": "debian:12", "command": ["run-args"], "args": [script]}
    state = tmp_path / "state"
    _recorded_as_starting(state, pod(name, container, host_dir=host_dir), runs_=True)
    outputs: list[bytes] = []

    def run_args(spec: Mapping[str, Any], sandbox: Sandbox) -> int:
        result = sandbox.run(["sh", "-c", str(spec["args"][0])], {}, stdout_limit=4096)
        outputs.append(result.stdout)
        return result.exit_code

    (host_dir / "go").touch()
    runtime = adopt(state, handlers={"run-args": run_args})
    assert wait_phase(runtime, name).phase == "Succeeded"
    assert (outputs, runs(host_dir)) == ([b"before\ndone\n"], 1)


def test_a_shim_between_fork_and_exec_is_waited_for_not_started_again(
    tmp_path: Path, adopt: Callable[..., ProcessRuntime], host_dir: Path
) -> None:
    """The forked child holds the claim before it is a shim anyone can find: the next
    runtime waits for it; once it has exec'd, it is adopted, and the program runs once."""
    name = unique()
    script = counting(host_dir, "exit 0")
    manifest = pod(name, sh("main", script), host_dir=host_dir)
    state = tmp_path / "state"
    record = _recorded_as_starting(state, manifest)
    record.directory.mkdir(parents=True)
    key = exit_key(record, "main")
    child = os.open(record.directory, os.O_RDONLY | os.O_DIRECTORY)  # the fork's copy
    claim(child, key)
    runtime = adopt(state)
    assert wait_phase(runtime, name, ("Running",)).phase == "Running"
    helper = find_helper()
    assert helper is not None
    seq = record.main[0].shim[2]  # type: ignore[index]
    journal_fd = os.open(state / "journal" / f"{seq}.jsonl", os.O_WRONLY | os.O_APPEND)
    try:  # the child becomes the shim (its claim taken over without a gap)
        layout = Layout("plain", record.directory, "main", state / "root")
        env = {"PATH": "/usr/bin:/bin"}
        shim = start_shim(
            layout,
            helper,
            container_files("main", key),
            journal_fd,
            ["sh", "-c", script],
            env,
            None,
        )
    finally:
        os.close(journal_fd)
        os.close(child)
    try:
        poll(lambda: runs(host_dir) == 1, what="the program to run")
    finally:  # the shim is this test's child: it must not outlive a failure
        (host_dir / "go").touch()
    done = wait_phase(runtime, name)
    shim.wait()
    assert (done.phase, done.containers[0].exit_code) == ("Succeeded", 0)
    assert runs(host_dir) == 1


def test_a_program_that_ended_before_its_shim_was_recorded_keeps_its_exit_code(
    killed_runtime: Killed, adopt: Callable[..., ProcessRuntime], host_dir: Path
) -> None:
    """Killed after the program started, before the shim's pid was recorded; the
    program ended before the next runtime came: its exit code is in the journal segment
    the pending record names, which the next runtime keeps to read it."""
    name = unique()
    manifest = pod(name, sh("main", counting(host_dir, "exit 4")), host_dir=host_dir)
    state = killed_runtime([manifest], host_dir / "runs")
    (host_dir / "go").touch()
    poll(lambda: _exit_code(state, name) is not None, what="the shim's exit code")
    record = _record(state, name)
    assert record.main[0].shim is not None
    record.main[0].shim = pending(record.main[0].shim[2])  # as the record was in that window
    _append_state(state, record)
    runtime = adopt(state)
    done = wait_phase(runtime, name)
    assert (done.phase, done.containers[0].exit_code, done.containers[0].reason) == (
        "Failed",
        4,
        "Error",
    )
    assert runs(host_dir) == 1


def test_a_program_that_ran_and_was_killed_with_its_unrecorded_shim_is_lost_not_rerun(
    killed_runtime: Killed, adopt: Callable[..., ProcessRuntime], host_dir: Path
) -> None:
    name = unique()
    manifest = pod(name, sh("main", counting(host_dir, "true")), host_dir=host_dir)
    state = killed_runtime([manifest], host_dir / "runs")
    record = _record(state, name)
    shim = record.main[0].shim
    assert shim is not None
    os.killpg(shim[0], signal.SIGKILL)  # no exit line; its start line stays
    poll(lambda: start_time(shim[0]) is None, what="the shim to be gone")
    record.main[0].shim = pending(shim[2])
    _append_state(state, record)
    runtime = adopt(state)
    done = wait_phase(runtime, name)
    main = done.containers[0]
    assert (done.phase, main.reason, main.message) == ("Failed", "Error", LOST_MESSAGE)
    assert runs(host_dir) == 1
