"""Image -> PATH profiles of the process runtime."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from workflow_engine.runtime.process.profiles import Profiles, image_base_name


@pytest.mark.parametrize(
    ("image", "base"),
    [
        ("alpine", "alpine"),
        ("alpine:3.19", "alpine"),
        ("docker.io/library/busybox:1.36", "busybox"),
        ("localhost:5000/python:3.12-slim", "python"),
        ("python@sha256:abc", "python"),
        ("ghcr.io/org/tool:v1", "tool"),
    ],
)
def test_image_base_name(image: str, base: str) -> None:
    assert image_base_name(image) == base


def test_profiles_put_link_dirs_first(tmp_path: Path) -> None:
    if shutil.which("busybox") is None:
        pytest.skip("busybox is installed by scripts/setup.sh")
    profiles = Profiles(tmp_path, "/usr/bin:/bin")
    busybox = profiles.path_for("alpine:3").split(":")
    python = profiles.path_for("python:3.12").split(":")
    assert profiles.path_for("debian:12") == "/usr/bin:/bin"
    assert busybox[1:] == python[1:] == ["/usr/bin", "/bin"]
    assert os.path.realpath(Path(busybox[0], "sh")) == os.path.realpath(
        shutil.which("busybox") or ""
    )
    assert not os.path.realpath(Path(python[0], "python")).startswith(str(Path.cwd() / ".venv"))
    assert Path(busybox[0]).parent.parent == Path(python[0]).parent.parent == tmp_path
    # built once: a second runtime on the same state dir reuses the directory
    assert Profiles(tmp_path, "/usr/bin").path_for("busybox").startswith(busybox[0] + ":")
