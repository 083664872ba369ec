"""ProcessRuntime survives its own death: pods of a runtime killed with SIGKILL are
adopted by the next runtime on the same state dir.

Real here: the first runtime runs in a process of its own (restart_driver) and is
killed outright; its containers run under wf-sandbox's shim (skipped when
scripts/setup.sh did not build it); the second runtime runs in the test's process.
Pods count their runs in a host file and wait for the test's `go` file.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from executor import make_container_handler
from tests.contract.runtime_contract import find, log_text, pod, poll, sh, unique, wait_phase
from tests.integration.runtime.conftest import HOST_PATH
from workflow_engine.errors import NotFound
from workflow_engine.podbuilder import PodConfig, build_pod
from workflow_engine.runtime.base import RunResult, Sandbox
from workflow_engine.runtime.process import ProcessRuntime
from workflow_engine.runtime.process.persist import Journal, exit_key, state_of
from workflow_engine.runtime.process.records import ContainerRecord, PodRecord, is_pending
from workflow_engine.runtime.process.sandbox import find_helper
from workflow_engine.runtime.process.shim import find_shims, run_name, shim_supported, start_time
from workflow_engine.runtime.process.supervisor import LOST_MESSAGE
from workflow_engine.spec import load_objects
from workflow_engine.spec.models import Workflow
from workflow_engine.store import SqliteStore

REPO = Path(__file__).parents[3]
DATA = REPO / "tests" / "data" / "runtime"


def counting(host: Path, then: str) -> str:
    """A script that counts its run, says so, waits for `go`, then runs `then`."""
    return (
        f"echo run >> {host}/runs; echo before; "
        f"while [ ! -e {host}/go ]; do sleep 0.02; done; {then}"
    )


def runs(host: Path) -> int:
    try:
        return len((host / "runs").read_text().splitlines())
    except FileNotFoundError:
        return 0


@pytest.fixture(params=["plain", "overlay"])
def kind(request: pytest.FixtureRequest, overlay_available: bool) -> str:
    helper = find_helper()
    if helper is None or not shim_supported(helper):
        pytest.skip("the shim is wf-sandbox, built by scripts/setup.sh")
    if request.param == "overlay" and not overlay_available:
        pytest.skip("the overlay sandbox needs root and overlayfs")
    return str(request.param)


Killed = Callable[..., Path]


@pytest.fixture
def killed_runtime(tmp_path: Path, kind: str) -> Iterator[Killed]:
    """(pods, ready file, store db=None, slots=0) -> the state dir of a runtime that
    created the pods, saw `ready` appear, and was then killed with SIGKILL."""
    started: list[subprocess.Popen[str]] = []

    def run(
        pods: list[dict[str, Any]], ready: Path, store: Path | None = None, slots: int = 0
    ) -> Path:
        state = tmp_path / "state"
        argv = [sys.executable, "-m", "tests.integration.runtime.restart_driver", str(state)]
        argv += [kind, HOST_PATH, json.dumps(pods), str(ready), str(slots)]
        argv += [str(store)] if store is not None else []
        proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, text=True)
        started.append(proc)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        return state

    yield run
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.fixture
def adopt(kind: str) -> Iterator[Callable[..., ProcessRuntime]]:
    made: list[ProcessRuntime] = []

    def make(state: Path, **kw: Any) -> ProcessRuntime:
        sandbox: Any = kind
        runtime = ProcessRuntime(state, sandbox=sandbox, host_path=HOST_PATH, **kw)
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.close()


@pytest.mark.parametrize(
    ("code", "phase"), [(0, "Succeeded"), (3, "Failed")], ids=["exit-0", "exit-3"]
)
def test_a_running_pod_is_adopted_keeps_logging_and_ends_with_its_code(
    killed_runtime: Killed,
    adopt: Callable[..., ProcessRuntime],
    host_dir: Path,
    code: int,
    phase: str,
) -> None:
    name = unique()
    script = counting(host_dir, f"echo after; exit {code}")
    state = killed_runtime([pod(name, sh("main", script), host_dir=host_dir)], host_dir / "runs")
    runtime = adopt(state)
    seen = find(runtime, name)
    assert seen is not None and seen.phase == "Running"
    poll(lambda: "before" in log_text(runtime, name), what="the first line")
    (host_dir / "go").touch()
    done = wait_phase(runtime, name)
    assert (done.phase, done.containers[0].exit_code) == (phase, code)
    assert log_text(runtime, name).splitlines() == ["before", "after"]  # written after the kill
    assert runs(host_dir) == 1


def test_logs_follow_an_adopted_container_until_it_ends(
    killed_runtime: Killed, adopt: Callable[..., ProcessRuntime], host_dir: Path
) -> None:
    name = unique()
    script = counting(host_dir, "for i in 1 2 3; do echo line$i; done")
    state = killed_runtime([pod(name, sh("main", script), host_dir=host_dir)], host_dir / "runs")
    runtime = adopt(state)
    (host_dir / "go").touch()
    followed = log_text(runtime, name, follow=True)
    assert followed.splitlines() == ["before", "line1", "line2", "line3"]


def test_a_pod_that_ended_while_no_runtime_lived_is_observed_finished(
    killed_runtime: Killed, adopt: Callable[..., ProcessRuntime], host_dir: Path
) -> None:
    name = unique()
    script = counting(host_dir, "exit 4")
    state = killed_runtime([pod(name, sh("main", script), host_dir=host_dir)], host_dir / "runs")
    (host_dir / "go").touch()
    poll(lambda: _exit_code(state, name) is not None, what="the shim's exit code")
    runtime = adopt(state)
    done = wait_phase(runtime, name)
    assert (done.phase, done.containers[0].exit_code, done.containers[0].reason) == (
        "Failed",
        4,
        "Error",
    )
    assert runs(host_dir) == 1


def _record(state: Path, name: str) -> PodRecord:
    """The pod as the journal of the killed runtime has it (read, nothing written)."""
    pods = Journal(state / "journal", state / "pods").load()
    return next(p for p in pods if p.name == name)


def _exit_code(state: Path, name: str) -> int | None:
    journal = Journal(state / "journal", state / "pods")
    record = next(p for p in journal.load() if p.name == name)
    return journal.exit_code(exit_key(record, "main"))


def _append_state(state: Path, record: PodRecord) -> None:
    """What a runtime's save does, by hand: a later state line wins."""
    last = max((state / "journal").glob("*.jsonl"), key=lambda p: int(p.stem))
    line = {"pod": f"{record.namespace}/{record.name}", "state": state_of(record)}
    with open(last, "ab") as f:
        f.write(json.dumps(line).encode() + b"\n")


