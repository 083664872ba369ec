"""Fixtures and helpers of the cluster tests that run the controller as separate
`wf --kubeconfig K controller` processes and kill them (test_kube_crash.py,
test_kube_leader.py). Use with
`from tests.cluster.controller_procs import gated, kube_ns, processes  # noqa: F401`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cluster.cluster import ControlPlane
from tests.cluster.workflows import DATA, prepare_namespace
from workflow_engine.runtime.kubernetes_node import NodeAgent


@pytest.fixture
def kube_ns(cluster: ControlPlane, node: NodeAgent, namespace: str) -> str:
    """A fresh namespace prepared for workflow pods, with the `node` agent running."""
    prepare_namespace(cluster, namespace)
    return namespace


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """The controller processes a test starts; any still running is killed after it."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)


def gated(host: Path) -> dict[str, Any]:
    """tests/data/cluster/kube/gated-steps.yaml with its host directory set to `host`:
    each pod appends its name to `host/runs`; the first step waits for `host/gate`."""
    text = (DATA / "gated-steps.yaml").read_text().replace("HOST_DIR", str(host))
    return dict(yaml.safe_load(text))
