"""pytest fixtures for the Kubernetes store on the test control plane.

What is real: the control plane of `tests.cluster.fixtures.cluster`, our CRDs
(server-side applied as `wf install` does; tests/cluster/test_install.py applies the
checked-in `crds/` tree with kubectl) and the `kubernetes` client. `crds` (session
scope) installs our group's CRDs once, `argo_crds` Argo's group too; `kube_store` is
a KubernetesStore on our own group that creates the namespaces the contract suite
invents; `argo_store` is one on Argo's group. Reuse them from another directory with
`from tests.cluster.store_fixtures import crds, kube_store  # noqa: F401`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cluster.cluster import ControlPlane
from tests.support.polling import poll
from workflow_engine.spec.crds import ARGO_GROUP, custom_resource_definitions
from workflow_engine.spec.objects import API_GROUP
from workflow_engine.store.kubernetes import KubernetesOptions, KubernetesStore
from workflow_engine.store.kubernetes.apply import apply_objects


def install_crds(cluster: ControlPlane, group: str) -> None:
    """Apply one group's CRDs (as `wf install` does, with a timeout for a busy
    machine) and wait until the API server serves them."""
    options = KubernetesOptions(kubeconfig=str(cluster.kubeconfig), request_timeout=300)
    apply_objects(options, custom_resource_definitions(group))
    for crd in custom_resource_definitions(group):
        path = f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{crd['metadata']['name']}"
        poll(lambda path=path: _established(cluster, path), 60, f"{path} Established", 0.2)
    # ... and until discovery lists the group (what the store looks for)
    poll(lambda: cluster.request("GET", f"/apis/{group}/v1alpha1")[0] == 200, 60, group, 0.2)


def _established(cluster: ControlPlane, path: str) -> bool:
    _, body = cluster.request("GET", path)
    conditions = (body.get("status") or {}).get("conditions") or []
    return any(c["type"] == "Established" and c["status"] == "True" for c in conditions)


@pytest.fixture(scope="session")
def crds(cluster: ControlPlane) -> ControlPlane:
    """The cluster with our CRDs installed in our own group."""
    install_crds(cluster, API_GROUP)
    return cluster


@pytest.fixture(scope="session")
def argo_crds(crds: ControlPlane) -> ControlPlane:
    """... and in Argo's group too (both install modes on one cluster)."""
    install_crds(crds, ARGO_GROUP)
    return crds


def open_kube_store(cluster: ControlPlane, group: str = API_GROUP) -> KubernetesStore:
    options = KubernetesOptions(
        kubeconfig=str(cluster.kubeconfig), group=group, create_namespaces=True
    )
    return KubernetesStore(options)


@pytest.fixture
def kube_store(crds: ControlPlane) -> Iterator[KubernetesStore]:
    store = open_kube_store(crds)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def argo_store(argo_crds: ControlPlane) -> Iterator[KubernetesStore]:
    store = open_kube_store(argo_crds, ARGO_GROUP)
    try:
        yield store
    finally:
        store.close()
