"""ProcessRuntime behaviour beyond the shared contract: manifest details (env, args,
workingDir, volumes, sidecars), handler failures, clean-up and close.

Real here: ProcessRuntime with real processes, plain and overlay sandboxes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.contract.runtime_contract import find, log_text, pod, poll, sh, unique, wait_phase
from tests.support.processes import alive, first_marked_pid, marker_env
from workflow_engine.errors import SpecError
from workflow_engine.ports import RunResult
from workflow_engine.runtime.base import Sandbox
from workflow_engine.runtime.process import SIDECARS_ANNOTATION, ProcessRuntime

Factory = Callable[..., ProcessRuntime]


def test_sandbox_kind_is_reported(runtime_factory: Factory, sandbox_mode: str) -> None:
    runtime = runtime_factory()
    helper = runtime.sandbox_helper
    assert (runtime.sandbox_kind, helper and os.path.basename(helper)) == {
        "plain": ("plain", None),
        "overlay": ("overlay", "wf-sandbox"),
        "overlay-preexec": ("overlay", None),
    }[sandbox_mode]


@pytest.mark.parametrize(
    ("container", "reason", "words"),
    [
        ({"name": "main", "image": "x"}, "ContainerCannotRun", "command"),
        (
            {
                "name": "main",
                "image": "x",
                "command": ["true"],
                "volumeMounts": [{"name": "cm", "mountPath": "/c"}],
            },
            "ContainerCannotRun",
            "not supported",
        ),
    ],
    ids=["no-command", "configmap-volume"],
)
def test_containers_that_cannot_run(
    runtime_factory: Factory, container: dict[str, Any], reason: str, words: str
) -> None:
    runtime, name = runtime_factory(), unique()
    runtime.create_pod(pod(name, container, volumes=[{"name": "cm", "configMap": {"name": "x"}}]))
    seen = wait_phase(runtime, name)
    assert (seen.phase, seen.containers[0].reason) == ("Failed", reason)
    assert words in seen.containers[0].message


@pytest.mark.parametrize(
    ("container", "expected"),
    [
        ({"name": "main", "image": "x", "args": ["echo", "hi"]}, "hi\n"),
        ({"name": "main", "image": "argoproj/argosay:v2"}, "hello argo\n"),
        ({"name": "main", "image": "argoproj/argosay:v2", "args": ["echo", "$(A)"]}, "a\n"),
    ],
    ids=["args-are-the-command-line", "argosay-entrypoint", "argosay-with-args"],
)
def test_containers_without_command(
    runtime_factory: Factory, container: dict[str, Any], expected: str
) -> None:
    runtime, name = runtime_factory(), unique()
    runtime.create_pod(pod(name, {**container, "env": [{"name": "A", "value": "a"}]}))
    seen = wait_phase(runtime, name)
    assert seen.phase == "Succeeded", log_text(runtime, name)
    assert log_text(runtime, name) == expected


def test_env_expansion_field_refs_and_ignored_sources(runtime_factory: Factory) -> None:
    runtime, name = runtime_factory(), unique()
    container = sh(
        "main",
        """echo "$B|$(A)|$POD|${S:-unset}"; echo '$$(A)'""",
        env=[
            {"name": "A", "value": "a"},
            {"name": "B", "value": "$(A)-b-$(MISSING)"},
            {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": "S", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
        ],
        envFrom=[{"configMapRef": {"name": "cm"}}],
    )
    runtime.create_pod(pod(name, container))
    assert wait_phase(runtime, name).phase == "Succeeded"
    lines = log_text(runtime, name).splitlines()
    assert lines[-2:] == [f"a-b-$(MISSING)|a|{name}|unset", "$(A)"]
    assert any("envFrom" in line for line in lines[:-2])
    assert any("env S ignored" in line for line in lines[:-2])


def test_working_dir_and_host_path_volume(runtime_factory: Factory, host_dir: Path) -> None:
    runtime, name = runtime_factory(), unique()
    workdir = host_dir / "wd"
    runtime.create_pod(
        pod(name, sh("main", "pwd > out", workingDir=str(workdir)), host_dir=host_dir)
    )
    assert wait_phase(runtime, name).phase == "Succeeded"
    assert (workdir / "out").read_text() == f"{workdir}\n"


@pytest.mark.parametrize(
    ("names", "annotation"),
    [(["main", "proxy"], None), (["a", "b"], "b")],
    ids=["not-main-is-sidecar", "annotation-lists-sidecars"],
)
def test_sidecars_are_killed_once_the_others_end(
    runtime_factory: Factory, names: list[str], annotation: str | None
) -> None:
    runtime, name = runtime_factory(), unique()
    first, second = names
    manifest = pod(name, sh(first, "true"), sh(second, "sleep 60"), terminationGracePeriodSeconds=1)
    if annotation:
        manifest["metadata"]["annotations"] = {SIDECARS_ANNOTATION: annotation}
    runtime.create_pod(manifest)
    seen = wait_phase(runtime, name, timeout=10)
    assert seen.phase == "Succeeded"
    assert [c.state for c in seen.containers] == ["terminated", "terminated"]


def test_delete_of_a_finished_pod_removes_its_directory(
    runtime_factory: Factory, tmp_path: Path
) -> None:
    runtime, name = runtime_factory(), unique()
    runtime.create_pod(pod(name, sh("main", "echo hi")))
    wait_phase(runtime, name)
    directory = tmp_path / "state0" / "pods" / "default" / name
    assert (directory / "logs" / "main.log").exists()
    runtime.delete_pod(name)
    poll(lambda: not directory.exists(), what="the pod directory to go")
    assert find(runtime, name) is None


def test_close_kills_what_it_started(runtime_factory: Factory, host_dir: Path) -> None:
    runtime, name = runtime_factory(), unique()
    ready = host_dir / "ready"
    container = sh("main", f"touch {ready}; exec sleep 60", env=marker_env(name))
    runtime.create_pod(pod(name, container, host_dir=host_dir))
    poll(ready.exists, what="the container to start")
    pid = poll(lambda: first_marked_pid(name), what="the container's process on the host")
    runtime.close()
    poll(lambda: not alive(pid), what="the process to be killed")


def test_a_failing_handler_fails_its_container(runtime_factory: Factory) -> None:
    def handler(container: Mapping[str, Any], sandbox: Sandbox) -> int:
        raise RuntimeError("boom")

    runtime, name = runtime_factory(handlers={"wf-exec": handler}), unique()
    runtime.create_pod(pod(name, {"name": "main", "image": "x", "command": ["wf-exec"]}))
    seen = wait_phase(runtime, name)
    assert (seen.phase, seen.containers[0].exit_code) == ("Failed", 1)
    assert "boom" in seen.containers[0].message
    assert "boom" in log_text(runtime, name)


def test_deadline_kills_a_handlers_process(runtime_factory: Factory) -> None:
    runs: list[RunResult] = []

    def handler(container: Mapping[str, Any], sandbox: Sandbox) -> int:
        runs.append(sandbox.run(["sh", "-c", "echo up; exec sleep 60"], {}, stdout_limit=64))
        return runs[-1].exit_code

    runtime, name = runtime_factory(handlers={"wf-exec": handler}), unique()
    manifest = pod(name, {"name": "main", "image": "x", "command": ["wf-exec"]})
    # The grace outlasts any delay the load puts between the deadline and the kill of
    # the handler's program, and `sleep` dies of the SIGTERM: the grace is never waited
    # for. A program the handler asks for once the container is being killed is not
    # started (137); the load decides whether the handler gets that far before the
    # deadline, so only a program that ran ("up") must have had SIGTERM first.
    manifest["spec"].update(activeDeadlineSeconds=0.5, terminationGracePeriodSeconds=60)
    runtime.create_pod(manifest)
    seen = wait_phase(runtime, name, timeout=50)
    assert (seen.phase, seen.reason, seen.containers[0].reason) == (
        "Failed",
        "DeadlineExceeded",
        "DeadlineExceeded",
    )
    assert len(runs) == 1
    if b"up" in runs[0].stdout:
        assert runs[0].exit_code == 143
    else:
        assert runs[0].exit_code in (137, 143)  # not started, or killed before its echo


def test_a_missing_program_through_a_handler_gives_127(runtime_factory: Factory) -> None:
    codes: list[int] = []

    def handler(container: Mapping[str, Any], sandbox: Sandbox) -> int:
        codes.append(sandbox.run(["no-such-program-xyz"], {}).exit_code)
        return codes[-1]

    runtime, name = runtime_factory(handlers={"wf-exec": handler}), unique()
    runtime.create_pod(pod(name, {"name": "main", "image": "x", "command": ["wf-exec"]}))
    assert wait_phase(runtime, name).phase == "Failed"
    assert codes == [127]
    assert "no-such-program-xyz" in log_text(runtime, name)


def test_overlay_pods_start_through_the_sandbox_helper(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("the overlay sandbox needs root")
    calls = tmp_path / "calls"
    fake = tmp_path / "fake-wf-sandbox"
    # same arguments as wf-sandbox; runs the program without any sandbox, and says so
    fake.write_text(
        '#!/bin/sh\n[ "$1" = --shim-version ] && exit 1\n'  # an older build: no shim
        f'echo "$4 $5" >> {calls}\nn=$5; shift 5; shift $((3 * n)); exec "$@"\n'
    )
    fake.chmod(0o755)
    runtime = ProcessRuntime(tmp_path / "state", sandbox="overlay", sandbox_helper=str(fake))
    try:
        name = unique()
        runtime.create_pod(pod(name, sh("main", "true", workingDir="/w")))
        assert wait_phase(runtime, name).phase == "Succeeded"
    finally:
        runtime.close()
    # the probe, then the pod: cwd and the binds of /proc and /dev
    assert calls.read_text().splitlines() == ["/ 2", "/w 2"]


def test_volume_under_an_absolute_host_symlink_is_shared(
    runtime_factory: Factory, sandbox_kind: str
) -> None:
    if sandbox_kind != "overlay" or not os.path.islink("/var/run"):
        pytest.skip("overlay sandbox on a host where /var/run is a symlink")
    runtime, name = runtime_factory(), unique()
    d = f"/var/run/{name}"
    mount = [{"name": "v", "mountPath": d}]
    manifest = pod(
        name,
        sh("main", f"until [ -s {d}/x ]; do sleep 0.02; done; cat {d}/x", volumeMounts=mount),
        sh("helper", f"echo shared > {d}/x", volumeMounts=mount),
        volumes=[{"name": "v", "emptyDir": {}}],
    )
    runtime.create_pod(manifest)
    assert wait_phase(runtime, name, timeout=10).phase == "Succeeded"
    assert log_text(runtime, name) == "shared\n"
    assert not os.path.exists(d)


def test_handler_run_can_capture_output_to_a_host_file(
    runtime_factory: Factory, tmp_path: Path
) -> None:
    capture = tmp_path / "main.txt"

    def handler(container: Mapping[str, Any], sandbox: Sandbox) -> int:
        return sandbox.run(["sh", "-c", "echo out; echo err >&2"], {}, capture=capture).exit_code

    runtime, name = runtime_factory(handlers={"wf-exec": handler}), unique()
    runtime.create_pod(pod(name, {"name": "main", "image": "x", "command": ["wf-exec"]}))
    assert wait_phase(runtime, name).phase == "Succeeded"
    assert sorted(capture.read_text().splitlines()) == ["err", "out"]
    assert sorted(log_text(runtime, name).splitlines()) == ["err", "out"]


def test_a_main_that_cannot_run_still_ends_its_sidecars(runtime_factory: Factory) -> None:
    runtime, name = runtime_factory(), unique()
    broken = {"name": "main", "image": "x"}  # no command, no args: cannot run
    manifest = pod(name, broken, sh("proxy", "sleep 60"), terminationGracePeriodSeconds=1)
    runtime.create_pod(manifest)
    seen = wait_phase(runtime, name, timeout=10)
    assert seen.phase == "Failed"
    assert [c.state for c in seen.containers] == ["terminated", "terminated"]


def test_a_malformed_manifest_fails_its_pod(runtime_factory: Factory) -> None:
    runtime, name = runtime_factory(), unique()
    runtime.create_pod(pod(name, {"name": "main", "image": "x", "command": ["true"], "env": ["x"]}))
    seen = wait_phase(runtime, name)
    assert seen.phase == "Failed" and "cannot prepare the pod" in seen.message
    runtime.create_pod(pod(unique(), sh("main", "true")))  # the runtime goes on
    assert wait_phase(runtime, runtime.observe()[-1].name).phase == "Succeeded"


@pytest.mark.parametrize(
    ("manifest", "path"),
    [
        ({"metadata": {}, "spec": {"containers": [{"name": "main"}]}}, "metadata.name"),
        (
            {"metadata": {"name": "a/b"}, "spec": {"containers": [{"name": "main"}]}},
            "metadata.name",
        ),
        ({"metadata": {"name": "a"}, "spec": {}}, "spec.containers"),
        (
            {"metadata": {"name": "a"}, "spec": {"containers": [{}], "activeDeadlineSeconds": "x"}},
            "spec.activeDeadlineSeconds",
        ),
    ],
    ids=["no-name", "bad-name", "no-containers", "bad-deadline"],
)
def test_create_rejects_bad_manifests(
    runtime_factory: Factory, manifest: dict[str, Any], path: str
) -> None:
    with pytest.raises(SpecError) as caught:
        runtime_factory().create_pod(manifest)
    assert caught.value.path == path


def test_a_chatty_container_loses_no_line(runtime_factory: Factory) -> None:
    runtime, name = runtime_factory(), unique()
    # 20,000 numbered lines on both streams, about 1 MB: many pipe reads and partial lines
    script = "seq 1 10000; seq 10001 20000 >&2"
    runtime.create_pod(pod(name, sh("main", script)))
    assert wait_phase(runtime, name).phase == "Succeeded"
    assert log_text(runtime, name).split() == [str(i) for i in range(1, 20001)]


def test_a_handler_runs_several_processes_in_one_container_view(runtime_factory: Factory) -> None:
    outputs: list[bytes] = []

    def handler(container: Mapping[str, Any], sandbox: Sandbox) -> int:
        # plain: TMPDIR is the pod's directory; overlay: the container's own /tmp
        first = sandbox.run(["sh", "-c", 'echo kept > "${TMPDIR:-/tmp}/step1"'], {})
        second = sandbox.run(["sh", "-c", 'cat "${TMPDIR:-/tmp}/step1"'], {}, stdout_limit=100)
        outputs.append(second.stdout)
        return first.exit_code or second.exit_code

    runtime, name = runtime_factory(handlers={"wf-exec": handler}), unique()
    runtime.create_pod(pod(name, {"name": "main", "image": "x", "command": ["wf-exec"]}))
    assert wait_phase(runtime, name).phase == "Succeeded"
    assert outputs == [b"kept\n"]


def test_a_pod_feed_reports_each_change_once_and_deletions(runtime_factory: Factory) -> None:
    """`pod_feed()`: the first take is every pod; later ones only pods that may have
    changed (a finished pod's final observation once), and the pods that went."""
    runtime = runtime_factory()
    done = unique()
    runtime.create_pod(pod(done, sh("main", "true")))
    wait_phase(runtime, done)
    feed = runtime.pod_feed()
    assert [p.name for p in feed.take().changed] == [done]
    assert feed.take().changed == []  # final and already taken
    later = unique()
    runtime.create_pod(pod(later, sh("main", "true")))
    final = wait_phase(runtime, later)
    seen = feed.take().changed
    assert [p.name for p in seen] == [later]
    if seen[0].phase != "Succeeded":  # taken before it ended: its end comes next
        assert feed.take().changed == [final]
    assert feed.take().changed == []
    runtime.delete_pod(done)
    poll(lambda: find(runtime, done) is None, what="the pod to go")
    changes = feed.take()
    assert (changes.changed, changes.gone) == ([], {("default", done)})