def _shim_of(state: Path, name: str) -> tuple[int, int, int]:
    shim = _record(state, name).main[0].shim
    assert shim is not None
    return shim


@pytest.mark.parametrize("reused", [False, True], ids=["shim-gone", "pid-reused"])
def test_a_container_whose_shim_left_no_exit_code_is_lost_not_rerun(
    killed_runtime: Killed,
    adopt: Callable[..., ProcessRuntime],
    host_dir: Path,
    reused: bool,
) -> None:
    name = unique()
    script = counting(host_dir, "true")
    state = killed_runtime([pod(name, sh("main", script), host_dir=host_dir)], host_dir / "runs")
    pid, started, seq = _shim_of(state, name)
    os.killpg(pid, signal.SIGKILL)  # the shim and its container, no exit file
    poll(lambda: start_time(pid) is None, what="the shim to be gone")
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        if reused:  # the record now names a live process of another start time
            record = _record(state, name)
            record.main[0].shim = (stranger.pid, started, seq)
            _append_state(state, record)
        runtime = adopt(state)
        done = wait_phase(runtime, name)
        main = done.containers[0]
        assert (done.phase, main.reason, main.message) == ("Failed", "Error", LOST_MESSAGE)
        assert stranger.poll() is None  # neither waited for nor signalled
    finally:
        stranger.kill()
        stranger.wait()
    assert runs(host_dir) == 1


