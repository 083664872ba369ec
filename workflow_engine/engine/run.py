"""The working state of one `operate` call: the node map being rewritten, the actions
decided so far, and counters kept up to date on every change (active pods, active and
failed children per boundary) so no decision needs a pass over all nodes.

A `Run` lives for one call only; `operate` builds it from the saved status and turns it
back into a `Decision`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from workflow_engine.engine.decision import Action, DeletePod, EmitEvent
from workflow_engine.engine.naming import display_name, node_id
from workflow_engine.engine.node_index import NameIds, NodeIndex, NodeMap, next_serial
from workflow_engine.spec.models import NodePhase, NodeStatus, NodeType, TemplateRef
from workflow_engine.spec.status import COMPLETED_PHASES, FULFILLED_PHASES, NodeFlag

_COUNTED_TYPES = frozenset({"Pod", "Steps", "DAG"})
_KEPT_SET_SIZE = 64  # a parent with fewer children has its set rebuilt when needed


def settled(node: NodeStatus) -> bool:
    """Argo's NodeStatus.Fulfilled: finished, or a daemon that is up."""
    return node.phase in FULFILLED_PHASES or (bool(node.daemoned) and node.phase != "Pending")


def _newly_memoized(old: NodeStatus | None, node: NodeStatus) -> bool:
    """A node with a memoizationStatus that is Succeeded now and was not before."""
    if node.memoization_status is None or node.phase != "Succeeded":
        return False
    return old is None or old.phase != "Succeeded" or old.memoization_status is None


