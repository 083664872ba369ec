"""Fixtures for tests/cluster: what is real here is everything on the server side.

etcd, kube-apiserver, kube-controller-manager and kube-scheduler are the real
Kubernetes binaries (built from Go modules, see scripts/build-cluster.sh), running
as local processes on loopback ports; kubectl is the real client. The nodes are our
own agents (`node` fixture, or a separate `wf node` process where a test kills it;
`three_nodes` adds two more for the multi-node tests): pods run as local processes
through ProcessRuntime, without containers.
"""

from tests.cluster.fixtures import cluster, namespace, node, three_nodes

__all__ = ["cluster", "namespace", "node", "three_nodes"]
