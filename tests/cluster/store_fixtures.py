"""pytest fixtures for the Kubernetes store on the test control plane.

What is real: the control plane of `tests.cluster.fixtures.cluster`, our CRDs (both
API groups, applied with the real kubectl from the checked-in `crds/` tree) and the
`kubernetes` client. `crds` (session scope) installs the CRDs once; `kube_store` is
a KubernetesStore on our own group that creates the namespaces the contract suite
invents; `argo_store` is one on Argo's group. Reuse them from another directory with
`from tests.cluster.store_fixtures import crds, kube_store  # noqa: F401`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster.cluster import REPO_ROOT, ControlPlane
from tests.support.polling import poll
from workflow_engine.spec.crds import ARGO_GROUP, custom_resource_definitions
from workflow_engine.spec.objects import API_GROUP
from workflow_engine.store.kubernetes import KubernetesOptions, KubernetesStore

CRDS = REPO_ROOT / "crds"


def install_crds(cluster: ControlPlane, directory: Path, group: str) -> None:
    """Apply one group's CRDs and wait until the API server serves them."""
    cluster.kubectl("apply", "--server-side", "-k", str(directory))
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
    """The cluster with our CRDs installed under both groups."""
    install_crds(cluster, CRDS / "wfengine", API_GROUP)
    install_crds(cluster, CRDS / "argoproj", ARGO_GROUP)
    return cluster


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
def argo_store(crds: ControlPlane) -> Iterator[KubernetesStore]:
    store = open_kube_store(crds, ARGO_GROUP)
    try:
        yield store
    finally:
        store.close()
