"""Three `wf node` agents: the real kube-scheduler places workflow pods on them.

Real: the control plane (its scheduler decides every placement, we never set
`nodeName`), three `wf node` agents (`three_nodes`), the controller loop in a thread
(`KubeController`). The admin labels one node `wf-test/pool=blue`, and labels and
taints another (`wf-test/pool=gpu`, `wf-test/dedicated=gpu:NoSchedule`) as a cluster
operator would with kubectl. A 6-way fan-out spreads over at least two nodes; a
template's nodeSelector lands its pod on the labelled node; a toleration lets a pod
onto the tainted node, and a pod without it stays Pending as Unschedulable.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml

from tests.cluster.cluster import ControlPlane
from tests.cluster.kube import EXTRA_NODES, NODE, get, pod_manifest, wait_for
from tests.cluster.workflows import (
    DATA,
    KubeController,
    cluster_store,
    create,
    node_map,
    prepare_namespace,
    wait_done,
)
from workflow_engine.runtime.kubernetes_node import NodeAgent

pytestmark = pytest.mark.cluster
BLUE, GPU = EXTRA_NODES
TAINT = "wf-test/dedicated=gpu:NoSchedule"


@pytest.fixture(scope="module")
def pools(cluster: ControlPlane, three_nodes: dict[str, NodeAgent]) -> Iterator[None]:
    cluster.kubectl("label", "node", BLUE, "wf-test/pool=blue")
    cluster.kubectl("label", "node", GPU, "wf-test/pool=gpu")
    cluster.kubectl("taint", "node", GPU, TAINT)
    yield
    for name in (BLUE, GPU):
        cluster.kubectl("label", "node", name, "wf-test/pool-", check=False)
    cluster.kubectl("taint", "node", GPU, f"{TAINT}-", check=False)


@pytest.fixture
def kube_ns(cluster: ControlPlane, pools: None, namespace: str) -> str:
    prepare_namespace(cluster, namespace)
    return namespace


def pod_nodes(cluster: ControlPlane, namespace: str) -> dict[str, str]:
    """Each workflow node's display name -> the node its pod was bound to."""
    pods = get(cluster, namespace, "pods")["items"]
    return {
        p["metadata"]["annotations"]["workflows.argoproj.io/node-name"]: p["spec"]["nodeName"]
        for p in pods
    }


@pytest.mark.timeout(300)
def test_the_scheduler_spreads_a_fan_out_and_honours_selectors_and_taints(
    cluster: ControlPlane, kube_ns: str
) -> None:
    doc = yaml.safe_load((DATA / "placement.yaml").read_text())
    store = cluster_store(cluster)
    try:
        with KubeController(cluster, kube_ns):
            name = create(cluster, kube_ns, doc)
            finished = wait_done(store, kube_ns, name, 180)
    finally:
        store.close()
    assert finished["status"]["phase"] == "Succeeded", [
        (n.get("displayName"), n.get("message")) for n in node_map(finished).values()
    ]
    placed = pod_nodes(cluster, kube_ns)
    spread = {node for step, node in placed.items() if ".spread(" in step}
    assert len([s for s in placed if ".spread(" in s]) == 6
    assert len(spread) >= 2, placed  # the real scheduler spread them
    assert spread <= {NODE, BLUE}  # nobody without the toleration went to the gpu pool
    assert placed[f"{name}[0].blue"] == BLUE
    assert placed[f"{name}[0].gpu"] == GPU


def test_a_pod_without_the_toleration_is_unschedulable_on_the_tainted_pool(
    cluster: ControlPlane, kube_ns: str
) -> None:
    pod = pod_manifest("no-toleration", "true")
    pod["spec"]["nodeSelector"] = {"wf-test/pool": "gpu"}
    cluster.kubectl("apply", "-n", kube_ns, "-f", "-", input=yaml.safe_dump(pod))

    def unschedulable(p: dict) -> bool:
        conds = p.get("status", {}).get("conditions") or []
        return any(
            c["type"] == "PodScheduled" and c.get("reason") == "Unschedulable" for c in conds
        )

    seen = wait_for(cluster, kube_ns, ("pod", "no-toleration"), unschedulable, "Unschedulable")
    assert seen["status"]["phase"] == "Pending"
    assert not seen["spec"].get("nodeName")
