"""`wf node`: a Kubernetes node agent that runs the pods scheduled to it with
ProcessRuntime (see agent.NodeAgent), for a real control plane without containers.

Names load on first use (`workflow_engine.lazy`): the embedded controller imports two
light modules of this package (`env`, `volumes`) and must not pay for the agent, its
TLS (cryptography) and its server."""

from typing import TYPE_CHECKING

from workflow_engine.lazy import lazy_names

if TYPE_CHECKING:
    from workflow_engine.runtime.kubernetes_node.agent import NodeAgent, NodeConfig
    from workflow_engine.runtime.kubernetes_node.api import Api, Connection
    from workflow_engine.runtime.kubernetes_node.main import (
        default_node_state_dir,
        run_node,
        serve_node,
    )
    from workflow_engine.runtime.kubernetes_node.restarts import Backoff

__all__ = [
    "Api",
    "Backoff",
    "Connection",
    "NodeAgent",
    "NodeConfig",
    "default_node_state_dir",
    "run_node",
    "serve_node",
]

__getattr__ = lazy_names(
    __name__,
    {
        "Api": "api",
        "Backoff": "restarts",
        "Connection": "api",
        "NodeAgent": "agent",
        "NodeConfig": "agent",
        "default_node_state_dir": "main",
        "run_node": "main",
        "serve_node": "main",
    },
)
