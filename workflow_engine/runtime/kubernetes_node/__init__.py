"""`wf node`: a Kubernetes node agent that runs the pods scheduled to it with
ProcessRuntime (see agent.NodeAgent), for a real control plane without containers."""

from workflow_engine.runtime.kubernetes_node.agent import NodeAgent, NodeConfig
from workflow_engine.runtime.kubernetes_node.api import Api, Connection
from workflow_engine.runtime.kubernetes_node.main import (
    default_node_state_dir,
    run_node,
    serve_node,
)

__all__ = [
    "Api",
    "Connection",
    "NodeAgent",
    "NodeConfig",
    "default_node_state_dir",
    "run_node",
    "serve_node",
]