def test_pending_pods_start_and_adopted_ones_hold_their_slot(
    killed_runtime: Killed, adopt: Callable[..., ProcessRuntime], host_dir: Path
) -> None:
    first, second = unique("first"), unique("second")
    pods = [
        pod(first, sh("main", counting(host_dir, "true")), host_dir=host_dir),
        pod(second, sh("main", f"echo second >> {host_dir}/second"), host_dir=host_dir),
    ]
    state = killed_runtime(pods, host_dir / "runs", slots=1)
    runtime = adopt(state, slots=1)
    seen = {p.name: p.phase for p in runtime.observe()}
    assert seen == {first: "Running", second: "Pending"}
    (host_dir / "go").touch()
    assert wait_phase(runtime, second).phase == "Succeeded"
    assert wait_phase(runtime, first).phase == "Succeeded"
    assert (runs(host_dir), (host_dir / "second").read_text()) == (1, "second\n")


def test_delete_still_terminates_an_adopted_container(
    killed_runtime: Killed, adopt: Callable[..., ProcessRuntime], host_dir: Path
) -> None:
    name = unique()
    script = f"trap 'echo term >> {host_dir}/term; exit 143' TERM; " + counting(host_dir, "true")
    manifest = pod(name, sh("main", script), host_dir=host_dir)
    state = killed_runtime([manifest], host_dir / "runs")
    pid, _, _ = _shim_of(state, name)
    runtime = adopt(state)
    runtime.delete_pod(name, grace_seconds=10)
    poll(lambda: find(runtime, name) is None, what="the pod to be deleted")
    assert start_time(pid) is None
    assert (host_dir / "term").read_text() == "term\n"


def _handler_pod(host: Path) -> dict[str, Any]:
    (wf,) = load_objects((DATA / "restart-handler.yaml").read_text())
    assert isinstance(wf, Workflow)
    manifest = build_pod(
        wf,
        (wf.spec.templates or [])[0],
        node_id="restart-1",
        node_name="restart",
        pod_name=unique("restart"),
        now=datetime.now(UTC),
        deadline=None,
        config=PodConfig(),
    )
    spec = manifest["spec"]
    spec.setdefault("volumes", []).append({"name": "host", "hostPath": {"path": str(host)}})
    main = next(c for c in spec["containers"] if c["name"] == "main")
    main.setdefault("volumeMounts", []).append({"name": "host", "mountPath": str(host)})
    main.setdefault("env", []).append({"name": "HOST", "value": str(host)})
    return manifest


def test_a_handler_container_is_adopted_and_its_command_runs_once(
    killed_runtime: Killed,
    adopt: Callable[..., ProcessRuntime],
    host_dir: Path,
    tmp_path: Path,
) -> None:
    """The executor is called again by the new runtime: its Sandbox.run finds the user's
    process started by the killed runtime, waits for it, and collects its outputs. A
    running run's pid is not journaled until the container's exit: the new runtime
    finds it from the run recorded as being started (adopt.launch_outcome)."""
    db = tmp_path / "store.db"
    manifest = _handler_pod(host_dir)
    name = manifest["metadata"]["name"]
    state = killed_runtime([manifest], host_dir / "runs", store=db)
    assert [is_pending(run) for run in _record(state, name).main[0].runs] == [True]
    store = SqliteStore(db)
    try:
        with pytest.raises(NotFound):  # the executor had not reported yet
            store.get("WorkflowTaskResult", "restart-1")
        runtime = adopt(state, handlers={"wf-exec": make_container_handler(store)})
        assert wait_phase(runtime, name, ("Running",)).phase == "Running"
        (host_dir / "go").touch()
        done = wait_phase(runtime, name)
        assert (done.phase, done.containers[0].exit_code) == ("Succeeded", 0)
        outputs = store.get("WorkflowTaskResult", "restart-1")["outputs"]
    finally:
        store.close()
    assert (outputs["result"], outputs["exitCode"]) == ("done-1", "0")
    assert outputs["parameters"] == [{"name": "seen", "value": "1"}]
    assert runs(host_dir) == 1


def _runs_pod(name: str, host: Path) -> dict[str, Any]:
    """A handler container with two runs: the first ends at once, the second waits."""
    first = f"echo run >> {host}/first; echo first"
    second = counting(host, "echo second")
    container = {"name": "main", "image": "debian:12", "command": ["run-args"]}
    return pod(name, {**container, "args": [first, second]}, host_dir=host)