class Run:
    def __init__(
        self,
        workflow_name: str,
        nodes: dict[str, NodeStatus],
        now: datetime,
        index: NodeIndex | None = None,
    ) -> None:
        """`index`, when given, describes `nodes` (engine/node_index.py): the call then
        starts from it instead of a pass over every node."""
        self.workflow_name = workflow_name
        self.now = now
        self.nodes = nodes
        self.actions: list[Action] = []
        self.requeues: list[float] = []
        self.memoized: list[str] = []  # memoized nodes that succeeded in this call
        self.finished: list[str] = []  # nodes fulfilled in this call
        self._extra_children: dict[str, list[str]] = {}
        self._extra_sets: dict[str, set[str]] = {}
        self.changed = False
        # DAG node id -> tasks its next pass must visit: the last call's, and this one's
        self.prior_frontiers: dict[str, frozenset[str]] = {}
        self.frontiers: dict[str, frozenset[str]] = {}
        # TaskGroup node id -> how many leading iterations are fulfilled (dag_loops.py)
        self.prior_loops_done: dict[str, int] = {}
        self.loops_done: dict[str, int] = {}
        # Steps node id -> how many leading step groups are fulfilled (steps.py)
        self.prior_groups_done: dict[str, int] = {}
        self.groups_done: dict[str, int] = {}
        self._child_sets: dict[str, set[str]] = {}
        self._touched: dict[str, None] = {}  # ids of the nodes put, first put first
        self._parent: int | None = None  # the serial of the indexed map started from
        self._reordered = False  # a fulfilled node became unfinished: order to rebuild
        self._handed: set[str] = set()  # ids given to names without a node yet (id_of)
        if index is not None:
            self._from_index(index)
        else:
            self._scan()

    def _scan(self) -> None:
        self.active_pods = 0
        self.active_children: defaultdict[str, int] = defaultdict(int)
        self.failed_children: defaultdict[str, int] = defaultdict(int)
        self.daemons: set[str] = set()  # running daemon nodes
        self.unfinished: dict[str, None] = {}  # ids of unfinished nodes, in map order
        self.pods = 0  # Pod nodes, and how many of them are fulfilled: the progress
        self.pods_done = 0
        ids: dict[str, str] = {}
        unfinished = self.unfinished
        for key, node in self.nodes.items():  # without an index: one pass
            ids[node.name] = key
            if node.phase == "Succeeded" and node.type == "Pod":
                self.pods += 1
                self.pods_done += 1
                continue
            self._count(node, 1)
            if node.phase not in FULFILLED_PHASES:
                unfinished[key] = None
                if node.daemoned:
                    self.daemons.add(key)
        self._names(NameIds(ids))

    def _from_index(self, index: NodeIndex) -> None:
        self.active_pods = index.active_pods
        self.active_children = defaultdict(int, index.active_children)
        self.failed_children = defaultdict(int, index.failed_children)
        self.daemons = set(index.daemons)
        self.unfinished = dict(index.unfinished)
        self._names(index.ids.derive())
        self.pods = index.pods
        self.pods_done = index.pods_done
        self.prior_frontiers = index.frontiers
        self.prior_loops_done = index.loops_done
        self.prior_groups_done = index.groups_done
        self._child_sets = index.child_sets
        self._parent = index.serial

    def _names(self, ids: NameIds) -> None:
        # name -> id lookups go to this call's additions, then to the shared base
        self._ids = ids
        self._added, self._base_ids = ids.parts()

    # -- lookups --------------------------------------------------------------
    def id_of(self, name: str) -> str:
        found = self._added.get(name) or self._base_ids.get(name)
        if found is None:
            found = self._added[name] = self._free_id(name)
        return found

    def _free_id(self, name: str) -> str:
        """The id of a name the map does not index yet: Argo's hash of it, unless that
        id is already another node's, or was handed to another name in this call (a
        32-bit hash collides: at 26,272 items of a `withSequence` loop, for one name).
        Overwriting that node would lose it, and its loop would make it again on every
        call. The map records which id a name got, so later calls find it by name."""
        attempt = 0
        while True:
            candidate = node_id(self.workflow_name, name, attempt)
            held = self.nodes.get(candidate)
            if (held is None or held.name == name) and candidate not in self._handed:
                self._handed.add(candidate)
                return candidate
            attempt += 1

    def by_name(self, name: str) -> NodeStatus | None:
        # every node's name is indexed (ids are never empty)
        found = self._added.get(name) or self._base_ids.get(name)
        return self.nodes.get(found) if found is not None else None

    def nodes_named(self, names: list[str]) -> list[NodeStatus | None]:
        """`by_name` of many names at once (a loop's iterations on every call)."""
        added, base, nodes = self._added, self._base_ids, self.nodes
        return [nodes.get(added.get(name) or base.get(name) or "") for name in names]

    def children(self, node: NodeStatus) -> list[str]:
        extra = self._extra_children.get(node.id)
        if not extra:
            return node.children or []
        return [*(node.children or ()), *extra]

    def child_nodes(self, node: NodeStatus) -> Iterator[NodeStatus]:
        for child in self.children(node):
            found = self.nodes.get(child)
            if found is not None:
                yield found

    # -- changes --------------------------------------------------------------
    def _count(self, node: NodeStatus, sign: int) -> None:
        if node.type == "Pod":
            self.pods += sign
            if node.phase in FULFILLED_PHASES:
                self.pods_done += sign
        if node.phase in FULFILLED_PHASES:
            if (
                node.phase in ("Failed", "Error")
                and node.type in _COUNTED_TYPES
                and node.boundary_id
                and not (node.node_flag and node.node_flag.retried)
            ):
                self.failed_children[node.boundary_id] += sign
            return
        if node.type == "Pod":
            self.active_pods += sign
        if node.type in _COUNTED_TYPES and node.boundary_id:
            self.active_children[node.boundary_id] += sign

    def put(self, node: NodeStatus) -> NodeStatus:
        old = self.nodes.get(node.id)
        if old is node:
            return node
        if old is not None:
            self._count(old, -1)
        self._count(node, 1)
        self.nodes[node.id] = node
        self._touched[node.id] = None
        self._added[node.name] = node.id
        if node.phase in FULFILLED_PHASES:
            self.unfinished.pop(node.id, None)
        elif node.id not in self.unfinished:
            self._reordered = self._reordered or old is not None
            self.unfinished[node.id] = None
        if node.phase in FULFILLED_PHASES and (old is None or old.phase not in FULFILLED_PHASES):
            self.finished.append(node.id)  # its template's metrics are emitted (metrics.py)
        if _newly_memoized(old, node):
            self.memoized.append(node.id)  # its outputs go to the cache (memo.py)
        if node.daemoned and node.phase not in FULFILLED_PHASES:
            self.daemons.add(node.id)
        else:
            self.daemons.discard(node.id)
        self.changed = True
        return node

    def init_node(
        self,
        name: str,
        node_type: NodeType,
        boundary_id: str | None,
        phase: NodePhase,
        template_name: str | None = None,
        template_ref: TemplateRef | None = None,
        template_scope: str | None = None,
        message: str | None = None,
        flag: NodeFlag | None = None,
    ) -> NodeStatus:
        boundary = self.nodes.get(boundary_id) if boundary_id else None
        fields: dict[str, Any] = {
            "id": self.id_of(name),
            "name": name,
            "display_name": display_name(name, boundary.name if boundary else None),
            "type": node_type,
            "phase": phase,
            "template_name": template_name,
            "template_ref": template_ref,
            "template_scope": template_scope,
            "boundary_id": boundary_id or None,
            "started_at": self.now,
            "message": message or None,
            "node_flag": flag,
        }
        if phase in FULFILLED_PHASES:
            fields["finished_at"] = self.now
        return self.put(NodeStatus.new(**fields))

    def mark(self, node_id_: str, phase: NodePhase, message: str | None = None) -> NodeStatus:
        """Argo's markNodePhase: a legal move (or a message change), times stamped."""
        node = self.nodes[node_id_]
        if node.phase == phase and (message is None or message == node.message):
            return node
        updated = node.with_phase(phase, self.now, message)
        if phase != node.phase and phase in FULFILLED_PHASES:
            self.event_for(updated)
        return self.put(updated)

    def update(self, node_id_: str, **fields: Any) -> NodeStatus:
        node = self.nodes[node_id_]
        if all(getattr(node, k) == v for k, v in fields.items()):
            return node
        return self.put(node.model_copy(update=fields))

    def add_child(self, parent_name: str, child_name: str) -> None:
        parent_id, child_id = self.id_of(parent_name), self.id_of(child_name)
        parent = self.nodes.get(parent_id)
        if parent is None:
            return
        seen = self._extra_sets.get(parent_id)
        if seen is None:
            seen = self._children_set(parent)
            self._extra_sets[parent_id] = seen
        if child_id in seen:
            return
        seen.add(child_id)
        self._extra_children.setdefault(parent_id, []).append(child_id)
        self.changed = True

    def _children_set(self, parent: NodeStatus) -> set[str]:
        """The set of `parent`'s children: the last call's when it still has as many
        members as the list (see `NodeIndex.child_sets`), else built from the list."""
        children = parent.children or ()
        kept = self._child_sets.get(parent.id)
        if kept is not None and len(kept) == len(children):
            return kept
        return set(children)

    def finish(self) -> dict[str, NodeStatus]:
        """Fold the pending child links into the nodes; the map to store, with the
        index of what this call counted when the map is a `NodeMap`."""
        for parent_id, extra in self._extra_children.items():
            node = self.nodes[parent_id]
            self.nodes[parent_id] = node.model_copy(
                update={"children": [*(node.children or ()), *extra]}
            )
            self._touched[parent_id] = None
        self._extra_children.clear()
        kept = self._child_sets  # sets worth keeping: of parents with many children
        if any(len(seen) >= _KEPT_SET_SIZE for seen in self._extra_sets.values()):
            kept = {**kept}
            kept.update((k, v) for k, v in self._extra_sets.items() if len(v) >= _KEPT_SET_SIZE)
        self._extra_sets.clear()
        if isinstance(self.nodes, NodeMap):
            self.nodes.index = None if self._reordered else self._index(kept)
        return self.nodes

    def _index(self, child_sets: dict[str, set[str]]) -> NodeIndex:
        return NodeIndex(
            size=len(self.nodes),
            ids=self._ids,
            unfinished=self.unfinished,
            pods=self.pods,
            pods_done=self.pods_done,
            active_pods=self.active_pods,
            active_children=dict(self.active_children),
            failed_children=dict(self.failed_children),
            daemons=self.daemons,
            frontiers=self.frontiers,
            loops_done=self.loops_done,
            groups_done=self.groups_done,
            child_sets=child_sets,
            serial=next_serial(),
            parent=self._parent,
            touched=tuple(self._touched),
        )

    def unfinished_nodes(self) -> list[NodeStatus]:
        """The nodes not fulfilled, in the map's order, without a pass over the rest."""
        nodes = self.nodes
        return [nodes[key] for key in self.unfinished]

    # -- actions --------------------------------------------------------------
    def requeue(self, seconds: float) -> None:
        self.requeues.append(max(seconds, 0.0))

    def delete_pod(self, pod_name: str, reason: str) -> None:
        self.actions.append(DeletePod(pod_name=pod_name, reason=reason))

    def event(
        self, reason: str, message: str, warning: bool = False, node_id: str | None = None
    ) -> None:
        self.actions.append(
            EmitEvent(
                reason=reason,
                message=message,
                type="Warning" if warning else "Normal",
                node_id=node_id,
            )
        )

    def event_for(self, node: NodeStatus) -> None:
        """Argo's WorkflowNode<Phase> event: `<Phase> node <name>[: <message>]`."""
        if node.type not in ("Pod", "Suspend") or node.phase not in COMPLETED_PHASES:
            return
        text = f"{node.phase} node {node.name}"
        if node.message:
            text += f": {node.message}"
        self.event(
            f"WorkflowNode{node.phase}", text, warning=node.phase != "Succeeded", node_id=node.id
        )
