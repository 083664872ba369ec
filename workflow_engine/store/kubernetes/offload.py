"""Node-status offload, the pure part: a workflow's node map stored outside it.

The API server refuses objects over about 1.5 MiB, and a workflow's compressed node
map passes 1 MiB near 24,000 nodes. Past a threshold the Kubernetes store therefore
moves the compressed map (`compressedNodes`, see `spec/status_codec.py`) into
WorkflowNodeChunk objects of its own kind, each well under the limit and owned by
the workflow (deleted with it), and leaves a reference in the status:
`status.offloadNodeStatusVersion`, as Argo names its own (SQL-backed) offload.

Pieces: the compressed map is cut into pieces, each its own chunk named by a digest
of its bytes, and the status names the pieces in order (`offloadNodePieces`) beside a
version (a digest of the uid and the whole map). A status write at 100,000 nodes
changes a few nodes, so it writes only the pieces that changed, not the whole map
(about 4.5 MB): the controller's serializer packs the map as one gzip member per run
of 64 nodes (controller/statuscache.py), and pieces are cut at member starts chosen
by the member's own content (its CRC), so a member that changes moves no other
piece's boundary. A piece is at most the chunk size (base64 of its bytes), longer
members are sliced. A map from elsewhere (one member) is sliced by size.

Order of writes (`offloader.py`): the pieces the status names first, then the status,
then the chunks no longer named are deleted; a crash between two steps leaves at
worst unreferenced chunks, which the next write (or the workflow's deletion)
removes. Chunks of the earlier form (one version's map cut by size, `index` of
`count`, no piece list in the status) are still read. Here: no I/O, only the shapes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from dataclasses import dataclass
from typing import Any

from workflow_engine.spec.status_codec import compress_nodes

OFFLOAD_FIELD = "offloadNodeStatusVersion"
PIECES_FIELD = "offloadNodePieces"  # the digests of the map's pieces, in order
CHUNK_KIND = "WorkflowNodeChunk"
OWNER_LABEL = "wfengine.io/offload-of"  # the workflow's uid
VERSION_LABEL = "wfengine.io/offload-version"  # the earlier form's chunks
PIECE_LABEL = "wfengine.io/offload-piece"  # a piece's digest
# A piece ends after a gzip member whose CRC is a multiple of this: about this many
# members (of 64 nodes, about 2 KB) per piece, and a changed member moves one boundary.
PIECE_MEMBERS = 32
# What starts every member of the serializer's map: gzip magic, deflate, no flags, no
# mtime. Found inside deflate data by chance, it only moves a cut.
_MEMBER_START = b"\x1f\x8b\x08\x00\x00\x00\x00\x00"
# On the Workflow while it may have chunks: set with an offloaded status, removed after
# a status back under the threshold had its chunks deleted, so a writer that never saw
# the offloaded status (a controller restarted between those two steps) still knows.
OFFLOADED_LABEL = "wfengine.io/offloaded"
# Past this many bytes of (compressed) node map a status is offloaded.
DEFAULT_OFFLOAD_OVER = 512 * 1024
# Bytes of compressed map per chunk: a third of the API server's 1.5 MiB object limit.
CHUNK_BYTES = 512 * 1024
_NAME_LIMIT = 253

Status = dict[str, Any]


class OffloadMissing(LookupError):
    """The chunks a status names are not (all) there: a newer write replaced them."""


@dataclass(frozen=True)
class Offload:
    """One status write's offload: the pieces' data and the status that names them."""

    version: str
    pieces: tuple[str, ...]  # base64 of each piece's bytes
    digests: tuple[str, ...]  # each piece's name part, in the same order
    status: Status  # the status to store: a reference instead of the node map
    packed: str  # the compressed node map (what `restore` puts back)


def packed_nodes(status: Status) -> str | None:
    """The compressed node map of a wire-form status (None when it has no nodes)."""
    packed = status.get("compressedNodes")
    if isinstance(packed, str) and packed:
        return packed
    nodes = status.get("nodes")
    return compress_nodes(nodes) if nodes else None


def node_bytes(status: Status) -> int:
    """How many bytes the node map takes in the stored object, as it is given."""
    packed = status.get("compressedNodes")
    if isinstance(packed, str):
        return len(packed)
    nodes = status.get("nodes")
    return len(json.dumps(nodes, separators=(",", ":"))) if nodes else 0


def plan(
    status: Status, uid: str, over: int = DEFAULT_OFFLOAD_OVER, chunk_bytes: int = CHUNK_BYTES
) -> Offload | None:
    """The offload of `status` (wire form) when its node map is over `over` bytes."""
    if node_bytes(status) <= over:
        return None
    packed = packed_nodes(status)
    if packed is None:
        return None
    version = version_of(uid, packed)
    if chunk_bytes <= 0:
        raise ValueError(f"chunk size must be positive, not {chunk_bytes}")
    # base64 of at most chunk_bytes // 4 * 3 bytes is at most chunk_bytes characters
    slices = cut(base64.b64decode(packed), max(1, chunk_bytes // 4 * 3))
    pieces = tuple(base64.b64encode(piece).decode() for piece in slices)
    digests = tuple(piece_digest(uid, piece) for piece in slices)
    return Offload(version, pieces, digests, with_reference(status, version, digests), packed)


def cut(raw: bytes, limit: int) -> list[bytes]:
    """`raw` (gzip members one after another) in pieces of at most `limit` bytes, cut at
    the members whose content says so (see the module docstring)."""
    starts = []
    at = raw.find(_MEMBER_START)
    while at >= 0:
        starts.append(at)
        at = raw.find(_MEMBER_START, at + 1)
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    pieces: list[bytes] = []
    begin = 0  # where the piece being built starts
    for start, end in zip(starts, [*starts[1:], len(raw)], strict=True):
        if end - begin > limit and start > begin:  # this member does not fit: cut before
            pieces.append(raw[begin:start])
            begin = start
        while end - begin > limit:  # a member longer than a piece: sliced
            pieces.append(raw[begin : begin + limit])
            begin += limit
        if zlib.crc32(raw[start:end]) % PIECE_MEMBERS == 0:
            pieces.append(raw[begin:end])
            begin = end
    if begin < len(raw) or not pieces:
        pieces.append(raw[begin:])
    return pieces


def piece_digest(uid: str, piece: bytes) -> str:
    """A piece's name part: a digest of the workflow and the piece's bytes."""
    digest = hashlib.sha256(uid.encode())
    digest.update(piece)
    return digest.hexdigest()[:16]


def marked(labels: dict[str, str], offloaded: bool) -> dict[str, str]:
    """The Workflow's labels to write with a status that is (or is not) offloaded."""
    if offloaded:
        return {**labels, OFFLOADED_LABEL: "true"}
    return {k: v for k, v in labels.items() if k != OFFLOADED_LABEL}


