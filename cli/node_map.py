"""A workflow's node map as `wf get` and `wf watch` draw it, decoding only what the view
shows.

Sits under `cli.format` (the node tree) and `cli.tree_fold`. A big workflow keeps its
nodes as `status.compressedNodes` (gzip and base64 of their JSON, see
`workflow_engine.spec.status_codec`): 100,000 nodes are about 30 MB of JSON, and
decoding all of it into dicts costs more than the rest of `wf get` together. The tree
needs of every node only its phase, type, boundary and children (the skeleton, decoded
by msgspec into small structs, phases and types as shared literals); a node's other
fields are decoded when a row shows it (`NodeMap[id]`), from the undecoded text msgspec
keeps of each node. A plain `status.nodes` map is read as it is.
"""

from __future__ import annotations

import base64
import gzip
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol

import msgspec

from workflow_engine.vocabulary import NodePhase, NodeType

Node = dict[str, Any]


class Skeleton(Protocol):
    """What the tree reads of every node."""

    @property
    def phase(self) -> str | None: ...
    @property
    def type(self) -> str | None: ...
    @property
    def boundaryID(self) -> str | None: ...  # the wire name
    @property
    def children(self) -> list[str] | None: ...


class _Known(msgspec.Struct, frozen=True):
    phase: NodePhase | None = None
    type: NodeType | None = None
    boundaryID: str | None = None
    children: list[str] | None = None


class _Any(msgspec.Struct, frozen=True):
    """The same fields for a map holding a phase or type outside Argo's lists."""

    phase: str | None = None
    type: str | None = None
    boundaryID: str | None = None
    children: list[str] | None = None


class _Names(msgspec.Struct, frozen=True):
    name: str | None = None
    displayName: str | None = None


class _Outputs(msgspec.Struct, frozen=True):
    artifacts: list[msgspec.Raw] | None = None


class _WithOutputs(msgspec.Struct, frozen=True):
    outputs: _Outputs | None = None


_KNOWN = msgspec.json.Decoder(dict[str, _Known])
_ANY = msgspec.json.Decoder(dict[str, _Any])
_RAW = msgspec.json.Decoder(dict[str, msgspec.Raw])
_NAMES = msgspec.json.Decoder(dict[str, _Names])
_OUTPUTS = msgspec.json.Decoder(dict[str, _WithOutputs])
_NODE = msgspec.json.Decoder(dict[str, Any])
# text that every JSON encoder writes as it is (Go's escapes <, > and &; others non-ASCII)
_PLAIN = re.compile(r"[A-Za-z0-9._:()\[\] -]*\Z")


class NodeMap(Mapping[str, Node]):
    """Node id -> the node's status dict (decoded on first access), and `skeleton(id)`
    for the fields every node is read for."""

    def __init__(
        self,
        skeletons: Mapping[str, Skeleton],
        body: Callable[[str], Node],
        names: Callable[[str], Mapping[str, _Names]],
        with_artifacts: Callable[[], list[str]],
    ) -> None:
        self._skeletons = skeletons
        self._body = body
        self._names = names
        self._with_artifacts = with_artifacts
        self._decoded: dict[str, Node] = {}

    def __getitem__(self, node_id: str) -> Node:
        found = self._decoded.get(node_id)
        if found is None:
            if node_id not in self._skeletons:
                raise KeyError(node_id)
            found = self._decoded[node_id] = self._body(node_id)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._skeletons)

    def __len__(self) -> int:
        return len(self._skeletons)

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._skeletons

    @property
    def skeletons(self) -> Mapping[str, Skeleton]:
        """Node id -> what the tree reads of every node (a pass over all nodes uses this)."""
        return self._skeletons

    def skeleton(self, node_id: str) -> Skeleton | None:
        return self._skeletons.get(node_id)

    def named(self, name: str, *, display: bool = False) -> list[str]:
        """The ids of the nodes whose name (or display name) is `name`, in map order."""
        return [
            node_id
            for node_id, names in self._names(name).items()
            if (names.displayName if display else names.name) == name
        ]

    def with_output_artifacts(self) -> dict[str, Node]:
        """The nodes that list output artifacts, whole."""
        return {node_id: self[node_id] for node_id in self._with_artifacts()}


def node_map_of(status: Mapping[str, Any]) -> NodeMap:
    """The node map of a wire-form status: `nodes`, or `compressedNodes` decoded."""
    packed = status.get("compressedNodes")
    if packed:
        return _from_json(gzip.decompress(base64.b64decode(packed)))
    return _from_dict(status.get("nodes") or {})


def _from_dict(nodes: Mapping[str, Node]) -> NodeMap:
    skeletons = {
        node_id: _Any(
            phase=node.get("phase"),
            type=node.get("type"),
            boundaryID=node.get("boundaryID"),
            children=node.get("children"),
        )
        for node_id, node in nodes.items()
    }

    def names(wanted: str) -> dict[str, _Names]:
        return {
            i: _Names(name=n.get("name"), displayName=n.get("displayName"))
            for i, n in nodes.items()
        }

    def with_artifacts() -> list[str]:
        return [i for i, n in nodes.items() if (n.get("outputs") or {}).get("artifacts")]

    return NodeMap(skeletons, nodes.__getitem__, names, with_artifacts)


def _from_json(text: bytes) -> NodeMap:
    skeletons: Mapping[str, Skeleton]
    try:
        skeletons = _KNOWN.decode(text)
    except msgspec.ValidationError:  # a phase or type Argo does not list: still shown
        skeletons = _ANY.decode(text)
    bodies: dict[str, msgspec.Raw] = {}

    def body(node_id: str) -> Node:
        if not bodies:
            bodies.update(_RAW.decode(text))
        return _NODE.decode(bodies[node_id])

    def names(wanted: str) -> Mapping[str, _Names]:
        if _PLAIN.match(wanted) and f'"{wanted}"'.encode() not in text:
            return {}  # no string of the map is `wanted`: skip decoding 100,000 names
        return _NAMES.decode(text)

    def with_artifacts() -> list[str]:
        if b'"artifacts"' not in text:  # no node lists artifacts: skip the pass
            return []
        return [i for i, n in _OUTPUTS.decode(text).items() if n.outputs and n.outputs.artifacts]

    return NodeMap(skeletons, body, names, with_artifacts)
