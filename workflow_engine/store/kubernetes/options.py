"""How the Kubernetes store reaches the cluster (a light module: no client import).

The `kubernetes` client package takes over a second to import, so everything an
embedded-mode command may touch (URL parsing in `store/__init__`) imports only this.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KubernetesOptions:
    """How to reach the cluster. `kubeconfig=None`: in-cluster credentials when the
    process runs in a pod, else the client library's default kubeconfig."""

    kubeconfig: str | None = None
    context: str | None = None
    group: str | None = None  # argoproj.io or wfengine.io; None: whichever is installed
    qps: float = 50.0
    burst: int = 100
    request_timeout: float = 30.0
    # Create a missing namespace on create (tests and throwaway clusters).
    create_namespaces: bool = False
    # A Workflow's node map past this many bytes (compressed) is stored in
    # WorkflowNodeChunk objects of at most `offload_chunk_bytes` each (offload.py).
    offload_over: int = 512 * 1024
    offload_chunk_bytes: int = 512 * 1024
