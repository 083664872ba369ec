"""A node map that shrinks back under the offload threshold: its chunks are deleted,
by the store that offloaded it, and by a new one (a restarted controller) that never
saw the offloaded status because the old one stopped between writing the small status
and deleting the chunks (the Workflow's `wfengine.io/offloaded` label tells it).

What is real: the control plane, our CRDs, the `kubernetes` client; the stores are
KubernetesStores with a low threshold (`small_options`), so a few hundred nodes offload.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.cluster.cluster import ControlPlane
from tests.cluster.store_fixtures import crds  # noqa: F401
from tests.cluster.test_kube_offload import chunks, node_map, stored
from tests.contract.store_contract import unique, workflow
from workflow_engine.spec.objects import API_GROUP
from workflow_engine.store.kubernetes import KubernetesOptions, KubernetesStore
from workflow_engine.store.kubernetes.offload import OFFLOAD_FIELD, OFFLOADED_LABEL

pytestmark = pytest.mark.cluster


def small_options(cluster: ControlPlane) -> KubernetesOptions:
    return KubernetesOptions(
        kubeconfig=str(cluster.kubeconfig),
        group=API_GROUP,
        create_namespaces=True,
        offload_over=2048,
        offload_chunk_bytes=4096,
    )


def labels(obj: dict[str, Any]) -> dict[str, str]:
    return dict(obj["metadata"].get("labels") or {})  # the server leaves out an empty map


def write(store: KubernetesStore, ns: str, nodes: dict[str, Any]) -> dict[str, Any]:
    current = store.get("Workflow", "shrinks", ns)
    return store.update_status({**current, "status": {"phase": "Running", "nodes": nodes}})


def test_chunks_go_when_the_map_shrinks_also_after_a_restart_mid_write(
    crds: ControlPlane,  # noqa: F811
) -> None:
    ns = unique()
    first = KubernetesStore(small_options(crds))
    try:
        uid = first.create(workflow("shrinks", ns))["metadata"]["uid"]
        written = write(first, ns, node_map(300, noise=16))
        assert written["metadata"]["labels"][OFFLOADED_LABEL] == "true"
        assert chunks(crds, ns, uid)
        # back under the threshold: the chunks and the label go
        written = write(first, ns, node_map(3))
        assert not chunks(crds, ns, uid)
        assert OFFLOADED_LABEL not in labels(written)
        assert OFFLOADED_LABEL not in labels(stored(crds, ns, "shrinks"))

        # offloaded again, then a writer stops after its small status (no chunk deleted)
        write(first, ns, node_map(300, noise=16))
        raw = stored(crds, ns, "shrinks")
        raw["status"] = {"phase": "Running", "nodes": node_map(2)}
        path = f"/apis/{API_GROUP}/v1alpha1/namespaces/{ns}/workflows/shrinks/status"
        code, body = crds.request("PUT", path, raw)
        assert code == 200, body
        assert OFFLOAD_FIELD not in stored(crds, ns, "shrinks")["status"]
        assert chunks(crds, ns, uid)  # left behind
    finally:
        first.close()
    restarted = KubernetesStore(small_options(crds))
    try:
        written = write(restarted, ns, node_map(4))
        assert not chunks(crds, ns, uid)
        assert OFFLOADED_LABEL not in labels(written)
    finally:
        restarted.close()
