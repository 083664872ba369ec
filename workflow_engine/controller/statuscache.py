"""Status -> wire dict, re-serializing only the nodes that changed.

Sits between `operate()` and the store write in the embedded controller. Node statuses
are frozen models and the engine keeps the unchanged ones as the same objects from one
decision to the next, so each node's JSON is cached against the node object itself: a
1,000-node workflow whose one node changed costs one node's serialization, not 1,000.

Large node maps are stored as `compressedNodes` (gzip + base64 of the nodes' JSON, as
Argo and `status_codec` do, at a faster gzip level, one gzip member per run of nodes so
unchanged runs are not compressed again): the store then writes, returns and watches a
20 KiB document instead of a 400 KiB one. Every reader accepts both forms
(`status_codec.status_from_dict`, `operations.expand_nodes`).
"""

from __future__ import annotations

import base64
import gzip
import json
import threading
from typing import Any

from workflow_engine.spec.models import NodeStatus, WorkflowStatus

DEFAULT_LIMIT = 200_000  # cached nodes; past it the cache starts again
COMPRESS_OVER = 16 * 1024  # bytes of node JSON (about 50 nodes)
CHUNK = 64  # nodes per gzip member of compressedNodes


class StatusSerializer:
    def __init__(self, limit: int = DEFAULT_LIMIT, compress_over: int = COMPRESS_OVER) -> None:
        self._lock = threading.Lock()
        self._limit = limit
        self._compress_over = compress_over
        # node id -> (the node object serialized, its dict, `"id":{json}`). A hit needs
        # the very same object, so ids shared by two namespaces' workflows only cost a miss.
        self._nodes: dict[str, tuple[NodeStatus, dict[str, Any], str]] = {}
        # (first node id, position) -> (the run's node objects, closes the map, member)
        self._members: dict[tuple[str, int], tuple[tuple[NodeStatus, ...], bool, bytes]] = {}

    def __call__(self, status: WorkflowStatus) -> dict[str, Any]:
        data = status.model_copy(update={"nodes": None, "compressed_nodes": None}).to_dict()
        nodes = status.nodes or {}
        if not nodes:
            return data
        entries = []
        with self._lock:
            if len(self._nodes) > self._limit:
                self._nodes.clear()
            cache = self._nodes
            for node_id, node in nodes.items():
                cached = cache.get(node_id)
                if cached is None or cached[0] is not node:
                    as_dict = node.to_dict()
                    text = json.dumps(as_dict, separators=(",", ":"))
                    cached = cache[node_id] = (node, as_dict, f"{json.dumps(node_id)}:{text}")
                entries.append(cached)
        pieces = [c[2] for c in entries]
        if sum(map(len, pieces)) <= self._compress_over:
            data["nodes"] = dict(zip(nodes, (c[1] for c in entries), strict=True))
            return data
        data["compressedNodes"] = base64.b64encode(self._pack(nodes, entries)).decode()
        return data

    def _pack(
        self, nodes: dict[str, NodeStatus], entries: list[tuple[NodeStatus, dict[str, Any], str]]
    ) -> bytes:
        """The gzip of `{nodes}` as one gzip member per run of CHUNK nodes (gzip readers,
        Go's included, read concatenated members as one stream). A member is kept while
        its nodes are the same objects, so a call recompresses only the runs that hold a
        changed or new node, not the whole map."""
        ids, objects = list(nodes), list(nodes.values())
        members = []
        last = len(entries) - 1
        with self._lock:
            if len(self._members) > self._limit // CHUNK:
                self._members.clear()
            for start in range(0, len(entries), CHUNK):
                run = tuple(objects[start : start + CHUNK])
                closes = start + CHUNK > last
                key = (ids[start], start)
                cached = self._members.get(key)
                # tuples compare their items by identity first: the same node objects
                # cost no model comparison (and equal nodes serialize alike anyway)
                if cached is None or cached[1] != closes or cached[0] != run:
                    text = ("{" if start == 0 else ",") + ",".join(
                        c[2] for c in entries[start : start + CHUNK]
                    )
                    text += "}" if closes else ""
                    member = gzip.compress(text.encode(), compresslevel=1, mtime=0)
                    cached = self._members[key] = (run, closes, member)
                members.append(cached[2])
        return b"".join(members)