def version_of(uid: str, packed: str) -> str:
    """A digest of the workflow and its map (a valid label value and name part)."""
    digest = hashlib.sha256(uid.encode())
    digest.update(packed.encode())
    return digest.hexdigest()[:16]


def with_reference(status: Status, version: str, digests: tuple[str, ...]) -> Status:
    out = {k: v for k, v in status.items() if k not in ("nodes", "compressedNodes")}
    out[OFFLOAD_FIELD] = version
    out[PIECES_FIELD] = list(digests)
    return out


def reference_of(status: object) -> str | None:
    """The offload version a stored status names, if it names one."""
    if not isinstance(status, dict):
        return None
    version = status.get(OFFLOAD_FIELD)
    return version if isinstance(version, str) and version else None


def pieces_of(status: object) -> tuple[str, ...] | None:
    """The pieces a stored status names, in order (None: the earlier form, or none)."""
    digests = status.get(PIECES_FIELD) if isinstance(status, dict) else None
    if not isinstance(digests, list):
        return None
    return tuple(str(d) for d in digests)


def restore(status: Status, packed: str) -> Status:
    """The status readers see: the node map back in `compressedNodes`, no reference."""
    out = {k: v for k, v in status.items() if k not in (OFFLOAD_FIELD, PIECES_FIELD)}
    out["compressedNodes"] = packed
    return out


def chunk_name(workflow: str, version: str, index: int) -> str:
    suffix = f"-{version}-{index}"
    if len(workflow) + len(suffix) > _NAME_LIMIT:
        digest = hashlib.sha256(workflow.encode()).hexdigest()[:16]
        workflow = workflow[: _NAME_LIMIT - len(suffix) - 17].rstrip("-.") + "-" + digest
    return workflow + suffix


def chunk_objects(
    owner: dict[str, Any], offload: Offload, skip: frozenset[str] | set[str] = frozenset()
) -> list[dict[str, Any]]:
    """The chunk objects of `offload`'s pieces (but those whose digest is in `skip`:
    known to be stored), owned by the workflow `owner` (its stored form). A piece's
    spec says its digest as its `version`, and it is one of one."""
    meta = owner["metadata"]
    name, uid = meta["name"], meta["uid"]
    reference = {
        "apiVersion": owner["apiVersion"],
        "kind": owner.get("kind", "Workflow"),
        "name": name,
        "uid": uid,
    }
    objects: dict[str, dict[str, Any]] = {}
    for digest, piece in zip(offload.digests, offload.pieces, strict=True):
        if digest in skip or digest in objects:
            continue
        objects[digest] = {
            "kind": CHUNK_KIND,
            "metadata": {
                "name": chunk_name(name, digest, 0),
                "namespace": meta.get("namespace", "default"),
                "labels": {OWNER_LABEL: uid, PIECE_LABEL: digest},
                "ownerReferences": [reference],
            },
            "spec": {"workflow": name, "version": digest, "index": 0, "count": 1, "data": piece},
        }
    return list(objects.values())


def join_pieces(chunks: list[dict[str, Any]], digests: tuple[str, ...], version: str) -> str:
    """The compressed node map from the pieces `digests` names (chunks in any order)."""
    found: dict[str, str] = {}
    for chunk in chunks:
        digest = ((chunk.get("metadata") or {}).get("labels") or {}).get(PIECE_LABEL)
        if digest in digests:
            found[digest] = str((chunk.get("spec") or {}).get("data") or "")
    missing = [d for d in digests if d not in found]
    if missing:
        raise OffloadMissing(
            f"node status version {version}: {len(digests) - len(missing)} of "
            f"{len(digests)} pieces found"
        )
    raw = b"".join(base64.b64decode(found[d]) for d in digests)
    return base64.b64encode(raw).decode()


def join(chunks: list[dict[str, Any]], version: str) -> str:
    """The compressed node map from the earlier form's chunks of `version` (in any
    order)."""
    pieces: dict[int, str] = {}
    count = None
    for chunk in chunks:
        spec = chunk.get("spec") or {}
        if spec.get("version") != version:
            continue
        pieces[int(spec["index"])] = str(spec.get("data") or "")
        count = int(spec["count"])
    if count is None or sorted(pieces) != list(range(count)):
        raise OffloadMissing(
            f"node status version {version}: {len(pieces)} of {count or '?'} chunks found"
        )
    return "".join(pieces[i] for i in range(count))