def test_each_sandbox_run_of_an_adopted_handler_runs_once(
    killed_runtime: Killed, adopt: Callable[..., ProcessRuntime], host_dir: Path
) -> None:
    """Run 0 had ended, run 1 was running: called again, the handler gets run 0's
    recorded result and waits for run 1; neither starts again."""
    name = unique()
    state = killed_runtime([_runs_pod(name, host_dir)], host_dir / "runs")
    results: list[RunResult] = []

    def recording(container: Mapping[str, Any], sandbox: Sandbox) -> int:
        for script in container["args"]:
            results.append(sandbox.run(["sh", "-c", script], {}, stdout_limit=4096))
        return results[-1].exit_code

    runtime = adopt(state, handlers={"run-args": recording})
    (host_dir / "go").touch()
    assert wait_phase(runtime, name).phase == "Succeeded"
    assert [(r.exit_code, r.stdout) for r in results] == [(0, b"first\n"), (0, b"before\nsecond\n")]
    assert ((host_dir / "first").read_text(), runs(host_dir)) == ("run\n", 1)


def test_a_process_the_called_again_handler_does_not_reach_is_killed(
    killed_runtime: Killed, adopt: Callable[..., ProcessRuntime], host_dir: Path
) -> None:
    name = unique()
    state = killed_runtime([_runs_pod(name, host_dir)], host_dir / "runs")
    record = _record(state, name)
    # a running run's pid is journaled with its container's exit: found in /proc
    assert is_pending(record.main[0].runs[1])
    key = exit_key(record, run_name("main", 1))
    shim = find_shims({key})[key]
    assert start_time(shim[0]) == shim[1]
    runtime = adopt(state, handlers={"run-args": lambda container, sandbox: 0})
    assert wait_phase(runtime, name).phase == "Succeeded"
    poll(lambda: start_time(shim[0]) is None, what="the unclaimed process to be killed")
    assert "earlier runtime" in log_text(runtime, name)


@pytest.mark.parametrize("stage", ["queued", "done"])
def test_a_delete_cut_short_by_the_runtimes_death_is_finished(
    tmp_path: Path, adopt: Callable[..., ProcessRuntime], stage: str
) -> None:
    state = tmp_path / "state"
    journal = Journal(state / "journal", state / "pods")
    journal.start(journal.load())
    record = _record_for(state, unique())
    record.stage, record.deleting = stage, True  # type: ignore[assignment]
    record.directory.mkdir(parents=True)
    journal.created(record)
    journal.close()
    runtime = adopt(state)
    assert find(runtime, record.name) is None
    assert not record.directory.exists()
    assert Journal(state / "journal", state / "pods").load() == []


def _record_for(state: Path, name: str) -> PodRecord:
    directory = state / "pods" / "default" / name
    return PodRecord(
        name=name,
        namespace="default",
        spec={"containers": [{"name": "main", "image": "debian", "command": ["true"]}]},
        labels={},
        annotations={},
        directory=directory,
        init=[],
        main=[ContainerRecord("main", directory / "logs" / "main.log")],
        grace=1.0,
        created=1,
    )


def test_a_shim_started_but_not_yet_recorded_is_found_and_adopted(
    killed_runtime: Killed, adopt: Callable[..., ProcessRuntime], host_dir: Path
) -> None:
    """The runtime died between starting a shim and recording its pid: the next one
    finds the shim by its exit key among the host's processes."""
    name = unique()
    script = counting(host_dir, "exit 6")
    state = killed_runtime([pod(name, sh("main", script), host_dir=host_dir)], host_dir / "runs")
    record = _record(state, name)
    record.main[0].shim = None  # as the record is in that window
    _append_state(state, record)
    runtime = adopt(state)
    assert wait_phase(runtime, name, ("Running",)).phase == "Running"
    (host_dir / "go").touch()
    done = wait_phase(runtime, name)
    assert (done.phase, done.containers[0].exit_code) == ("Failed", 6)
    assert runs(host_dir) == 1
