"""The UI's graph layout (pure): layers follow the `children` edges, nodes of a layer
sit side by side without overlapping, progress counts finished pods."""

from __future__ import annotations

from typing import Any

from workflow_engine.server.layout import NODE_WIDTH, graph


def node(
    name: str, children: list[str], phase: str = "Succeeded", kind: str = "Pod"
) -> dict[str, Any]:
    return {"name": name, "displayName": name, "type": kind, "phase": phase, "children": children}


def diamond() -> dict[str, Any]:
    nodes = {
        "dag": node("dag", ["a"], kind="DAG", phase="Running"),
        "a": node("a", ["b", "c"]),
        "b": node("b", ["d"], phase="Running"),
        "c": node("c", ["d"], phase="Failed"),
        "d": node("d", [], phase="Pending"),
    }
    return {
        "metadata": {"name": "w", "namespace": "ns"},
        "status": {"phase": "Running", "nodes": nodes},
    }


def test_layers_follow_the_edges_and_do_not_overlap() -> None:
    laid = graph(diamond())
    at = {n["id"]: (n["x"], n["y"]) for n in laid["nodes"]}
    assert at["dag"][1] < at["a"][1] < at["b"][1] == at["c"][1] < at["d"][1]
    assert abs(at["b"][0] - at["c"][0]) >= NODE_WIDTH
    assert all(x >= 0 and x + NODE_WIDTH <= laid["width"] for x, _ in at.values())
    assert sorted(map(tuple, laid["edges"])) == [
        ("a", "b"),
        ("a", "c"),
        ("b", "d"),
        ("c", "d"),
        ("dag", "a"),
    ]


def test_progress_counts_finished_pods_and_phases_are_kept() -> None:
    laid = graph(diamond())
    assert laid["progress"] == "2/4"
    assert {n["id"]: n["phase"] for n in laid["nodes"]}["c"] == "Failed"


def test_a_workflow_without_nodes_is_an_empty_pending_graph() -> None:
    laid = graph({"metadata": {"name": "w"}})
    assert (laid["phase"], laid["nodes"], laid["edges"], laid["progress"]) == (
        "Pending",
        [],
        [],
        "0/0",
    )
