"""Node-status offload, the I/O part: the Kubernetes store's chunk reads and writes.

`offload.py` decides the shapes; this writes the pieces a status names before it (only
those not known to be stored: a write of a big map that changed a little writes a
piece or two), deletes the chunks no longer named after that status is stored, and
reads a referenced node map back (a small cache spares re-reading a map this process
wrote or read last: the controller sees its own writes again through its watch).
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from typing import Any

from workflow_engine.errors import AlreadyExists
from workflow_engine.store.kubernetes import offload
from workflow_engine.store.kubernetes.client import Http
from workflow_engine.store.kubernetes.kinds import Resource

CACHE_BYTES = 64 * 1024 * 1024


class Offloader:
    """Chunk I/O for one store; `over`: bytes of node map past which a status is offloaded."""

    def __init__(self, http: Http, chunks: Resource, over: int, chunk_bytes: int) -> None:
        self._http = http
        self._chunks = chunks
        self.over = over
        self.chunk_bytes = chunk_bytes
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str], str] = OrderedDict()  # (uid, version)
        self._cached_bytes = 0
        self._offloaded: set[str] = set()  # uids last seen with a reference
        # uid -> the pieces its last status (written or read) names: they are stored
        self._stored: dict[str, frozenset[str]] = {}

    def prepare(self, stored: dict[str, Any], status: dict[str, Any]) -> offload.Offload | None:
        """Write the chunks `status` needs (before the status write); None: no offload."""
        meta = stored["metadata"]
        planned = offload.plan(status, meta["uid"], self.over, self.chunk_bytes)
        if planned is None:
            return None
        with self._lock:
            known = self._stored.get(meta["uid"], frozenset())
        for chunk in offload.chunk_objects(stored, planned, skip=known):
            self._create(chunk)
        return planned

    def committed(
        self, stored: dict[str, Any], planned: offload.Offload | None, marked: bool = False
    ) -> None:
        """After the status write: remember the map, delete other versions' chunks (all
        of them when the status is back under the threshold and the workflow had some:
        seen offloaded by this process, or `marked` with `OFFLOADED_LABEL`)."""
        meta = stored["metadata"]
        uid, namespace = meta["uid"], meta.get("namespace", "default")
        if planned is None:
            with self._lock:
                was_offloaded = uid in self._offloaded or marked
                self._offloaded.discard(uid)
                self._stored.pop(uid, None)
            if was_offloaded:
                self._delete_chunks(namespace, f"{offload.OWNER_LABEL}={uid}")
            return
        self._remember(uid, planned.version, planned.packed)
        named = frozenset(planned.digests)
        with self._lock:
            before = self._stored.get(uid)
            self._stored[uid] = named
        if before is None:  # not known here: chunks of the earlier form may be left
            self._delete_chunks(namespace, f"{offload.OWNER_LABEL}={uid},{offload.VERSION_LABEL}")
        if before is None or before - named:
            kept = ",".join(sorted(named))
            self._delete_chunks(
                namespace,
                f"{offload.OWNER_LABEL}={uid},{offload.PIECE_LABEL},"
                f"{offload.PIECE_LABEL} notin ({kept})",
            )

    def expand(self, obj: dict[str, Any]) -> dict[str, Any]:
        """`obj` with its node map in place of a reference (unchanged when it has none).
        Raises OffloadMissing when the chunks are gone (a newer write replaced them)."""
        status = obj.get("status")
        version = offload.reference_of(status)
        if version is None or not isinstance(status, dict):
            return obj
        meta = obj["metadata"]
        uid = meta["uid"]
        packed = self._cached(uid, version)
        if packed is None:
            query = [("labelSelector", f"{offload.OWNER_LABEL}={uid}")]
            namespace = meta.get("namespace", "default")
            page = self._http.call(
                "GET",
                self._chunks.collection(namespace),
                f"list node status chunks of {namespace}/{meta['name']}",
                query=query,
            )
            items = page.get("items") or []
            digests = offload.pieces_of(status)
            if digests is None:
                packed = offload.join(items, version)
            else:
                packed = offload.join_pieces(items, digests, version)
                with self._lock:  # a restarted writer need not write them again
                    self._stored.setdefault(uid, frozenset(digests))
            self._remember(uid, version, packed)
        return {**obj, "status": offload.restore(status, packed)}

    # -- internals -----------------------------------------------------------------

    def _create(self, chunk: dict[str, Any]) -> None:
        meta = chunk["metadata"]
        chunk["apiVersion"] = self._chunks.api_version
        what = f"create {offload.CHUNK_KIND} {meta['namespace']}/{meta['name']}"
        # AlreadyExists: same name, same version, so the same data (a retried write)
        with contextlib.suppress(AlreadyExists):
            self._http.call("POST", self._chunks.collection(meta["namespace"]), what, body=chunk)

    def _delete_chunks(self, namespace: str, selector: str) -> None:
        self._http.call(
            "DELETE",
            self._chunks.collection(namespace),
            f"delete old node status chunks in {namespace}",
            query=[("labelSelector", selector)],
        )

    def _cached(self, uid: str, version: str) -> str | None:
        with self._lock:
            packed = self._cache.get((uid, version))
            if packed is not None:
                self._cache.move_to_end((uid, version))
            return packed

    def _remember(self, uid: str, version: str, packed: str) -> None:
        with self._lock:
            self._offloaded.add(uid)
            if (uid, version) not in self._cache:
                self._cache[(uid, version)] = packed
                self._cached_bytes += len(packed)
            while self._cached_bytes > CACHE_BYTES and len(self._cache) > 1:
                _, dropped = self._cache.popitem(last=False)
                self._cached_bytes -= len(dropped)
