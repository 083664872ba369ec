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

When the node map is one `operate()` returned from a map this serializer packed last
(its index names that map and the nodes the call put: engine/node_index.py), only the
runs holding those nodes are looked at: a write costs what changed, not a pass over a
100,000-node map.
"""

from __future__ import annotations

import base64
import gzip
import json
import threading
from dataclasses import dataclass
from typing import Any

from workflow_engine.engine.node_index import NodeIndex, index_of
from workflow_engine.spec.models import NodeStatus, WorkflowStatus

DEFAULT_LIMIT = 200_000  # cached nodes; past it the cache starts again
COMPRESS_OVER = 16 * 1024  # bytes of node JSON (about 50 nodes)
CHUNK = 64  # nodes per gzip member of compressedNodes
PACKED_KEPT = 16  # packed node maps kept for the next decision of their workflow


@dataclass
class _Packed:
    """A node map as packed: its ids in order, where each is, each run's gzip member."""

    ids: list[str]
    positions: dict[str, int]
    members: list[bytes]


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
        # node map serial -> how it was packed (see `_Packed`), the latest last
        self._packed: dict[int, _Packed] = {}

    def __call__(self, status: WorkflowStatus) -> dict[str, Any]:
        data = status.model_copy(update={"nodes": None, "compressed_nodes": None}).to_dict()
        nodes = status.nodes or {}
        if not nodes:
            return data
        index = index_of(nodes)
        if index is not None:
            with self._lock:
                packed = self._repack(nodes, index)
            if packed is not None:
                data["compressedNodes"] = base64.b64encode(b"".join(packed.members)).decode()
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
        members = self._pack(nodes, entries)
        if index is not None:
            with self._lock:
                ids = list(nodes)
                positions = {node_id: i for i, node_id in enumerate(ids)}
                self._keep(index.serial, _Packed(ids, positions, members))
        data["compressedNodes"] = base64.b64encode(b"".join(members)).decode()
        return data

    def _keep(self, serial: int, packed: _Packed) -> None:
        """(lock held)"""
        if len(self._packed) >= PACKED_KEPT:
            self._packed.pop(next(iter(self._packed)))
        self._packed[serial] = packed

    def _repack(self, nodes: dict[str, NodeStatus], index: NodeIndex) -> _Packed | None:
        """The packing of `nodes` from the packing of the map its call started from,
        re-encoding only the runs that hold a node the call put (lock held); None when
        that packing is not at hand (the caller packs the whole map)."""
        same = self._packed.get(index.serial)
        if same is not None:
            return same
        if index.parent is None:
            return None
        packed = self._packed.pop(index.parent, None)  # taken over: it changes now
        if packed is None:
            return None
        ids, positions = packed.ids, packed.positions
        old_size = len(ids)
        dirty = set()
        for node_id in index.touched:
            position = positions.get(node_id)
            if position is None:  # a new node: added at the map's end
                position = positions[node_id] = len(ids)
                ids.append(node_id)
            dirty.add(position // CHUNK)
        if len(ids) != len(nodes) or ids[-1] != next(reversed(nodes)):
            return None  # not the map this packing grew from: pack it whole
        if len(ids) > old_size and old_size:
            dirty.add((old_size - 1) // CHUNK)  # the run that closed the map no longer does
        members = packed.members
        members.extend(b"" for _ in range(len(members), (len(ids) + CHUNK - 1) // CHUNK))
        last = len(ids) - 1
        for chunk in dirty:
            start = chunk * CHUNK
            pieces = [
                self._piece(node_id, nodes[node_id]) for node_id in ids[start : start + CHUNK]
            ]
            text = ("{" if start == 0 else ",") + ",".join(pieces)
            text += "}" if start + CHUNK > last else ""
            members[chunk] = gzip.compress(text.encode(), compresslevel=1, mtime=0)
        self._keep(index.serial, packed)
        return packed

    def _piece(self, node_id: str, node: NodeStatus) -> str:
        """`"id":{json}` of one node, from the cache while it is the same object."""
        cached = self._nodes.get(node_id)
        if cached is None or cached[0] is not node:
            as_dict = node.to_dict()
            text = json.dumps(as_dict, separators=(",", ":"))
            cached = self._nodes[node_id] = (node, as_dict, f"{json.dumps(node_id)}:{text}")
        return cached[2]

    def _pack(
        self, nodes: dict[str, NodeStatus], entries: list[tuple[NodeStatus, dict[str, Any], str]]
    ) -> list[bytes]:
        """The gzip members of `{nodes}`, one per run of CHUNK nodes (gzip readers,
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
        return members
