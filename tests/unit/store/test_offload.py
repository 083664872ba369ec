"""The pure part of node-status offload (store/kubernetes/offload.py): when a status is
offloaded, how its compressed node map is cut into chunks and joined again."""

from __future__ import annotations

from typing import Any

import pytest

from workflow_engine.spec.status_codec import compress_nodes, decompress_nodes
from workflow_engine.store.kubernetes import offload

UID = "0b6a2c1e-7a8e-4f63-9d7a-2f4b9c1d0e11"


def nodes(count: int) -> dict[str, Any]:
    return {
        f"wf-{i}": {"id": f"wf-{i}", "name": f"wf[{i}]", "phase": "Succeeded", "type": "Pod"}
        for i in range(count)
    }


def owner(name: str = "big") -> dict[str, Any]:
    meta = {"name": name, "namespace": "team", "uid": UID}
    return {"apiVersion": "wfengine.io/v1alpha1", "kind": "Workflow", "metadata": meta}


@pytest.mark.parametrize(
    ("status", "over", "offloaded"),
    [
        ({"phase": "Running"}, 0, False),
        ({"phase": "Running", "nodes": nodes(3)}, 10_000, False),
        ({"phase": "Running", "nodes": nodes(3)}, 100, True),
        ({"phase": "Running", "compressedNodes": compress_nodes(nodes(400))}, 100, True),
    ],
    ids=["no-nodes", "small-plain", "plain-over", "compressed-over"],
)
def test_a_status_is_offloaded_only_past_the_threshold(
    status: dict[str, Any], over: int, offloaded: bool
) -> None:
    planned = offload.plan(status, UID, over=over, chunk_bytes=64)
    assert (planned is not None) is offloaded
    if planned is not None:
        assert planned.status == {"phase": "Running", offload.OFFLOAD_FIELD: planned.version}
        restored = offload.restore(planned.status, "".join(planned.pieces))
        assert decompress_nodes(restored["compressedNodes"]) == (
            status.get("nodes") or decompress_nodes(status["compressedNodes"])
        )
        assert offload.OFFLOAD_FIELD not in restored


@pytest.mark.parametrize("chunk_bytes", [1, 7, 1000, 10**7], ids=["1", "7", "1000", "huge"])
def test_chunks_join_back_in_any_order(chunk_bytes: int) -> None:
    status = {"nodes": nodes(50)}
    planned = offload.plan(status, UID, over=0, chunk_bytes=chunk_bytes)
    assert planned is not None
    chunks = offload.chunk_objects(owner(), planned)
    assert all(len(c["spec"]["data"]) <= chunk_bytes for c in chunks)
    assert [c["spec"]["index"] for c in chunks] == list(range(len(chunks)))
    assert offload.join(list(reversed(chunks)), planned.version) == planned.packed
    assert decompress_nodes(planned.packed) == status["nodes"]


def test_chunks_are_owned_by_the_workflow_and_labelled_for_collection() -> None:
    planned = offload.plan({"nodes": nodes(20)}, UID, over=0, chunk_bytes=200)
    assert planned is not None
    chunk = offload.chunk_objects(owner(), planned)[1]
    meta = chunk["metadata"]
    assert meta["name"] == f"big-{planned.version}-1"
    assert meta["namespace"] == "team"
    assert meta["ownerReferences"] == [
        {"apiVersion": "wfengine.io/v1alpha1", "kind": "Workflow", "name": "big", "uid": UID}
    ]
    assert meta["labels"] == {
        offload.OWNER_LABEL: UID,
        offload.VERSION_LABEL: planned.version,
    }


def test_the_version_names_the_map_and_the_workflow() -> None:
    packed = compress_nodes(nodes(5))
    version = offload.version_of(UID, packed)
    assert version == offload.version_of(UID, packed)  # a retried write names the same
    assert version != offload.version_of(UID, compress_nodes(nodes(6)))
    assert version != offload.version_of("another-uid", packed)
    assert len(version) == 16 and version.isalnum()


@pytest.mark.parametrize(
    ("keep", "reason"),
    [
        (lambda chunks: chunks[:-1], "2 of 3"),
        (lambda chunks: chunks[1:], "2 of 3"),
        (lambda chunks: [], "0 of ?"),
    ],
    ids=["last-missing", "first-missing", "none"],
)
def test_a_missing_chunk_is_reported_not_joined(keep: Any, reason: str) -> None:
    planned = offload.plan({"nodes": nodes(30)}, UID, over=0)
    assert planned is not None
    pieces = offload.split(planned.packed, len(planned.packed) // 3 + 1)
    planned = offload.Offload(planned.version, pieces, planned.status, planned.packed)
    chunks = offload.chunk_objects(owner(), planned)
    assert len(chunks) == 3
    with pytest.raises(offload.OffloadMissing, match=reason):
        offload.join(keep(chunks), planned.version)


def test_chunks_of_another_version_are_ignored() -> None:
    first = offload.plan({"nodes": nodes(10)}, UID, over=0)
    second = offload.plan({"nodes": nodes(11)}, UID, over=0)
    assert first is not None and second is not None
    mixed = offload.chunk_objects(owner(), first) + offload.chunk_objects(owner(), second)
    assert offload.join(mixed, second.version) == second.packed


def test_a_long_workflow_name_still_makes_a_valid_chunk_name() -> None:
    long_a, long_b = "a" * 250, "a" * 249 + "b"
    name_a = offload.chunk_name(long_a, "0123456789abcdef", 12)
    name_b = offload.chunk_name(long_b, "0123456789abcdef", 12)
    assert len(name_a) <= 253 and name_a.endswith("-0123456789abcdef-12")
    assert name_a != name_b


def test_the_reference_is_read_only_from_a_status_that_names_one() -> None:
    assert offload.reference_of({offload.OFFLOAD_FIELD: "abc"}) == "abc"
    assert offload.reference_of({"phase": "Running"}) is None
    assert offload.reference_of(None) is None
    with pytest.raises(ValueError, match="positive"):
        offload.split("abc", 0)
