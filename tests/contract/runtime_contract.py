"""The Runtime contract: what every Runtime implementation must do (see runtime/base.py).

Two levels, both not collected by themselves:
- `RuntimePortContract`: the port's bookkeeping, which even an in-memory runtime that
  runs nothing must keep (create is idempotent, labels and annotations are observed,
  a pod ends in the phase its main container's exit code gives, listeners hear it,
  delete and logs of missing pods). Its pods' `main` runs `sh -c "exit N"` and carries
  the annotation `EXIT_CODE_ANNOTATION: N`, which a runtime that runs nothing (the
  controller tests' FakeRuntime) may obey instead. A subclass supplies
  `runtime_factory`.
- `RuntimeContract(RuntimePortContract)`: running real containers. A subclass supplies
  `runtime_factory(slots=None, handlers=None) -> Runtime` (the factory closes what it
  made; an implementation without container handlers calls `pytest.skip` when given
  some) and `host_dir`, a host directory the pods reach through a hostPath volume
  mounted at the same path. Pods coordinate with the test through files there; every
  wait polls with a deadline.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.polling import poll
from workflow_engine.errors import NotFound
from workflow_engine.runtime.base import PodObservation, Runtime, Sandbox

Factory = Callable[..., Runtime]
TIMEOUT = 20.0
FINAL = ("Succeeded", "Failed")


def unique(prefix: str = "pod") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def sh(name: str, script: str, image: str = "debian:12", **extra: Any) -> dict[str, Any]:
    return {"name": name, "image": image, "command": ["sh", "-c", script], **extra}


def pod(
    name: str, *containers: Mapping[str, Any], host_dir: Path | None = None, **spec: Any
) -> dict[str, Any]:
    """A pod manifest; with `host_dir`, every container mounts it at the same path.
    `restartPolicy: Never`, as a workflow's pods have, unless `spec` says otherwise (the
    node agent restarts an `Always` pod's containers, as a kubelet does)."""
    body: dict[str, Any] = {
        "containers": [dict(c) for c in containers],
        "restartPolicy": "Never",
        **spec,
    }
    if host_dir is not None:
        body.setdefault("volumes", []).append({"name": "host", "hostPath": {"path": str(host_dir)}})
        for c in body["containers"] + body.get("initContainers", []):
            mount = {"name": "host", "mountPath": str(host_dir)}
            c.setdefault("volumeMounts", []).append(mount)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": body}


def find(runtime: Runtime, name: str) -> PodObservation | None:
    return next((p for p in runtime.observe() if p.name == name), None)


def wait_phase(
    runtime: Runtime, name: str, phases: tuple[str, ...] = FINAL, timeout: float = TIMEOUT
) -> PodObservation:
    def reached() -> PodObservation | None:
        seen = find(runtime, name)
        return seen if seen is not None and seen.phase in phases else None

    return poll(reached, timeout, f"pod {name} in {phases}")


def log_text(runtime: Runtime, name: str, container: str = "main", **kw: Any) -> str:
    return b"".join(runtime.logs(name, container=container, **kw)).decode()


EXIT_CODE_ANNOTATION = "test/exit-code"


def exiting(name: str, code: int, **metadata: Any) -> dict[str, Any]:
    """A pod whose main container exits with `code` (see the module docstring)."""
    manifest = pod(name, sh("main", f"exit {code}"))
    manifest["metadata"].update(metadata)
    annotations = manifest["metadata"].setdefault("annotations", {})
    annotations[EXIT_CODE_ANNOTATION] = str(code)
    return manifest


