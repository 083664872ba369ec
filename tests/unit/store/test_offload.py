"""The pure part of node-status offload (store/kubernetes/offload.py): when a status is
offloaded, how its compressed node map is cut into pieces and joined again, and that a
small change of a big map changes few pieces."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest

from workflow_engine.spec.status_codec import compress_nodes, decompress_nodes
from workflow_engine.store.kubernetes import offload

UID = "0b6a2c1e-7a8e-4f63-9d7a-2f4b9c1d0e11"


def nodes(count: int, phase: str = "Succeeded") -> dict[str, Any]:
    return {
        f"wf-{i}": {"id": f"wf-{i}", "name": f"wf[{i}]", "phase": phase, "type": "Pod"}
        for i in range(count)
    }


def packed_in_runs(node_map: dict[str, Any], run: int = 64) -> str:
    """The map packed as the controller's serializer packs it: one gzip member (no
    mtime) per run of `run` nodes, concatenated, then base64."""
    items = [f"{json.dumps(k)}:{json.dumps(v, separators=(',', ':'))}" for k, v in node_map.items()]
    members = []
    for start in range(0, len(items), run):
        text = ("{" if start == 0 else ",") + ",".join(items[start : start + run])
        text += "}" if start + run >= len(items) else ""
        members.append(gzip.compress(text.encode(), compresslevel=1, mtime=0))
    return base64.b64encode(b"".join(members)).decode()


def owner(name: str = "big") -> dict[str, Any]:
    meta = {"name": name, "namespace": "team", "uid": UID}
    return {"apiVersion": "wfengine.io/v1alpha1", "kind": "Workflow", "metadata": meta}


def planned_of(status: dict[str, Any], chunk_bytes: int = offload.CHUNK_BYTES) -> offload.Offload:
    planned = offload.plan(status, UID, over=0, chunk_bytes=chunk_bytes)
    assert planned is not None
    return planned


@pytest.mark.parametrize(
    ("status", "over", "offloaded"),
    [
        ({"phase": "Running"}, 0, False),
        ({"phase": "Running", "nodes": nodes(3)}, 10_000, False),
        ({"phase": "Running", "nodes": nodes(3)}, 100, True),
        ({"phase": "Running", "compressedNodes": compress_nodes(nodes(400))}, 100, True),
        ({"phase": "Running", "compressedNodes": packed_in_runs(nodes(400))}, 100, True),
    ],
    ids=["no-nodes", "small-plain", "plain-over", "compressed-over", "runs-over"],
)
def test_a_status_is_offloaded_only_past_the_threshold(
    status: dict[str, Any], over: int, offloaded: bool
) -> None:
    planned = offload.plan(status, UID, over=over, chunk_bytes=64)
    assert (planned is not None) is offloaded
    if planned is not None:
        assert planned.status == {
            "phase": "Running",
            offload.OFFLOAD_FIELD: planned.version,
            offload.PIECES_FIELD: list(planned.digests),
        }
        assert offload.pieces_of(planned.status) == planned.digests
        restored = offload.restore(planned.status, planned.packed)
        assert decompress_nodes(restored["compressedNodes"]) == (
            status.get("nodes") or decompress_nodes(status["compressedNodes"])
        )
        assert offload.OFFLOAD_FIELD not in restored
        assert offload.PIECES_FIELD not in restored


@pytest.mark.parametrize("chunk_bytes", [4, 8, 1000, 10**7], ids=["4", "8", "1000", "huge"])
@pytest.mark.parametrize("packing", ["one-member", "runs"])
def test_pieces_join_back_in_any_order_each_within_the_chunk_size(
    chunk_bytes: int, packing: str
) -> None:
    node_map = nodes(300)
    packed = compress_nodes(node_map) if packing == "one-member" else packed_in_runs(node_map)
    planned = planned_of({"compressedNodes": packed}, chunk_bytes)
    assert planned.packed == packed
    chunks = offload.chunk_objects(owner(), planned)
    assert all(len(c["spec"]["data"]) <= chunk_bytes for c in chunks)
    joined = offload.join_pieces(list(reversed(chunks)), planned.digests, planned.version)
    assert joined == packed


def test_a_small_change_of_a_big_map_changes_one_or_two_pieces() -> None:
    """What makes a status write at 100,000 nodes cheap: the pieces the store already
    has are not written again."""
    node_map = nodes(20_000, phase="Pending")
    before = planned_of({"compressedNodes": packed_in_runs(node_map)})
    assert len(before.digests) >= 8  # else the test says nothing
    node_map["wf-12345"] = {**node_map["wf-12345"], "phase": "Succeeded"}
    after = planned_of({"compressedNodes": packed_in_runs(node_map)})
    assert after.version != before.version
    assert 1 <= len(set(after.digests) - set(before.digests)) <= 2
    node_map.update({f"new-{i}": {"id": f"new-{i}", "phase": "Pending"} for i in range(100)})
    grown = planned_of({"compressedNodes": packed_in_runs(node_map)})
    assert 1 <= len(set(grown.digests) - set(after.digests)) <= 3
    assert len(set(after.digests) & set(grown.digests)) >= len(after.digests) - 2


def test_piece_chunks_are_owned_by_the_workflow_labelled_and_skipped_when_stored() -> None:
    planned = planned_of({"compressedNodes": compress_nodes(nodes(200))}, chunk_bytes=400)
    chunks = offload.chunk_objects(owner(), planned)
    assert len(chunks) == len(planned.digests) > 2
    meta = chunks[1]["metadata"]
    digest = planned.digests[1]
    assert meta["name"] == f"big-{digest}-0"
    assert meta["namespace"] == "team"
    assert meta["ownerReferences"] == [
        {"apiVersion": "wfengine.io/v1alpha1", "kind": "Workflow", "name": "big", "uid": UID}
    ]
    assert meta["labels"] == {offload.OWNER_LABEL: UID, offload.PIECE_LABEL: digest}
    assert chunks[1]["spec"] == {
        "workflow": "big",
        "version": digest,
        "index": 0,
        "count": 1,
        "data": planned.pieces[1],
    }
    rest = offload.chunk_objects(owner(), planned, skip={planned.digests[0], digest})
    assert [c["metadata"]["name"] for c in rest] == [c["metadata"]["name"] for c in chunks[2:]]


def test_digests_name_the_bytes_and_the_workflow() -> None:
    packed = compress_nodes(nodes(5))
    version = offload.version_of(UID, packed)
    assert version == offload.version_of(UID, packed)  # a retried write names the same
    assert version != offload.version_of(UID, compress_nodes(nodes(6)))
    assert version != offload.version_of("another-uid", packed)
    assert len(version) == 16 and version.isalnum()
    assert offload.piece_digest(UID, b"x") == offload.piece_digest(UID, b"x")
    assert offload.piece_digest(UID, b"x") != offload.piece_digest("another-uid", b"x")


@pytest.mark.parametrize(
    ("keep", "reason"),
    [
        (lambda chunks: chunks[:-1], "2 of 3 pieces"),
        (lambda chunks: chunks[1:], "2 of 3 pieces"),
        (lambda chunks: [], "0 of 3 pieces"),
    ],
    ids=["last-missing", "first-missing", "none"],
)
def test_a_missing_piece_is_reported_not_joined(keep: Any, reason: str) -> None:
    packed = compress_nodes(nodes(60))
    planned = planned_of({"compressedNodes": packed}, chunk_bytes=len(packed) // 3 + 4)
    chunks = offload.chunk_objects(owner(), planned)
    assert len(chunks) == 3
    with pytest.raises(offload.OffloadMissing, match=reason):
        offload.join_pieces(keep(chunks), planned.digests, planned.version)


def legacy_chunks(packed: str, version: str, size: int) -> list[dict[str, Any]]:
    """Chunks of the earlier form: one version's map cut by size, `index` of `count`."""
    pieces = [packed[i : i + size] for i in range(0, len(packed), size)]
    return [
        {
            "metadata": {"labels": {offload.OWNER_LABEL: UID, offload.VERSION_LABEL: version}},
            "spec": {"version": version, "index": i, "count": len(pieces), "data": piece},
        }
        for i, piece in enumerate(pieces)
    ]


def test_chunks_of_the_earlier_form_are_still_read() -> None:
    first, second = compress_nodes(nodes(10)), compress_nodes(nodes(11))
    mixed = legacy_chunks(first, "v1", 100) + legacy_chunks(second, "v2", 100)
    assert offload.join(list(reversed(mixed)), "v2") == second
    with pytest.raises(offload.OffloadMissing, match="of 3 chunks"):
        offload.join(legacy_chunks(first, "v1", len(first) // 3 + 1)[1:], "v1")


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
    assert offload.pieces_of({offload.OFFLOAD_FIELD: "abc"}) is None
    with pytest.raises(ValueError, match="positive"):
        offload.plan({"nodes": nodes(3)}, UID, over=0, chunk_bytes=0)
