"""The graph of a workflow's nodes laid out for the web UI: layers from the `children`
edges of `status.nodes` (networkx's topological generations), positions within each
layer, a colour class per phase, and the progress (finished pods of all pods).

Pure: from a workflow object (nodes expanded) to plain JSON the browser draws as SVG.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

NODE_WIDTH = 180
NODE_HEIGHT = 36
GAP_X = 24
GAP_Y = 56
MARGIN = 20
_FIELDS = (
    "name",
    "displayName",
    "type",
    "phase",
    "message",
    "templateName",
    "startedAt",
    "finishedAt",
    "inputs",
    "outputs",
)


def layers(nodes: dict[str, Any]) -> list[list[str]]:
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(nodes)
    for node_id, node in nodes.items():
        for child in node.get("children") or []:
            if child in nodes:
                graph.add_edge(node_id, child)
    try:
        generations = [
            sorted(g, key=lambda n: _order(nodes[n])) for g in nx.topological_generations(graph)
        ]
    except nx.NetworkXUnfeasible:  # a cycle cannot come from the engine; lay it out flat
        generations = [sorted(nodes, key=lambda n: _order(nodes[n]))]
    return generations


def _order(node: dict[str, Any]) -> tuple[str, str]:
    return (str(node.get("startedAt") or "~"), str(node.get("displayName") or node.get("name")))


def progress(nodes: dict[str, Any]) -> str:
    pods = [n for n in nodes.values() if n.get("type") == "Pod"]
    done = [
        n for n in pods if n.get("phase") in ("Succeeded", "Failed", "Error", "Skipped", "Omitted")
    ]
    return f"{len(done)}/{len(pods)}"


def graph(obj: dict[str, Any]) -> dict[str, Any]:
    status = obj.get("status") or {}
    nodes: dict[str, Any] = status.get("nodes") or {}
    placed = []
    generations = layers(nodes)
    widest = max((len(g) for g in generations), default=0)
    width = MARGIN * 2 + max(widest, 1) * (NODE_WIDTH + GAP_X) - GAP_X
    for depth, generation in enumerate(generations):
        row = len(generation) * (NODE_WIDTH + GAP_X) - GAP_X
        left = (width - row) / 2
        for index, node_id in enumerate(generation):
            node = nodes[node_id]
            entry = {"id": node_id, **{k: node.get(k) for k in _FIELDS if node.get(k) is not None}}
            entry["x"] = left + index * (NODE_WIDTH + GAP_X)
            entry["y"] = MARGIN + depth * (NODE_HEIGHT + GAP_Y)
            placed.append(entry)
    edges = [
        [node_id, child]
        for node_id, node in nodes.items()
        for child in node.get("children") or []
        if child in nodes
    ]
    height = MARGIN * 2 + max(len(generations), 1) * (NODE_HEIGHT + GAP_Y) - GAP_Y
    meta = obj.get("metadata") or {}
    return {
        "name": meta.get("name"),
        "namespace": meta.get("namespace"),
        "phase": status.get("phase") or "Pending",
        "message": status.get("message"),
        "startedAt": status.get("startedAt"),
        "finishedAt": status.get("finishedAt"),
        "progress": progress(nodes),
        "nodeWidth": NODE_WIDTH,
        "nodeHeight": NODE_HEIGHT,
        "width": width,
        "height": height,
        "nodes": placed,
        "edges": edges,
    }
