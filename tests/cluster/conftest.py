"""Fixtures for tests/cluster: what is real here is everything on the server side.

etcd, kube-apiserver, kube-controller-manager and kube-scheduler are the real
Kubernetes binaries (built from Go modules, see scripts/build-cluster.sh), running
as local processes on loopback ports; kubectl is the real client. There is no node
and no container runtime: pods get created and scheduled against zero nodes.
"""

from tests.cluster.fixtures import cluster, namespace

__all__ = ["cluster", "namespace"]
