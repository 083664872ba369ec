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

Two more things keep a write from costing the map's size. A node with a long children
list (a loop's TaskGroup: one id per iteration, and it changes on every call) has its
children written last in its JSON, in blocks of BLOCK ids that are compressed once
each, as gzip members of their own; only the block that grows is compressed again.
And each run's bytes are padded with empty gzip members to a multiple of 3, so each
run is base64-encoded on its own and `compressedNodes` is the runs' texts joined.
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
CHUNK = 64  # nodes per run of compressedNodes
PACKED_KEPT = 16  # packed node maps kept for the next decision of their workflow
BLOCK = 1024  # children ids per gzip member of a long children list
_EMPTY = gzip.compress(b"", compresslevel=1, mtime=0)  # 20 bytes: 2 more, modulo 3

# A node's JSON as `"id":{...}`, or for a node with BLOCK children or more: the text
# up to its children list, the list's blocks (gzip members) and the text after it.
Piece = str | tuple[str, tuple[bytes, ...], str]


@dataclass
class _Packed:
    """A node map as packed: its ids in order, where each is, each run's bytes and
    their base64 text."""

    ids: list[str]
    positions: dict[str, int]
    members: list[bytes]
    texts: list[str]


def _compress(text: str) -> bytes:
    return gzip.compress(text.encode(), compresslevel=1, mtime=0)


class StatusSerializer:
    def __init__(self, limit: int = DEFAULT_LIMIT, compress_over: int = COMPRESS_OVER) -> None:
        self._lock = threading.Lock()
        self._limit = limit
        self._compress_over = compress_over
        # node id -> (the node object serialized, its piece). A hit needs the very same
        # object, so ids shared by two namespaces' workflows only cost a miss.
        self._nodes: dict[str, tuple[NodeStatus, Piece]] = {}
        # (node id, block number) -> (the block's ids, its gzip member)
        self._blocks: dict[tuple[str, int], tuple[list[str], bytes]] = {}
        # (first node id, position) -> (the run's node objects, closes the map, bytes, text)
        self._members: dict[tuple[str, int], tuple[tuple[NodeStatus, ...], bool, bytes, str]] = {}
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
                data["compressedNodes"] = "".join(packed.texts)
                return data
        with self._lock:
            if len(self._nodes) > self._limit:
                self._nodes.clear()
                self._blocks.clear()
            pieces = [self._piece(node_id, node) for node_id, node in nodes.items()]
        if sum(len(p) if isinstance(p, str) else self._compress_over for p in pieces) <= (
            self._compress_over
        ):
            data["nodes"] = {node_id: node.to_dict() for node_id, node in nodes.items()}
            return data
        members, texts = self._pack(nodes, pieces)
        if index is not None:
            with self._lock:
                ids = list(nodes)
                positions = {node_id: i for i, node_id in enumerate(ids)}
                self._keep(index.serial, _Packed(ids, positions, members, texts))
        data["compressedNodes"] = "".join(texts)
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
        runs = (len(ids) + CHUNK - 1) // CHUNK
        packed.members.extend(b"" for _ in range(len(packed.members), runs))
        packed.texts.extend("" for _ in range(len(packed.texts), runs))
        last = len(ids) - 1
        for chunk in dirty:
            start = chunk * CHUNK
            pieces = [
                self._piece(node_id, nodes[node_id]) for node_id in ids[start : start + CHUNK]
            ]
            packed.members[chunk], packed.texts[chunk] = _run(start, pieces, start + CHUNK > last)
        self._keep(index.serial, packed)
        return packed

    def _piece(self, node_id: str, node: NodeStatus) -> Piece:
        """The piece of one node, from the cache while it is the same object (lock held)."""
        cached = self._nodes.get(node_id)
        if cached is not None and cached[0] is node:
            return cached[1]
        key = json.dumps(node_id)
        children = node.children
        piece: Piece
        if children is None or len(children) < BLOCK:
            piece = f"{key}:{json.dumps(node.to_dict(), separators=(',', ':'))}"
        else:
            rest = node.model_copy(update={"children": None}).to_dict()
            head = json.dumps(rest, separators=(",", ":"))[:-1]
            blocks = tuple(
                self._block(node_id, b, children)
                for b in range((len(children) + BLOCK - 1) // BLOCK)
            )
            piece = (f'{key}:{head},"children":[', blocks, "]}")
        self._nodes[node_id] = (node, piece)
        return piece

    def _block(self, node_id: str, number: int, children: list[str]) -> bytes:
        """The gzip member of ids `number * BLOCK` on of a long children list (lock held):
        compressed again only when its ids changed (the last block, as the list grows)."""
        ids = children[number * BLOCK : (number + 1) * BLOCK]
        cached = self._blocks.get((node_id, number))
        if cached is not None and cached[0] == ids:
            return cached[1]
        text = ("," if number else "") + json.dumps(ids, separators=(",", ":"))[1:-1]
        member = _compress(text)
        self._blocks[(node_id, number)] = (ids, member)
        return member

    def _pack(
        self, nodes: dict[str, NodeStatus], pieces: list[Piece]
    ) -> tuple[list[bytes], list[str]]:
        """The runs of `{nodes}`, CHUNK nodes each (gzip readers, Go's included, read
        concatenated members as one stream). A run is kept while its nodes are the same
        objects, so a call encodes only the runs that hold a changed or new node."""
        ids, objects = list(nodes), list(nodes.values())
        members, texts = [], []
        last = len(pieces) - 1
        with self._lock:
            if len(self._members) > self._limit // CHUNK:
                self._members.clear()
            for start in range(0, len(pieces), CHUNK):
                run = tuple(objects[start : start + CHUNK])
                closes = start + CHUNK > last
                key = (ids[start], start)
                cached = self._members.get(key)
                # tuples compare their items by identity first: the same node objects
                # cost no model comparison (and equal nodes serialize alike anyway)
                if cached is None or cached[1] != closes or cached[0] != run:
                    member, text = _run(start, pieces[start : start + CHUNK], closes)
                    cached = self._members[key] = (run, closes, member, text)
                members.append(cached[2])
                texts.append(cached[3])
        return members, texts


def _run(start: int, pieces: list[Piece], closes: bool) -> tuple[bytes, str]:
    """One run's gzip members, padded with empty members to a multiple of 3 bytes, and
    their base64 text (which the next run's text can follow as it is)."""
    out: list[bytes] = []
    text: list[str] = ["{" if start == 0 else ","]
    for i, piece in enumerate(pieces):
        if i:
            text.append(",")
        if isinstance(piece, str):
            text.append(piece)
            continue
        head, blocks, tail = piece
        text.append(head)
        out.append(_compress("".join(text)))
        out.extend(blocks)
        text = [tail]
    if closes:
        text.append("}")
    out.append(_compress("".join(text)))
    data = b"".join(out)
    data += _EMPTY * (2 * (-len(data) % 3) % 3)
    return data, base64.b64encode(data).decode()
