"""Status -> wire dict, re-serializing only the nodes that changed.

Sits between `operate()` and the store write in the embedded controller. Node statuses
are frozen models and the engine keeps the unchanged ones as the same objects from one
decision to the next, so a node's dict is cached against the node object itself; a
1,000-node workflow whose one node changed costs one node's serialization, not 1,000.
The result equals `status_codec.status_to_dict` without compression: the embedded store
has no object size limit, and every reader accepts both forms.
"""

from __future__ import annotations

import threading
from typing import Any

from workflow_engine.spec.models import NodeStatus, WorkflowStatus

DEFAULT_LIMIT = 200_000  # cached nodes; past it the cache starts again


class StatusSerializer:
    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._lock = threading.Lock()
        self._limit = limit
        # node id -> (the node object that was serialized, its dict). A hit needs the very
        # same object, so ids shared by two namespaces' workflows only cost a miss.
        self._nodes: dict[str, tuple[NodeStatus, dict[str, Any]]] = {}

    def __call__(self, status: WorkflowStatus) -> dict[str, Any]:
        data = status.model_copy(update={"nodes": None, "compressed_nodes": None}).to_dict()
        nodes = status.nodes or {}
        if not nodes:
            return data
        out: dict[str, Any] = {}
        with self._lock:
            if len(self._nodes) > self._limit:
                self._nodes.clear()
            for node_id, node in nodes.items():
                cached = self._nodes.get(node_id)
                if cached is None or cached[0] is not node:
                    cached = (node, node.to_dict())
                    self._nodes[node_id] = cached
                out[node_id] = cached[1]
        data["nodes"] = out
        return data
