"""The node-caching status serializer equals the codec's uncompressed form."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime, timedelta

import pytest

from workflow_engine.controller.operations import expand_nodes
from workflow_engine.controller.statuscache import BLOCK, CHUNK, StatusSerializer
from workflow_engine.engine import CreatePod, Observed, PodState, TaskResult, operate
from workflow_engine.engine.node_index import NameIds, NodeIndex, NodeMap, index_of, next_serial
from workflow_engine.spec.models import NodeStatus, Outputs, Workflow, WorkflowStatus
from workflow_engine.spec.status_codec import status_from_dict, status_to_dict

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def status(nodes: dict[str, NodeStatus]) -> WorkflowStatus:
    return WorkflowStatus(phase="Running", started_at=NOW, nodes=nodes, progress="0/2")


def node(node_id: str, phase: str = "Pending") -> NodeStatus:
    return NodeStatus(id=node_id, name=node_id, display_name=node_id, type="Pod", phase=phase)


def test_equals_the_codec_and_follows_changed_nodes() -> None:
    serialize = StatusSerializer()
    a, b = node("a"), node("b")
    first = status({"a": a, "b": b})
    assert serialize(first) == status_to_dict(first, max_node_bytes=10**9)
    b2 = b.with_phase("Running", NOW).with_outputs(Outputs(result="x"))
    second = first.model_copy(update={"nodes": {"a": a, "b": b2}})
    assert serialize(second) == status_to_dict(second, max_node_bytes=10**9)
    assert serialize(second)["nodes"]["b"]["phase"] == "Running"


def test_an_empty_status() -> None:
    assert StatusSerializer()(WorkflowStatus()) == status_to_dict(WorkflowStatus())


def test_the_cache_starts_again_past_its_limit() -> None:
    serialize = StatusSerializer(limit=1)
    nodes = {f"n{i}": node(f"n{i}") for i in range(3)}
    serialize(status(nodes))
    assert serialize(status(nodes)) == status_to_dict(status(nodes), max_node_bytes=10**9)


def test_large_node_maps_are_compressed_and_read_back() -> None:
    serialize = StatusSerializer(compress_over=100)
    original = status({f"n{i}": node(f"n{i}") for i in range(20)})
    wire = serialize(original)
    assert "nodes" not in wire and wire["compressedNodes"]
    assert status_from_dict(wire) == status_from_dict(status_to_dict(original, 10**9))
    obj = expand_nodes({"status": wire})
    assert obj["status"]["nodes"] == status_to_dict(original, 10**9)["nodes"]


@pytest.mark.parametrize(
    ("count", "change"),
    [
        (200, "none"),
        (200, "first-node"),
        (200, "last-node"),
        (200, "append-one"),
        (128, "append-one"),  # the closing run was full: a new run starts
        (65, "drop-last"),
    ],
    ids=lambda v: str(v),
)
def test_compressed_runs_follow_every_change(count: int, change: str) -> None:
    serialize = StatusSerializer(compress_over=100)
    nodes = {f"n{i}": node(f"n{i}") for i in range(count)}
    serialize(status(nodes))
    if change == "first-node":
        nodes["n0"] = nodes["n0"].with_phase("Running", NOW)
    elif change == "last-node":
        nodes[f"n{count - 1}"] = nodes[f"n{count - 1}"].with_phase("Running", NOW)
    elif change == "append-one":
        nodes[f"n{count}"] = node(f"n{count}")
    elif change == "drop-last":
        del nodes[f"n{count - 1}"]
    changed = status(dict(nodes))
    wire = serialize(changed)
    assert (
        expand_nodes({"status": wire})["status"]["nodes"]
        == (status_to_dict(changed, 10**9)["nodes"])
    )


def test_unchanged_runs_are_not_compressed_again() -> None:
    serialize = StatusSerializer(compress_over=100)
    nodes = {f"n{i}": node(f"n{i}") for i in range(CHUNK * 3)}
    first = serialize(status(nodes))["compressedNodes"]
    nodes["n0"] = nodes["n0"].with_phase("Running", NOW)
    second = serialize(status(dict(nodes)))["compressedNodes"]
    # the first run changed; the two later ones are the same text (each run's bytes
    # are a multiple of 3, so each run is base64-encoded alone)
    assert first != second
    assert "=" not in first and "=" not in second
    same_tail = len(os.path.commonprefix([first[::-1], second[::-1]]))  # noqa: RUF071
    assert same_tail >= len(first) // 2


def test_a_long_children_list_is_compressed_in_blocks() -> None:
    """A node with BLOCK children or more (a loop's TaskGroup) has its children in
    blocks compressed once each: a child added leaves the full blocks' bytes as they
    were, and the map reads back the same."""
    serialize = StatusSerializer(compress_over=0)
    kids = [f"k{i}" for i in range(BLOCK * 3 + 5)]
    group = NodeStatus(id="g", name="g", display_name="g", type="TaskGroup", children=kids)
    nodes = {"g": group, "a": node("a")}
    first = serialize(status(nodes))
    assert status_from_dict(first) == status_from_dict(status_to_dict(status(nodes), 10**9))
    nodes["g"] = group.model_copy(update={"children": [*kids, "new"]})
    second = serialize(status(dict(nodes)))
    assert (
        status_from_dict(second).nodes
        == status_from_dict(status_to_dict(status(nodes), 10**9)).nodes
    )
    packed = [base64.b64decode(w["compressedNodes"]) for w in (first, second)]
    assert len(os.path.commonprefix(packed)) > len(packed[0]) * 3 // 4  # noqa: RUF071
    assert packed[0] != packed[1]


def _loop_workflow(count: int, parallelism: int) -> Workflow:
    loop = {"name": "t", "template": "c", "withSequence": {"count": str(count)}}
    steps = [[{"name": "first", "template": "c"}], [loop], [{"name": "last", "template": "c"}]]
    return Workflow.model_validate(
        {
            "metadata": {"name": "big", "namespace": "default"},
            "spec": {
                "entrypoint": "main",
                "parallelism": parallelism,
                "templates": [
                    {"name": "main", "steps": steps},
                    {"name": "c", "container": {"image": "x"}},
                ],
            },
        }
    )


@pytest.mark.parametrize(("count", "parallelism"), [(150, 7), (200, 64), (BLOCK + 100, 64)])
def test_the_packing_from_the_last_decision_equals_a_whole_packing(
    count: int, parallelism: int
) -> None:
    """Decisions of a growing workflow: the serializer that re-encodes only the runs
    the call changed (from its packing of the map the call started from) writes what a
    fresh serializer packing the whole map writes, also after a decision that was
    thrown away (a lost write conflict) and for a map serialized twice."""
    wf = _loop_workflow(count, parallelism)
    kept = StatusSerializer()
    pods: dict[str, PodState] = {}
    results: dict[str, TaskResult] = {}
    now, incremental = NOW, 0
    for call in range(200):
        observed = Observed(pods=dict(pods), results=dict(results))
        if call % 5 == 3:
            kept(operate(wf, observed, now).status)  # thrown away
        decision = operate(wf, observed, now)
        index = index_of(decision.status.nodes)
        incremental += index is not None and index.parent is not None
        written = kept(decision.status)
        assert written == StatusSerializer()(decision.status)
        assert kept(decision.status) == written
        whole = status_to_dict(decision.status, max_node_bytes=10**9)
        assert expand_nodes({"status": written})["status"] == whole
        wf = wf.model_copy(update={"status": decision.status})
        if decision.status.phase == "Succeeded":
            break
        for action in decision.actions:
            if isinstance(action, CreatePod):
                pods[action.pod_name] = PodState(name=action.pod_name, phase="Succeeded")
                results[action.node_id] = TaskResult(action.node_id, Outputs(exit_code="0"))
        now += timedelta(seconds=1)
    assert wf.status is not None and wf.status.phase == "Succeeded"
    assert "compressedNodes" in written
    assert incremental > 3


def _indexed(nodes: dict[str, NodeStatus], parent: int | None, touched: list[str]) -> NodeMap:
    """A node map as `operate()` returns it: with an index naming its parent map."""
    mapped = NodeMap(nodes)
    mapped.index = NodeIndex(
        size=len(nodes),
        ids=NameIds(),
        unfinished={},
        pods=0,
        pods_done=0,
        active_pods=0,
        active_children={},
        failed_children={},
        daemons=set(),
        serial=next_serial(),
        parent=parent,
        touched=tuple(touched),
    )
    return mapped


@pytest.mark.parametrize("added", [1, CHUNK, CHUNK + 3])
def test_nodes_added_past_the_run_that_closed_the_map(added: int) -> None:
    """The run that ended the map is re-encoded when nodes are added after it, even
    when the call put none of its nodes."""
    serialize = StatusSerializer(compress_over=0)
    first = {f"n{i}": node(f"n{i}") for i in range(CHUNK)}
    one = _indexed(first, None, [])
    serialize(status({}).model_copy(update={"nodes": one}))
    assert one.index is not None
    more = {f"m{i}": node(f"m{i}") for i in range(added)}
    two = _indexed({**first, **more}, one.index.serial, list(more))
    second = status({}).model_copy(update={"nodes": two})  # as operate() returns it
    written = serialize(second)
    assert written == StatusSerializer(compress_over=0)(second)
    assert list(expand_nodes({"status": written})["status"]["nodes"]) == list(two)
