"""`Sandbox.host_root` of the process runtime's handler containers, in every sandbox
kind: where the container's files live on the host and whether links below that
place are the container's (confined) or the host's own (plain). Real processes and
files; the handler only records what its sandbox says."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.contract.runtime_contract import Factory, pod, unique, wait_phase
from workflow_engine.runtime.base import Sandbox

pytestmark = pytest.mark.integration


def test_host_root_names_the_containers_own_directory(
    runtime_factory: Factory, sandbox_kind: str, host_dir: Path
) -> None:
    seen: dict[str, Any] = {}

    def handler(container: Mapping[str, Any], sandbox: Sandbox) -> int:
        for path in ("/tmp/x", f"{host_dir}/sub/y", "/wf/staging/script"):
            seen[path] = (sandbox.host_root(path), sandbox.host_path(path))
        return 0

    runtime, name = runtime_factory(handlers={"wf-exec": handler}), unique()
    manifest = pod(name, {"name": "main", "image": "x", "command": ["wf-exec"]}, host_dir=host_dir)
    runtime.create_pod(manifest)
    assert wait_phase(runtime, name).phase == "Succeeded"
    root, rel = seen[f"{host_dir}/sub/y"][0]
    assert (root, rel) == (host_dir, "sub/y")  # a volume: its own directory, any sandbox
    if sandbox_kind == "plain":
        assert seen["/tmp/x"][0] is None  # the container's files are the host's
    else:
        root, rel = seen["/tmp/x"][0]
        assert rel == "tmp/x"
        assert root / rel == seen["/tmp/x"][1]  # the upper directory, as host_path says
        assert root.name.endswith(".upper")
