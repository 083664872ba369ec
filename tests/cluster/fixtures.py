"""pytest fixtures for the test control plane (tests/cluster).

`cluster` (session scope) builds the binaries if needed, starts one control plane
for the whole session and stops it at the end; `namespace` gives each test a
fresh namespace in it; `node` (session scope) runs one `wf node` agent in this
process, registered as `tests.cluster.kube.NODE`; `three_nodes` (module scope) adds
two more agents beside it for the tests of one module, and removes them after it (the
other tests keep one node, which their assertions name). Other test directories reuse
them with `from tests.cluster.fixtures import cluster, namespace  # noqa: F401` in a
conftest.
"""

from __future__ import annotations

import queue
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cluster.cluster import ControlPlane, build
from tests.cluster.kube import EXTRA_NODES, NODE, WAIT
from workflow_engine.runtime.kubernetes_node import Backoff, NodeAgent, run_node


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


@dataclass
class RunningAgent:
    """A `wf node` agent in a thread of this process, and how to stop it."""

    agent: NodeAgent
    stop: threading.Event
    thread: threading.Thread


def start_agent(
    cluster: ControlPlane, name: str, state: Path, backoff: Backoff | None = None
) -> RunningAgent:
    """Run `wf node` named `name` (its own system:node credential) until stopped;
    `backoff`: its container restart back-off (default the kubelet's)."""
    kubeconfig = str(cluster.node_kubeconfig(name))
    stop = threading.Event()
    ready: queue.Queue[NodeAgent | BaseException] = queue.Queue()

    def run() -> None:
        try:
            run_node(kubeconfig, name, state, stop, backoff=backoff, on_ready=ready.put)
        except BaseException as err:
            ready.put(err)

    thread = threading.Thread(target=run, name=f"wf-node-{name}", daemon=True)
    thread.start()
    agent = ready.get(timeout=WAIT)
    if isinstance(agent, BaseException):
        raise agent
    return RunningAgent(agent, stop, thread)


def stop_agent(cluster: ControlPlane, name: str, running: RunningAgent) -> None:
    running.stop.set()
    running.thread.join(30)
    cluster.kubectl("delete", "node", name, "--wait=false", check=False)


@pytest.fixture(scope="session")
def node(cluster: ControlPlane, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeAgent]:
    """A `wf node` agent (in a thread of this process) named NODE, with its own
    system:node credential; its pods run in `node.runtime` (a ProcessRuntime)."""
    running = start_agent(cluster, NODE, tmp_path_factory.mktemp("wf-node"))
    yield running.agent
    stop_agent(cluster, NODE, running)


@pytest.fixture(scope="module")
def three_nodes(
    cluster: ControlPlane, node: NodeAgent, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, NodeAgent]]:
    """NODE and two more agents (EXTRA_NODES), by name, for one test module; the extra
    ones are stopped and their Node objects deleted after it."""
    started: dict[str, RunningAgent] = {}
    try:
        for name in EXTRA_NODES:
            started[name] = start_agent(cluster, name, tmp_path_factory.mktemp(name))
        yield {NODE: node, **{name: r.agent for name, r in started.items()}}
    finally:
        for name, running in started.items():
            stop_agent(cluster, name, running)
