"""Fixtures for tests/cluster: what is real here is everything on the server side.

etcd, kube-apiserver, kube-controller-manager and kube-scheduler are the real
Kubernetes binaries (built from Go modules, see scripts/build-cluster.sh), running
as local processes on loopback ports; kubectl is the real client. The only node is
our own agent (`node` fixture, or a separate `wf node` process where a test kills
it): pods run as local processes through ProcessRuntime, without containers.
"""

from tests.cluster.fixtures import cluster, namespace, node

__all__ = ["cluster", "namespace", "node"]
