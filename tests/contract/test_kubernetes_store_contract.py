"""Runs the Store contract against the Kubernetes store on the real control plane.

What is real here: the local control plane (etcd, kube-apiserver, controllers), our
CRDs applied with kubectl, and the `kubernetes` client. The store creates the
namespaces the suite invents (`create_namespaces=True`).
"""

from __future__ import annotations

import pytest

from tests.cluster.fixtures import cluster  # noqa: F401
from tests.cluster.store_fixtures import crds  # noqa: F401
from tests.cluster.store_fixtures import kube_store as store  # noqa: F401
from tests.contract.store_contract import StoreContract

pytestmark = pytest.mark.cluster


class TestKubernetesStoreContract(StoreContract):
    pass
