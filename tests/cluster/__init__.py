"""A real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
kube-scheduler) built from Go modules and run on loopback, for cluster tests and by hand.
"""

from tests.cluster.cluster import ControlPlane, build
from tests.cluster.procs import ClusterError

__all__ = ["ClusterError", "ControlPlane", "build"]
