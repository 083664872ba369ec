"""KubernetesRuntime beyond the contract: its informer survives a cut watch, and a label
selector narrows what it observes.

Real: the control plane and `wf node` (the `cluster` and `node` fixtures); the
runtime uses the official client with the admin kubeconfig.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cluster.cluster import ControlPlane
from tests.contract.runtime_contract import find, pod, sh, unique, wait_phase
from tests.support.polling import poll
from workflow_engine.runtime.kubernetes import KubernetesRuntime, load_api_client
from workflow_engine.runtime.kubernetes.informer import PodInformer
from workflow_engine.runtime.kubernetes_node import NodeAgent

pytestmark = pytest.mark.cluster


@pytest.fixture
def runtime(cluster: ControlPlane, node: NodeAgent) -> Iterator[KubernetesRuntime]:
    with KubernetesRuntime(load_api_client(str(cluster.kubeconfig)), namespace="default") as rt:
        yield rt


def test_a_cut_watch_is_resumed(runtime: KubernetesRuntime) -> None:
    informer: PodInformer = runtime._informer
    poll(lambda: informer._response is not None, what="the watch to open")
    informer._response.shutdown()  # as a dropped connection would
    name = unique()
    runtime.create_pod(pod(name, sh("main", "true")))
    assert wait_phase(runtime, name).phase == "Succeeded"
    runtime.delete_pod(name)
    poll(lambda: find(runtime, name) is None, what="the deletion to be observed")


def test_a_label_selector_narrows_what_is_observed(
    cluster: ControlPlane, runtime: KubernetesRuntime
) -> None:
    api = load_api_client(str(cluster.kubeconfig))
    with KubernetesRuntime(api, namespace="default", label_selector="picked") as picky:
        chosen, other = unique(), unique()
        labelled = pod(chosen, sh("main", "true"))
        labelled["metadata"]["labels"] = {"picked": "yes"}
        picky.create_pod(labelled)
        picky.create_pod(pod(other, sh("main", "true")))
        wait_phase(runtime, other)
        assert wait_phase(picky, chosen).phase == "Succeeded"
        assert find(picky, other) is None
        for name in (chosen, other):
            picky.delete_pod(name)
