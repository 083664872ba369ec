"""Storing a workflow status within the API server's object size limit: the node map
moves into `compressedNodes` (gzip, then base64, of its JSON, as Argo does) when it
is large, and reading accepts either form."""

from __future__ import annotations

import base64
import gzip
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workflow_engine.spec.status import NodeStatus, WorkflowStatus

DEFAULT_MAX_NODE_BYTES = 256 * 1024


def compress_nodes(nodes: dict[str, Any]) -> str:
    raw = json.dumps(nodes, separators=(",", ":")).encode()
    return base64.b64encode(gzip.compress(raw, compresslevel=6, mtime=0)).decode()


def decompress_nodes(text: str) -> dict[str, Any]:
    nodes: dict[str, Any] = json.loads(gzip.decompress(base64.b64decode(text)))
    return nodes


def status_to_dict(
    status: WorkflowStatus, max_node_bytes: int = DEFAULT_MAX_NODE_BYTES
) -> dict[str, Any]:
    """The wire form of `status`; nodes compressed when their JSON exceeds the limit."""
    data = status.to_dict()
    nodes = data.get("nodes")
    if not nodes:
        return data
    raw = json.dumps(nodes, separators=(",", ":"))
    if len(raw) > max_node_bytes:
        data.pop("nodes")
        data["compressedNodes"] = compress_nodes(nodes)
    return data


def status_from_dict(data: dict[str, Any]) -> WorkflowStatus:
    """Read a status in either form; the result always carries plain `nodes`."""
    from workflow_engine.spec.status import WorkflowStatus  # the models: on use

    data = dict(data)
    compressed = data.pop("compressedNodes", None)
    if compressed:
        data["nodes"] = decompress_nodes(compressed)
    return WorkflowStatus.model_validate(data)


def nodes_of(status: WorkflowStatus) -> dict[str, NodeStatus]:
    """The node map of a status model, expanding `compressedNodes` when present."""
    if status.nodes:
        return dict(status.nodes)
    if status.compressed_nodes:
        from workflow_engine.spec.status import NodeStatus

        raw = decompress_nodes(status.compressed_nodes)
        return {k: NodeStatus.model_validate(v) for k, v in raw.items()}
    return {}