class RuntimePortContract:
    """The bookkeeping of the Runtime port; every test takes `runtime_factory`."""

    @pytest.mark.parametrize(("code", "phase"), [(0, "Succeeded"), (3, "Failed")])
    def test_the_main_exit_code_decides_the_phase(
        self, runtime_factory: Factory, code: int, phase: str
    ) -> None:
        runtime, name = runtime_factory(), unique()
        runtime.create_pod(exiting(name, code))
        seen = wait_phase(runtime, name)
        main = next(c for c in seen.containers if c.name == "main")
        assert (seen.phase, main.state, main.exit_code) == (phase, "terminated", code)
        assert main.reason == ("Completed" if code == 0 else "Error")

    def test_a_second_create_of_a_name_changes_nothing(self, runtime_factory: Factory) -> None:
        runtime, name = runtime_factory(), unique()
        runtime.create_pod(exiting(name, 0, labels={"first": "yes"}))
        runtime.create_pod(exiting(name, 3, labels={"second": "yes"}))
        seen = wait_phase(runtime, name)
        assert [p.name for p in runtime.observe()].count(name) == 1
        assert (seen.phase, dict(seen.labels)) == ("Succeeded", {"first": "yes"})

    def test_metadata_is_observed(self, runtime_factory: Factory) -> None:
        runtime, name = runtime_factory(), unique()
        labels = {"workflows.argoproj.io/workflow": "wf-1"}
        runtime.create_pod(exiting(name, 0, labels=labels, namespace="ns-1"))
        seen = wait_phase(runtime, name)
        assert (seen.namespace, dict(seen.labels)) == ("ns-1", labels)
        assert dict(seen.annotations)[EXIT_CODE_ANNOTATION] == "0"

    def test_listeners_hear_a_pod_end(self, runtime_factory: Factory) -> None:
        runtime, name = runtime_factory(), unique()
        heard = threading.Event()
        runtime.add_listener(heard.set)
        runtime.create_pod(exiting(name, 0))
        wait_phase(runtime, name)
        poll(heard.is_set, what="a listener call")

    def test_delete_removes_a_pod_and_missing_ones_are_no_error(
        self, runtime_factory: Factory
    ) -> None:
        runtime, name = runtime_factory(), unique()
        runtime.create_pod(exiting(name, 0))
        wait_phase(runtime, name)
        runtime.delete_pod(name)
        poll(lambda: find(runtime, name) is None, what="the pod to go")
        runtime.delete_pod(name)
        runtime.delete_pod(unique("never"))
        with pytest.raises(NotFound):
            runtime.logs(name)

    def test_logs_of_a_pod_end_in_newlines_and_of_missing_ones_are_not_found(
        self, runtime_factory: Factory
    ) -> None:
        runtime, name = runtime_factory(), unique()
        with pytest.raises(NotFound):
            runtime.logs(unique("never"))
        runtime.create_pod(exiting(name, 0))
        wait_phase(runtime, name)
        assert all(line.endswith(b"\n") for line in runtime.logs(name))
        with pytest.raises(NotFound):
            runtime.logs(name, container="nope")


