"""Bind targets resolved the way the sandbox will see them (symlinks of the host root)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workflow_engine.runtime.process.sandbox import resolve_inside


def test_relative_and_absolute_links_and_dots(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "rel").symlink_to("real")
    (tmp_path / "abs").symlink_to(tmp_path / "real")
    (tmp_path / "loop").symlink_to("loop")
    assert resolve_inside(f"{tmp_path}/rel/x") == f"{tmp_path}/real/x"
    assert resolve_inside(f"{tmp_path}/abs/x/y") == f"{tmp_path}/real/x/y"
    assert resolve_inside(f"{tmp_path}/./real/../real/x") == f"{tmp_path}/real/x"
    assert resolve_inside(f"{tmp_path}/loop/x").endswith("/x")  # bounded, no hang
    assert resolve_inside("/") == "/"


def test_debian_var_run(tmp_path: Path) -> None:
    target = os.readlink("/var/run") if os.path.islink("/var/run") else None
    if target != "/run":
        pytest.skip("/var/run is not a link to /run here")
    assert resolve_inside("/var/run/argo") == "/run/argo"
