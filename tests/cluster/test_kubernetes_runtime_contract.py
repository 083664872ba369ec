"""Runs the Runtime contract against KubernetesRuntime on the real control plane.

What is real: the API server, scheduler and controller-manager (`cluster` fixture) and
a `wf node` agent (`node` fixture) running the pods as local processes; the runtime
talks to the API server with the official client and the admin kubeconfig. The
contract's pods without a namespace go to `default`, one goes to `ns-1` (created here);
the runtime observes every namespace (pod names are unique). Slots and container
handlers are the process runtime's own: a Kubernetes node's capacity bounds its pods,
and `wf-exec` runs as a real program.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.cluster.cluster import ControlPlane

pytest.register_assert_rewrite("tests.contract.runtime_contract")

from tests.contract.runtime_contract import RuntimeContract  # noqa: E402
from workflow_engine.runtime.kubernetes import KubernetesRuntime, load_api_client  # noqa: E402
from workflow_engine.runtime.kubernetes_node import NodeAgent  # noqa: E402

pytestmark = pytest.mark.cluster


@pytest.fixture
def runtime_factory(
    cluster: ControlPlane, node: NodeAgent
) -> Iterator[Callable[..., KubernetesRuntime]]:
    made: list[KubernetesRuntime] = []
    # the contract puts one pod in `ns-1`; the others go to `default`
    cluster.kubectl("create", "namespace", "ns-1", check=False)

    def make(
        slots: int | None = None, handlers: Mapping[str, Any] | None = None
    ) -> KubernetesRuntime:
        if handlers:
            pytest.skip("container handlers are the process runtime's: wf-exec runs in the pod")
        if slots is not None:
            pytest.skip("slots are a node's capacity (wf node --slots), not the API's")
        runtime = KubernetesRuntime(load_api_client(str(cluster.kubeconfig)))
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


class TestKubernetesRuntimeContract(RuntimeContract):
    pass
