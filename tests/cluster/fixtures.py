"""pytest fixtures for the test control plane (tests/cluster).

`cluster` (session scope) builds the binaries if needed, starts one control plane
for the whole session and stops it at the end; `namespace` gives each test a
fresh namespace in it. Other test directories reuse them with
`from tests.cluster.fixtures import cluster, namespace  # noqa: F401` in a conftest.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.cluster.cluster import ControlPlane, build


@pytest.fixture(scope="session")
def cluster() -> Iterator[ControlPlane]:
    """A running control plane: `.kubeconfig`, `.server`, `.kubectl(*args)`, `.request()`."""
    with ControlPlane(build(quiet=True)) as plane:
        yield plane


@pytest.fixture
def namespace(cluster: ControlPlane) -> Iterator[str]:
    """A new namespace, deleted (without waiting) after the test."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    cluster.kubectl("create", "namespace", name)
    yield name
    cluster.kubectl("delete", "namespace", name, "--wait=false", check=False)
