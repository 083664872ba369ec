"""What one `operate` call derives from a status's node map (names to ids, unfinished
nodes, the counters parallelism and failFast read, each DAG's frontier), kept with the
node map it describes so the next call starts from it instead of a pass over every node.

The index is a pure function of the node map (a call without it rebuilds it with one
pass), attached to the `NodeMap` the engine returns: a `dict` that equals, serialises
and validates as the plain map it is. A map read back from the store, or copied and
edited by an operation (`wf retry`, `wf node set`), is a plain dict again and carries
no index, so nothing stale can be reused. Callers treat a status's node map as
immutable; the index is only trusted while the map still has the size it had.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from workflow_engine.spec.models import NodeStatus


class NameIds:
    """Node name -> id: a base dict shared between the maps of successive calls (never
    changed once shared) and the names this map added. A call starts from the last
    call's by copying only the additions, not every name of a 100,000-node map; the
    additions are folded into a new base once they outgrow about the square root of it
    (so a name costs O(1) copies over the run, a call O(sqrt(n)))."""

    __slots__ = ("_base", "_top")

    def __init__(self, base: dict[str, str] | None = None, top: dict[str, str] | None = None):
        self._base: dict[str, str] = {} if base is None else base
        self._top: dict[str, str] = {} if top is None else top

    def get(self, name: str) -> str | None:
        found = self._top.get(name)
        return self._base.get(name) if found is None else found

    def __setitem__(self, name: str, node_id: str) -> None:
        self._top[name] = node_id

    def parts(self) -> tuple[dict[str, str], dict[str, str]]:
        """(the additions, the base): a caller that owns this index (one it derived)
        may look names up in both and add to the first; the base is shared."""
        return self._top, self._base

    def derive(self) -> NameIds:
        """An equal index to add to (this one is left as it is)."""
        if len(self._top) > 4 * math.isqrt(len(self._base)) + 64:
            return NameIds({**self._base, **self._top})
        return NameIds(self._base, dict(self._top))


@dataclass
class NodeIndex:
    """Everything `Run` counts over the nodes, as it stood when the map was returned."""

    size: int
    ids: NameIds  # node name -> id
    unfinished: dict[str, None]  # ids of nodes not fulfilled, in the map's order
    pods: int
    pods_done: int
    active_pods: int
    active_children: dict[str, int]
    failed_children: dict[str, int]
    daemons: set[str]
    # DAG node id -> the tasks the next pass over that DAG must visit (engine/dag.py);
    # a DAG without an entry gets a full pass.
    frontiers: dict[str, frozenset[str]] = field(default_factory=dict)
    # TaskGroup node id -> how many leading iterations are fulfilled (dag_loops.py)
    loops_done: dict[str, int] = field(default_factory=dict)
    # Steps node id -> how many leading step groups are fulfilled (steps.py)
    groups_done: dict[str, int] = field(default_factory=dict)
    # Parent node id -> the set of its children ids, kept while it has as many members
    # as the parent's children list (a list only grows by appending, and a later call
    # that adds to the set makes it longer than the list this map holds).
    child_sets: dict[str, set[str]] = field(default_factory=dict)
    # What a writer needs to re-encode only what changed (controller/statuscache.py):
    # this map's serial number, the serial of the indexed map the call started from
    # (None: it started from a plain map), and the ids of the nodes the call put,
    # first put first (so the new ones are in the order they were added to the map).
    serial: int = 0
    parent: int | None = None
    touched: tuple[str, ...] = ()


_SERIALS = itertools.count(1)


def next_serial() -> int:
    """A number no other node map returned by this process carries."""
    return next(_SERIALS)


class NodeMap(dict[str, NodeStatus]):
    """A status's node map with the index of its content (see the module docstring)."""

    __slots__ = ("index",)

    def __init__(self, nodes: Mapping[str, NodeStatus]) -> None:
        super().__init__(nodes)
        self.index: NodeIndex | None = None


def index_of(nodes: Mapping[str, NodeStatus] | None) -> NodeIndex | None:
    """The index a node map carries, when it still describes it."""
    if not isinstance(nodes, NodeMap):
        return None
    index = nodes.index
    if index is None or index.size != len(nodes):
        return None
    return index
