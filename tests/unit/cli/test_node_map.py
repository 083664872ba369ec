"""`wf get`'s node map (cli/node_map.py): a status whose nodes are compressed draws the
same tree as the same status with plain nodes, whatever phases, types, artifacts and
exit handlers it holds, and `--node` finds a node by name or display name in either
form. Pure: statuses built here, rendered to text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cli.format import artifact_rows, render, workflow_details
from cli.node_map import node_map_of
from cli.tree_fold import Fold, find_node
from workflow_engine.spec.status_codec import compress_nodes

NOW = datetime(2026, 1, 1, 0, 10, tzinfo=UTC)
NAME = "w"


def _node(node_id: str, kind: str, phase: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": node_id,
        "name": f"{NAME}.{node_id}" if node_id != NAME else NAME,
        "displayName": node_id,
        "type": kind,
        "templateName": "work",
        "phase": phase,
        "startedAt": "2026-01-01T00:00:00Z",
        **extra,
    }


def _status(children: int, phase: str = "Succeeded", **extra: Any) -> dict[str, Any]:
    kids = {
        f"k{i}": _node(f"k{i}", "Pod", "Running" if i % 7 == 0 else phase, boundaryID=NAME)
        for i in range(children)
    }
    nodes = {NAME: _node(NAME, "DAG", "Running", children=list(kids)), **kids, **extra}
    return {"phase": "Running", "startedAt": "2026-01-01T00:00:00Z", "nodes": nodes}


def _both(status: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    meta = {"name": NAME, "namespace": "default"}
    plain = {"metadata": meta, "status": status}
    packed = {k: v for k, v in status.items() if k != "nodes"}
    packed["compressedNodes"] = compress_nodes(status["nodes"])
    return plain, {"metadata": meta, "status": packed}


ARTIFACT = {"name": "out", "s3": {"key": "w/k1/out.tgz"}}
EXIT = _node("exit", "Pod", "Succeeded", name=f"{NAME}.onExit")

CASES = {
    "small": _status(3),
    "folded": _status(200),
    "phase-argo-does-not-list": _status(40, phase="Weird"),
    "exit-handler": _status(3, exit=EXIT),
    "output-artifacts": _status(
        2, k9=_node("k9", "Pod", "Succeeded", boundaryID=NAME, outputs={"artifacts": [ARTIFACT]})
    ),
}


@pytest.mark.parametrize("status", CASES.values(), ids=CASES.keys())
@pytest.mark.parametrize("wide", [False, True], ids=["tree", "wide"])
def test_compressed_nodes_draw_the_same_tree_as_plain_ones(
    status: dict[str, Any], wide: bool
) -> None:
    plain, packed = _both(status)
    drawn = render(workflow_details(plain, NOW, wide=wide))
    assert render(workflow_details(packed, NOW, wide=wide)) == drawn
    assert " k0 " in drawn


def test_a_folded_group_is_counted_from_the_compressed_map() -> None:
    _, packed = _both(_status(200))
    drawn = render(workflow_details(packed, NOW))
    assert "… 190 more (19 Running, 171 Succeeded)" in drawn


def test_an_exit_handler_is_a_root_in_both_forms() -> None:
    for obj in _both(_status(3, exit=EXIT)):
        assert "exit" in render(workflow_details(obj, NOW))


def test_output_artifacts_are_found_in_the_compressed_map() -> None:
    plain, packed = _both(CASES["output-artifacts"])
    assert artifact_rows(packed) == artifact_rows(plain) == [("k9", "out", "s3: w/k1/out.tgz")]


@pytest.mark.parametrize("selector", ["k5", f"{NAME}.k5"], ids=["display name", "name"])
def test_find_node_by_name_in_either_form(selector: str) -> None:
    for obj in _both(_status(10)):
        nodes = node_map_of(obj["status"])
        assert find_node(nodes, selector) == "k5"
        assert find_node(nodes, "nope") is None
        drawn = render(workflow_details(obj, NOW, fold=Fold(unfolded="k5")))
        assert " k5 " in drawn and " k6 " not in drawn


def test_a_node_is_decoded_whole_when_shown() -> None:
    _, packed = _both(_status(3))
    nodes = node_map_of(packed["status"])
    assert nodes["k1"] == _status(3)["nodes"]["k1"]
    assert len(nodes) == 4 and "k2" in nodes and "zz" not in nodes
    with pytest.raises(KeyError):
        nodes["zz"]
