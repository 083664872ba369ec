"""lint's own task graph (`workflow_engine.lint.graph`) against networkx, which lint used
before and the engine still uses: the same ancestors, the same cyclic components and
the same cycle reported from the same task, on random graphs. Real: both libraries;
nothing is faked."""

from __future__ import annotations

from itertools import pairwise

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow_engine.lint.graph import TaskGraph, ancestors_of

NAMES = [f"t{i}" for i in range(8)]
edges_lists = st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES)), max_size=20)


def _nx(edges: list[tuple[str, str]]) -> nx.DiGraph[str]:
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(NAMES)
    graph.add_edges_from(edges)
    return graph


@settings(max_examples=300, deadline=None)
@given(edges_lists)
def test_same_ancestors_as_networkx(edges: list[tuple[str, str]]) -> None:
    ours, theirs = TaskGraph(NAMES, edges), _nx(edges)
    ancestors = ancestors_of(ours)
    for name in NAMES:
        assert set(ancestors(name)) == nx.ancestors(theirs, name), name
        assert len(ancestors(name)) == len(nx.ancestors(theirs, name))
    assert (ours.topological_order() is None) == (not nx.is_directed_acyclic_graph(theirs))


@settings(max_examples=300, deadline=None)
@given(edges_lists)
def test_same_cycles_as_networkx(edges: list[tuple[str, str]]) -> None:
    ours, theirs = TaskGraph(NAMES, edges), _nx(edges)
    expected = [
        c
        for c in nx.strongly_connected_components(theirs)
        if len(c) > 1 or theirs.has_edge(next(iter(c)), next(iter(c)))
    ]
    found = ours.cyclic_components()
    assert sorted(map(sorted, found)) == sorted(map(sorted, expected))
    for component in found:
        start = min(component)
        ring = [e[0] for e in nx.find_cycle(theirs.subgraph(component), source=start)]
        assert ours.cycle_from(start, component) == ring


@pytest.mark.parametrize(
    ("edges", "cycles"),
    [
        ([], []),
        ([("a", "a")], [["a"]]),
        ([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")], [["a", "b", "c"]]),
        ([("a", "b"), ("b", "a"), ("c", "d"), ("d", "c")], [["a", "b"], ["c", "d"]]),
    ],
    ids=["acyclic", "self", "ring", "two rings"],
)
def test_cycles_named(edges: list[tuple[str, str]], cycles: list[list[str]]) -> None:
    graph = TaskGraph(["a", "b", "c", "d"], edges)
    found = sorted(graph.cyclic_components(), key=min)
    assert [graph.cycle_from(min(c), c) for c in found] == cycles


def test_a_dense_dag_keeps_every_ancestor() -> None:
    layers = [[f"l{layer}-t{i}" for i in range(30)] for layer in range(5)]
    edges = [(a, b) for up, down in pairwise(layers) for a in up for b in down]
    ancestors = ancestors_of(TaskGraph([n for layer in layers for n in layer], edges))
    assert len(ancestors("l4-t0")) == 4 * 30
    assert "l0-t29" in ancestors("l4-t0") and "l4-t1" not in ancestors("l4-t0")
