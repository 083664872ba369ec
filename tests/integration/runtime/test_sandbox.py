"""The overlay sandbox: each container sees its own copy-on-write `/`.

Real here: ProcessRuntime with sandbox="overlay" (skipped unless root and overlayfs),
real processes writing to `/result.txt` and `/tmp/out`, and a container handler using
`Sandbox.host_path` and `Sandbox.run`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.contract.runtime_contract import log_text, pod, sh, unique, wait_phase
from workflow_engine.runtime.base import Sandbox
from workflow_engine.runtime.process import ProcessRuntime


@pytest.fixture
def overlay(runtime_factory: Callable[..., ProcessRuntime], sandbox_kind: str) -> ProcessRuntime:
    if sandbox_kind != "overlay":
        pytest.skip("overlay sandbox only")
    return runtime_factory()


def test_parallel_pods_write_the_same_paths_without_touching_the_host(
    overlay: ProcessRuntime, host_dir: Path
) -> None:
    watched = [Path("/result.txt"), Path("/tmp/out")]
    before = {p: p.exists() for p in watched}
    names = [unique("iso"), unique("iso")]
    for n in names:
        # both pods are past their writes before either reads: the runs really overlap
        script = (
            f"echo {n} > /result.txt; echo tmp-{n} > /tmp/out; touch {host_dir}/{n};"
            f" until [ $(ls {host_dir} | wc -l) -ge 2 ]; do sleep 0.02; done;"
            " cat /result.txt /tmp/out"
        )
        overlay.create_pod(pod(n, sh("main", script), host_dir=host_dir))
    for n in names:
        assert wait_phase(overlay, n).phase == "Succeeded"
        assert log_text(overlay, n) == f"{n}\ntmp-{n}\n"
    assert {p: p.exists() for p in watched} == before


def test_handler_sandbox_paths(overlay: ProcessRuntime, tmp_path: Path) -> None:
    seen: dict[str, Any] = {}

    def handler(container: Mapping[str, Any], sandbox: Sandbox) -> int:
        inputs = sandbox.host_path("/inputs/in.txt")
        inputs.parent.mkdir(parents=True)
        inputs.write_text("hello\n")
        result = sandbox.run(
            ["sh", "-c", "cat /inputs/in.txt > /outputs.txt; cat /etc/hostname"],
            {},
            stdout_limit=1000,
        )
        seen["untouched"] = sandbox.host_path("/etc/hostname")
        seen["written"] = sandbox.host_path("/outputs.txt").read_text()
        seen["stdout"] = result.stdout
        return result.exit_code

    runtime = ProcessRuntime(
        tmp_path / "state",
        handlers={"wf-exec": handler},
        sandbox="overlay",
        host_path="/usr/bin:/bin",
    )
    try:
        name = unique()
        runtime.create_pod(pod(name, {"name": "main", "image": "x", "command": ["wf-exec"]}))
        assert wait_phase(runtime, name).phase == "Succeeded"
    finally:
        runtime.close()
    assert seen["written"] == "hello\n"
    assert seen["untouched"] == Path("/etc/hostname")
    assert seen["stdout"] == Path("/etc/hostname").read_bytes()
    assert not Path("/inputs").exists() and not Path("/outputs.txt").exists()


def test_plain_sandbox_gives_each_pod_its_own_directory_and_tmpdir(
    runtime_factory: Callable[..., ProcessRuntime], sandbox_kind: str
) -> None:
    if sandbox_kind != "plain":
        pytest.skip("plain sandbox only")
    runtime = runtime_factory()
    names = [unique("plain"), unique("plain")]
    for n in names:
        runtime.create_pod(pod(n, sh("main", 'pwd; echo "$TMPDIR"')))
    outputs = []
    for n in names:
        assert wait_phase(runtime, n).phase == "Succeeded"
        cwd, tmp = log_text(runtime, n).split()
        assert cwd == tmp and cwd.endswith(f"/pods/default/{n}") and os.path.isdir(cwd)
        outputs.append(cwd)
    assert outputs[0] != outputs[1]
