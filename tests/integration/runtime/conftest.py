"""Fixtures for the process runtime's integration tests.

What is real here: a `ProcessRuntime` per test on a temporary state directory, running
real processes; parametrized over the plain sandbox and (when root and overlayfs allow
it) the overlay sandbox, entered through the wf-sandbox helper (when scripts/setup.sh
built it) and through Python's preexec function. The host PATH given to the runtime
leaves out the virtualenv.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from workflow_engine.runtime.process import ProcessRuntime
from workflow_engine.runtime.process.sandbox import find_helper, probe_overlay

pytest.register_assert_rewrite("tests.contract.runtime_contract")

HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@pytest.fixture(scope="session")
def overlay_available(tmp_path_factory: pytest.TempPathFactory) -> bool:
    return probe_overlay(tmp_path_factory.mktemp("probe"))


@pytest.fixture(params=["plain", "overlay", "overlay-preexec"])
def sandbox_mode(request: pytest.FixtureRequest, overlay_available: bool) -> str:
    mode = str(request.param)
    if mode != "plain" and not overlay_available:
        pytest.skip("the overlay sandbox needs root and overlayfs")
    if mode == "overlay" and find_helper() is None:
        pytest.skip("wf-sandbox is built by scripts/setup.sh")
    return mode


@pytest.fixture
def sandbox_kind(sandbox_mode: str) -> str:
    return sandbox_mode.split("-")[0]


@pytest.fixture
def runtime_factory(
    tmp_path: Path, sandbox_kind: str, sandbox_mode: str
) -> Iterator[Callable[..., ProcessRuntime]]:
    made: list[ProcessRuntime] = []

    def make(slots: int | None = None, handlers: Mapping[str, Any] | None = None) -> ProcessRuntime:
        runtime = ProcessRuntime(
            tmp_path / f"state{len(made)}",
            slots=slots,
            handlers=handlers or {},
            sandbox=sandbox_kind,  # type: ignore[arg-type]
            host_path=HOST_PATH,
            sandbox_helper=None if sandbox_mode == "overlay-preexec" else "auto",
        )
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.close()


@pytest.fixture
def host_dir(tmp_path: Path) -> Path:
    d = tmp_path / "host"
    d.mkdir()
    os.chmod(d, 0o777)
    return d


@pytest.fixture
def boundary_runtimes(tmp_path: Path, overlay_available: bool) -> Iterator[Any]:
    """Overlay-sandbox ProcessRuntimes with the pod boundary, closed after the test
    (skips where the boundary cannot be built)."""
    if not overlay_available:
        pytest.skip("the boundary is built around the overlay sandbox: needs root and overlayfs")
    if find_helper() is None:
        pytest.skip("the boundary is built by wf-sandbox (scripts/setup.sh)")
    made: list[ProcessRuntime] = []

    def factory(**options: Any) -> ProcessRuntime:
        runtime = ProcessRuntime(
            tmp_path / f"state{len(made)}", sandbox="overlay", host_path=HOST_PATH, **options
        )
        made.append(runtime)
        return runtime

    yield factory
    for runtime in made:
        runtime.close()
