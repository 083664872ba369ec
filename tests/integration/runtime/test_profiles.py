"""Image profiles: which commands a pod's image gives it on the host.

Real here: ProcessRuntime running `sh` under each image's PATH (busybox applets for
alpine/busybox, a `python` link for python images, the host's PATH otherwise).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.contract.runtime_contract import log_text, pod, sh, unique, wait_phase
from workflow_engine.runtime.process import ProcessRuntime


@pytest.mark.parametrize(
    ("image", "script", "expected"),
    [
        ("alpine:3.19", "echo r$RANDOM", r"r\d+\n"),
        ("docker.io/library/busybox:1.36", "echo r$RANDOM", r"r\d+\n"),
        ("debian:12", "echo r$RANDOM", r"r\n"),  # dash: no $RANDOM
        ("python:3.12-slim", "python -c 'import sys; print(sys.prefix)'", r"/usr\n"),
    ],
    ids=["alpine-ash", "busybox-with-registry", "debian-dash", "python-link"],
)
def test_image_profile_commands(
    runtime_factory: Callable[..., ProcessRuntime], image: str, script: str, expected: str
) -> None:
    runtime, name = runtime_factory(), unique()
    runtime.create_pod(pod(name, sh("main", script, image=image)))
    seen = wait_phase(runtime, name)
    assert seen.phase == "Succeeded", log_text(runtime, name)
    assert re.fullmatch(expected, log_text(runtime, name))
