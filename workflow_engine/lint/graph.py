"""The dependency graph of a `dag` template's tasks, as lint needs it: every task's
ancestors (for what a task may reference) and the cycles (each reported once).

Under `lint.dag`. Plain dicts and lists instead of networkx: a `wf submit` or `wf lint`
would otherwise import networkx (about 0.15 s of CPU) for three small walks. The
engine's planning still uses networkx; this is lint's own view of the same edges.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Set


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
        one that depends on itself). Tarjan's algorithm, without recursion."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        on_stack: set[str] = set()
        found: list[set[str]] = []
        for root in self.successors:
            if root in index:
                continue
            work: list[tuple[str, Iterator[str]]] = [(root, iter(self.successors[root]))]
            index[root] = low[root] = len(index)
            stack.append(root)
            on_stack.add(root)
            while work:
                name, children = work[-1]
                child = next(children, None)
                if child is not None:
                    if child not in index:
                        index[child] = low[child] = len(index)
                        stack.append(child)
                        on_stack.add(child)
                        work.append((child, iter(self.successors[child])))
                    elif child in on_stack:
                        low[name] = min(low[name], index[child])
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[name])
                if low[name] == index[name]:
                    component: set[str] = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == name:
                            break
                    if len(component) > 1 or name in self.successors[name]:
                        found.append(component)
        return found

    def cycle_from(self, start: str, within: Set[str]) -> list[str]:
        """The tasks of one cycle through the tasks `within` (a component that holds a
        cycle), found by a depth-first walk from `start`: the first edge back to a task
        on the walk's path closes it."""
        path = [start]
        on_path = {start}
        done: set[str] = set()
        work = [iter(self.successors[start])]
        while work:
            child = next(work[-1], None)
            if child is None:
                work.pop()
                done.add(path[-1])
                on_path.discard(path.pop())
                continue
            if child not in within or child in done:
                continue
            if child in on_path:
                return path[path.index(child) :]
            path.append(child)
            on_path.add(child)
            work.append(iter(self.successors[child]))
        raise ValueError(f"no cycle through {start!r}")  # `within` held no cycle


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
