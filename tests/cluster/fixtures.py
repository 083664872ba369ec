"""pytest fixtures for the test control plane (tests/cluster).

`cluster` (session scope) builds the binaries if needed, starts one control plane
for the whole session and stops it at the end; `namespace` gives each test a
fresh namespace in it; `node` (session scope) runs one `wf node` agent in this
process, registered as `tests.cluster.kube.NODE`. Other test directories reuse them
with `from tests.cluster.fixtures import cluster, namespace  # noqa: F401` in a conftest.
"""

from __future__ import annotations

import queue
import threading
import uuid
from collections.abc import Iterator

import pytest

from tests.cluster.cluster import ControlPlane, build
from tests.cluster.kube import NODE, WAIT
from workflow_engine.runtime.kubernetes_node import NodeAgent, run_node


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


@pytest.fixture(scope="session")
def node(cluster: ControlPlane, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeAgent]:
    """A `wf node` agent (in a thread of this process) named NODE, with its own
    system:node credential; its pods run in `node.runtime` (a ProcessRuntime)."""
    state = tmp_path_factory.mktemp("wf-node")
    kubeconfig = str(cluster.node_kubeconfig(NODE))
    stop = threading.Event()
    ready: queue.Queue[NodeAgent | BaseException] = queue.Queue()

    def run() -> None:
        try:
            run_node(kubeconfig, NODE, state, stop, on_ready=ready.put)
        except BaseException as err:
            ready.put(err)

    thread = threading.Thread(target=run, name="wf-node-under-test", daemon=True)
    thread.start()
    agent = ready.get(timeout=WAIT)
    if isinstance(agent, BaseException):
        raise agent
    yield agent
    stop.set()
    thread.join(30)
    cluster.kubectl("delete", "node", NODE, "--wait=false", check=False)
