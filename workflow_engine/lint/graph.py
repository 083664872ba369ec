"""The dependency graph of a `dag` template's tasks, as lint needs it: every task's
ancestors (for what a task may reference) and the cycles (each reported once).

Under `lint.dag`. Plain dicts and lists for what every file needs (the topological
order, every task's ancestors): importing networkx cost each `wf submit` and `wf lint`
about 0.15 s of CPU. Only a DAG with a cycle, a lint error, imports networkx to name
its cycles. The engine's planning uses networkx; this is lint's own view of the edges.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Set
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx


class TaskGraph:
    """Tasks and their dependency edges (`(dependency, task)`), kept in the order given:
    walks follow that order, so what they report is stable."""

    def __init__(self, names: Iterable[str], edges: Iterable[tuple[str, str]]) -> None:
        self.successors: dict[str, dict[str, None]] = {name: {} for name in names}
        self.predecessors: dict[str, dict[str, None]] = {name: {} for name in self.successors}
        for parent, child in edges:
            self.successors.setdefault(parent, {})[child] = None
            self.successors.setdefault(child, {})
            self.predecessors.setdefault(child, {})[parent] = None
            self.predecessors.setdefault(parent, {})

    def topological_order(self) -> list[str] | None:
        """Every task after its dependencies; None when there is a cycle."""
        waiting = {name: len(parents) for name, parents in self.predecessors.items()}
        order = [name for name, count in waiting.items() if count == 0]
        for name in order:  # the list grows as tasks become ready
            for child in self.successors[name]:
                waiting[child] -= 1
                if waiting[child] == 0:
                    order.append(child)
        return order if len(order) == len(waiting) else None

    def ancestors_walk(self, name: str) -> set[str]:
        """The tasks `name` depends on, directly or not, itself excepted even on a cycle
        (a walk per call)."""
        seen: set[str] = set()
        todo = list(self.predecessors.get(name, ()))
        while todo:
            parent = todo.pop()
            if parent not in seen:
                seen.add(parent)
                todo.extend(self.predecessors[parent])
        seen.discard(name)
        return seen

    def cyclic_components(self) -> list[set[str]]:
        """The strongly connected components that hold a cycle (more than one task, or
        one that depends on itself). Only a DAG with a cycle (a lint error) needs them,
        so networkx is imported here, not for every file."""
        if self.topological_order() is not None:
            return []
        import networkx as nx

        graph = self._networkx()
        found = []
        for component in nx.strongly_connected_components(graph):
            first = next(iter(component))
            if len(component) > 1 or graph.has_edge(first, first):
                found.append(set(component))
        return found

    def cycle_from(self, start: str, within: Set[str]) -> list[str]:
        """The tasks of one cycle through the tasks `within` (a component that holds a
        cycle), from a depth-first walk that starts at `start`."""
        import networkx as nx

        edges = nx.find_cycle(self._networkx().subgraph(within), source=start)
        return [edge[0] for edge in edges]

    def _networkx(self) -> nx.DiGraph[str]:
        import networkx as nx

        graph: nx.DiGraph[str] = nx.DiGraph()
        graph.add_nodes_from(self.successors)
        graph.add_edges_from((a, b) for a, children in self.successors.items() for b in children)
        return graph


def ancestors_of(graph: TaskGraph) -> Callable[[str], Set[str]]:
    """Every task's ancestors, for all tasks in one pass over the edges: a bit set per
    task (the union of its predecessors' sets) in topological order. A walk per task
    was O(V * E), 30 s of CPU for the dense 10 x 100 DAG. With a cycle (already
    reported) it falls back to that walk."""
    order = graph.topological_order()
    if order is None:
        return graph.ancestors_walk
    index = {name: i for i, name in enumerate(order)}
    bits: dict[str, int] = {}
    for name in order:
        mask = 0
        for parent in graph.predecessors[name]:
            mask |= bits[parent] | (1 << index[parent])
        bits[name] = mask
    return lambda name: BitSet(bits.get(name, 0), order, index)


class BitSet(Set[str]):
    """A set of task names as the bits of an int (bit i: `order[i]`)."""

    def __init__(self, mask: int, order: list[str], index: dict[str, int]) -> None:
        self._mask, self._order, self._index = mask, order, index

    def __contains__(self, name: object) -> bool:
        at = self._index.get(name) if isinstance(name, str) else None
        return at is not None and bool(self._mask >> at & 1)

    def __iter__(self) -> Iterator[str]:
        mask = self._mask
        while mask:
            low = mask & -mask
            yield self._order[low.bit_length() - 1]
            mask ^= low

    def __len__(self) -> int:
        return self._mask.bit_count()