class RuntimeContract(RuntimePortContract):
    """Every test takes `runtime_factory` and usually `host_dir` from the subclass."""

    # -- phases and exit codes ------------------------------------------------------

    @pytest.mark.parametrize(
        ("script", "code", "phase", "reason"),
        [
            ("true", 0, "Succeeded", "Completed"),
            ("exit 3", 3, "Failed", "Error"),
            ("kill -9 $$$$", 137, "Failed", "Error"),  # `$$` is `$` after $(VAR) expansion
        ],
        ids=["exit-0", "exit-3", "killed-by-signal"],
    )
    def test_exit_code_decides_phase(
        self, runtime_factory: Factory, script: str, code: int, phase: str, reason: str
    ) -> None:
        runtime, name = runtime_factory(), unique()
        runtime.create_pod(pod(name, sh("main", script)))
        seen = wait_phase(runtime, name)
        (main,) = seen.containers
        assert (seen.phase, main.state, main.exit_code, main.reason) == (
            phase,
            "terminated",
            code,
            reason,
        )
        assert seen.started_at and seen.finished_at and seen.started_at <= seen.finished_at
        assert main.started_at and main.finished_at and main.started_at <= main.finished_at

    def test_phases_move_forward_and_listeners_hear_them(
        self, runtime_factory: Factory, host_dir: Path
    ) -> None:
        runtime, name = runtime_factory(), unique()
        heard = threading.Event()
        runtime.add_listener(heard.set)
        gate = host_dir / "gate"
        runtime.create_pod(
            pod(name, sh("main", f"until [ -e {gate} ]; do sleep 0.02; done"), host_dir=host_dir)
        )
        poll(heard.is_set, what="a listener call")
        running = wait_phase(runtime, name, ("Running",))
        assert running.containers[0].state == "running"
        heard.clear()
        gate.touch()
        assert wait_phase(runtime, name).phase == "Succeeded"
        poll(heard.is_set, what="a listener call for the final phase")

    def test_create_is_idempotent(self, runtime_factory: Factory, host_dir: Path) -> None:
        runtime, name = runtime_factory(), unique()
        runs = host_dir / "runs"
        first = pod(name, sh("main", f"echo first >> {runs}"), host_dir=host_dir)
        second = pod(name, sh("main", f"echo second >> {runs}"), host_dir=host_dir)
        runtime.create_pod(first)
        runtime.create_pod(second)
        wait_phase(runtime, name)
        runtime.create_pod(first)
        assert [p.name for p in runtime.observe()].count(name) == 1
        assert runs.read_text() == "first\n"

    def test_labels_and_annotations_are_observed(self, runtime_factory: Factory) -> None:
        runtime, name = runtime_factory(), unique()
        manifest = pod(name, sh("main", "true"))
        manifest["metadata"]["labels"] = {"workflows.argoproj.io/workflow": "wf-1"}
        manifest["metadata"]["annotations"] = {"note": "x"}
        runtime.create_pod(manifest)
        seen = wait_phase(runtime, name)
        assert dict(seen.labels) == {"workflows.argoproj.io/workflow": "wf-1"}
        assert dict(seen.annotations)["note"] == "x"

    # -- delete ---------------------------------------------------------------------

    @pytest.mark.parametrize(
        ("trap", "grace", "within", "wrote_term"),
        [
            ("trap 'echo term > {d}/term; exit 0' TERM", 30.0, 10.0, True),
            ("trap '' TERM", 0.5, 10.0, False),
        ],
        ids=["traps-term-and-exits", "ignores-term-gets-killed"],
    )
    def test_delete_terminates_then_kills(
        self,
        runtime_factory: Factory,
        host_dir: Path,
        trap: str,
        grace: float,
        within: float,
        wrote_term: bool,
    ) -> None:
        runtime, name = runtime_factory(), unique()
        ready = host_dir / "ready"
        script = f"{trap.format(d=host_dir)}; touch {ready}; while :; do sleep 0.05; done"
        runtime.create_pod(pod(name, sh("main", script), host_dir=host_dir))
        poll(ready.exists, what="the trap to be set")
        start = time.monotonic()
        runtime.delete_pod(name, grace_seconds=grace)
        poll(lambda: find(runtime, name) is None, timeout=within, what="the pod to go")
        elapsed = time.monotonic() - start
        assert (host_dir / "term").exists() == wrote_term
        if not wrote_term:
            assert elapsed >= grace * 0.9  # TERM was ignored: only the KILL ended it

    def test_delete_of_finished_and_missing_pods(self, runtime_factory: Factory) -> None:
        runtime, name = runtime_factory(), unique()
        runtime.create_pod(pod(name, sh("main", "true")))
        wait_phase(runtime, name)
        runtime.delete_pod(name)
        poll(lambda: find(runtime, name) is None, what="the finished pod to go")
        runtime.delete_pod(name)  # already gone: no error
        runtime.delete_pod(unique("never"))
        with pytest.raises(NotFound):
            runtime.logs(name)

    # -- logs -----------------------------------------------------------------------

    def test_logs_interleave_stdout_and_stderr_in_order(self, runtime_factory: Factory) -> None:
        runtime, name = runtime_factory(), unique()
        script = "echo one; echo two >&2; echo three; printf 'no newline'"
        runtime.create_pod(pod(name, sh("main", script)))
        wait_phase(runtime, name)
        assert log_text(runtime, name) == "one\ntwo\nthree\nno newline\n"

    def test_logs_timestamps_and_since(self, runtime_factory: Factory) -> None:
        runtime, name = runtime_factory(), unique()
        runtime.create_pod(pod(name, sh("main", "echo a; echo b")))
        wait_phase(runtime, name)
        lines = log_text(runtime, name, timestamps=True).splitlines()
        assert [line.split(" ", 1)[1] for line in lines] == ["a", "b"]
        stamps = [datetime.fromisoformat(line.split(" ", 1)[0]) for line in lines]
        now = datetime.now(UTC)
        assert all(now - timedelta(minutes=5) < s <= now + timedelta(seconds=5) for s in stamps)
        assert log_text(runtime, name, since=stamps[0]) == "a\nb\n"
        assert log_text(runtime, name, since=now + timedelta(hours=1)) == ""

    def test_logs_follow_streams_until_the_container_ends(
        self, runtime_factory: Factory, host_dir: Path
    ) -> None:
        runtime, name = runtime_factory(), unique()
        gate = host_dir / "gate"
        script = f"echo one; until [ -e {gate} ]; do sleep 0.02; done; echo two"
        runtime.create_pod(pod(name, sh("main", script), host_dir=host_dir))
        wait_phase(runtime, name, ("Running",))
        got: list[bytes] = []
        ended = threading.Event()

        def follow() -> None:
            for line in runtime.logs(name, follow=True):
                got.append(line)
            ended.set()

        threading.Thread(target=follow, daemon=True).start()
        poll(lambda: got == [b"one\n"], what="the first line")
        assert not ended.is_set()
        gate.touch()
        poll(ended.is_set, what="follow to end with the container")
        assert got == [b"one\n", b"two\n"]

    def test_logs_of_a_missing_pod_or_container(self, runtime_factory: Factory) -> None:
        runtime, name = runtime_factory(), unique()
        with pytest.raises(NotFound):
            runtime.logs(name)
        runtime.create_pod(pod(name, sh("main", "true")))
        with pytest.raises(NotFound):
            runtime.logs(name, container="nope")

    # -- init containers, volumes ---------------------------------------------------

    def test_init_containers_run_in_order_before_the_containers(
        self, runtime_factory: Factory, host_dir: Path
    ) -> None:
        runtime, name = runtime_factory(), unique()
        order = host_dir / "order"
        manifest = pod(
            name,
            sh("main", f"echo main >> {order}"),
            host_dir=host_dir,
            initContainers=[sh(f"init{i}", f"echo init{i} >> {order}") for i in (1, 2)],
        )
        runtime.create_pod(manifest)
        seen = wait_phase(runtime, name)
        assert seen.phase == "Succeeded"
        assert order.read_text().split() == ["init1", "init2", "main"]
        assert [c.exit_code for c in seen.init_containers] == [0, 0]

    def test_a_failing_init_container_fails_the_pod(
        self, runtime_factory: Factory, host_dir: Path
    ) -> None:
        runtime, name = runtime_factory(), unique()
        ran = host_dir / "ran"
        manifest = pod(
            name,
            sh("main", f"touch {ran}"),
            host_dir=host_dir,
            initContainers=[sh("init1", "exit 4"), sh("init2", f"touch {ran}")],
        )
        runtime.create_pod(manifest)
        seen = wait_phase(runtime, name)
        assert seen.phase == "Failed"
        assert seen.init_containers[0].exit_code == 4
        assert seen.init_containers[1].state == "waiting"
        assert seen.containers[0].state == "waiting"
        assert not ran.exists()

    def test_empty_dir_is_shared_between_containers(self, runtime_factory: Factory) -> None:
        runtime, name = runtime_factory(), unique()
        mount = [{"name": "work", "mountPath": f"/tmp/{name}-shared"}]
        d = mount[0]["mountPath"]
        manifest = pod(
            name,
            sh(
                "main",
                f"until [ -e {d}/b ]; do sleep 0.02; done; cat {d}/a {d}/b",
                volumeMounts=mount,
            ),
            sh("helper", f"echo from-helper > {d}/b", volumeMounts=mount),
            initContainers=[sh("init", f"echo from-init > {d}/a", volumeMounts=mount)],
            volumes=[{"name": "work", "emptyDir": {}}],
        )
        runtime.create_pod(manifest)
        assert wait_phase(runtime, name).phase == "Succeeded"
        assert log_text(runtime, name) == "from-init\nfrom-helper\n"

    # -- deadline, missing program ----------------------------------------------------

    def test_active_deadline_fails_the_pod(self, runtime_factory: Factory) -> None:
        runtime, name = runtime_factory(), unique()
        manifest = pod(name, sh("main", "sleep 30"), activeDeadlineSeconds=1)
        manifest["spec"]["terminationGracePeriodSeconds"] = 1
        runtime.create_pod(manifest)
        seen = wait_phase(runtime, name, timeout=15)
        assert (seen.phase, seen.reason) == ("Failed", "DeadlineExceeded")
        assert seen.containers[0].state == "terminated"

    def test_a_missing_program_fails_with_127(self, runtime_factory: Factory) -> None:
        runtime, name = runtime_factory(), unique()
        program = "no-such-program-" + uuid.uuid4().hex[:6]
        runtime.create_pod(pod(name, {"name": "main", "image": "debian:12", "command": [program]}))
        seen = wait_phase(runtime, name)
        (main,) = seen.containers
        assert (seen.phase, main.exit_code) == ("Failed", 127)
        assert program in main.message

    # -- slots ------------------------------------------------------------------------

    def test_slots_bound_running_pods_and_the_rest_wait_in_order(
        self, runtime_factory: Factory, host_dir: Path
    ) -> None:
        runtime = runtime_factory(slots=2)
        gate, running, order = host_dir / "gate", host_dir / "running", host_dir / "order"
        running.mkdir()
        names = [unique(f"s{i}") for i in range(5)]
        for n in names:
            script = (
                f"echo {n} >> {order}; touch {running}/{n}; ls {running} | wc -l >> {host_dir}/n;"
                f" until [ -e {gate} ]; do sleep 0.02; done; rm {running}/{n}"
            )
            runtime.create_pod(pod(n, sh("main", script), host_dir=host_dir))
        poll(lambda: len(list(running.iterdir())) == 2, what="two pods to run")
        phases = {p.name: p.phase for p in runtime.observe() if p.name in names}
        assert sorted(phases.values()).count("Pending") >= 3
        assert [phases[n] for n in names[2:]] == ["Pending"] * 3
        gate.touch()
        for n in names:
            assert wait_phase(runtime, n).phase == "Succeeded"
        assert max(int(x) for x in (host_dir / "n").read_text().split()) <= 2
        assert set(order.read_text().split()[:2]) == set(names[:2])

    def test_one_slot_runs_pods_in_creation_order(
        self, runtime_factory: Factory, host_dir: Path
    ) -> None:
        runtime = runtime_factory(slots=1)
        order = host_dir / "order"
        names = [unique(f"f{i}") for i in range(4)]
        for n in names:
            runtime.create_pod(pod(n, sh("main", f"echo {n} >> {order}"), host_dir=host_dir))
        for n in names:
            wait_phase(runtime, n)
        assert order.read_text().split() == names

    # -- container handlers -------------------------------------------------------------

    def test_handler_runs_the_user_command_in_the_sandbox(
        self, runtime_factory: Factory, host_dir: Path
    ) -> None:
        results: list[Any] = []
        work = host_dir / "w"

        def handler(container: Mapping[str, Any], sandbox: Sandbox) -> int:
            target = sandbox.host_path(f"{work}/in.txt")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("input\n")
            sandbox.log("handler: starting")
            script = f"cat {work}/in.txt; echo err >&2; echo result > {work}/out.txt; exit 5"
            result = sandbox.run(["sh", "-c", script], {"X": "1"}, stdout_limit=3)
            results.append((result, sandbox.host_path(f"{work}/out.txt").read_text()))
            return result.exit_code

        runtime, name = runtime_factory(handlers={"wf-test-exec": handler}), unique()
        runtime.create_pod(
            pod(name, {"name": "main", "image": "debian:12", "command": ["wf-test-exec"]})
        )
        seen = wait_phase(runtime, name)
        assert (seen.phase, seen.containers[0].exit_code) == ("Failed", 5)
        ((result, out),) = results
        assert (result.exit_code, result.stdout, result.stdout_truncated) == (5, b"ut\n", True)
        assert out == "result\n"
        assert sorted(log_text(runtime, name).splitlines()) == ["err", "handler: starting", "input"]

    def test_handler_process_is_killed_by_delete(
        self, runtime_factory: Factory, host_dir: Path
    ) -> None:
        returned: list[int] = []
        started = host_dir / "started"

        def handler(container: Mapping[str, Any], sandbox: Sandbox) -> int:
            script = f"trap '' TERM; touch {started}; while :; do sleep 0.05; done"
            returned.append(sandbox.run(["sh", "-c", script], {}).exit_code)
            return returned[-1]

        runtime, name = runtime_factory(handlers={"wf-test-exec": handler}), unique()
        runtime.create_pod(
            pod(
                name, {"name": "main", "image": "x", "command": ["wf-test-exec"]}, host_dir=host_dir
            )
        )
        poll(started.exists, what="the handler's process")
        runtime.delete_pod(name, grace_seconds=0.2)
        poll(lambda: find(runtime, name) is None, what="the pod to go")
        assert returned == [137]
