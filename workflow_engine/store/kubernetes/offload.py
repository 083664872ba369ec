"""Node-status offload, the pure part: a workflow's node map stored outside it.

The API server refuses objects over about 1.5 MiB, and a workflow's compressed node
map passes 1 MiB near 24,000 nodes. Past a threshold the Kubernetes store therefore
moves the compressed map (`compressedNodes`, see `spec/status_codec.py`) into
WorkflowNodeChunk objects of its own kind, each well under the limit and owned by
the workflow (deleted with it), and leaves a reference in the status:
`status.offloadNodeStatusVersion`, as Argo names its own (SQL-backed) offload.

A version is a digest of the workflow's uid and the compressed map, so writing the
same map twice names the same chunks. Order of writes (`offloader.py`): the chunks
of a version first, then the status that names it, then the chunks of other versions
are deleted; a crash between two steps leaves at worst unreferenced chunks, which
the next write (or the workflow's deletion) removes. Here: no I/O, only the shapes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from workflow_engine.spec.status_codec import compress_nodes

OFFLOAD_FIELD = "offloadNodeStatusVersion"
CHUNK_KIND = "WorkflowNodeChunk"
OWNER_LABEL = "wfengine.io/offload-of"  # the workflow's uid
VERSION_LABEL = "wfengine.io/offload-version"
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
    """One status write's offload: the chunks' data and the status that names them."""

    version: str
    pieces: tuple[str, ...]
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
    return Offload(version, split(packed, chunk_bytes), with_reference(status, version), packed)


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


def split(packed: str, size: int = CHUNK_BYTES) -> tuple[str, ...]:
    if size <= 0:
        raise ValueError(f"chunk size must be positive, not {size}")
    return tuple(packed[i : i + size] for i in range(0, len(packed), size)) or ("",)


def with_reference(status: Status, version: str) -> Status:
    out = {k: v for k, v in status.items() if k not in ("nodes", "compressedNodes")}
    out[OFFLOAD_FIELD] = version
    return out


def reference_of(status: object) -> str | None:
    """The offload version a stored status names, if it names one."""
    if not isinstance(status, dict):
        return None
    version = status.get(OFFLOAD_FIELD)
    return version if isinstance(version, str) and version else None


def restore(status: Status, packed: str) -> Status:
    """The status readers see: the node map back in `compressedNodes`, no reference."""
    out = {k: v for k, v in status.items() if k != OFFLOAD_FIELD}
    out["compressedNodes"] = packed
    return out


def chunk_name(workflow: str, version: str, index: int) -> str:
    suffix = f"-{version}-{index}"
    if len(workflow) + len(suffix) > _NAME_LIMIT:
        digest = hashlib.sha256(workflow.encode()).hexdigest()[:16]
        workflow = workflow[: _NAME_LIMIT - len(suffix) - 17].rstrip("-.") + "-" + digest
    return workflow + suffix


def chunk_objects(owner: dict[str, Any], offload: Offload) -> list[dict[str, Any]]:
    """The chunk objects of `offload`, owned by the workflow `owner` (its stored form)."""
    meta = owner["metadata"]
    name, uid = meta["name"], meta["uid"]
    reference = {
        "apiVersion": owner["apiVersion"],
        "kind": owner.get("kind", "Workflow"),
        "name": name,
        "uid": uid,
    }
    count = len(offload.pieces)
    return [
        {
            "kind": CHUNK_KIND,
            "metadata": {
                "name": chunk_name(name, offload.version, index),
                "namespace": meta.get("namespace", "default"),
                "labels": {OWNER_LABEL: uid, VERSION_LABEL: offload.version},
                "ownerReferences": [reference],
            },
            "spec": {
                "workflow": name,
                "version": offload.version,
                "index": index,
                "count": count,
                "data": piece,
            },
        }
        for index, piece in enumerate(offload.pieces)
    ]


def join(chunks: list[dict[str, Any]], version: str) -> str:
    """The compressed node map from the chunks of `version` (in any order)."""
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
