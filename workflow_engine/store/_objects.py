"""Object bookkeeping shared by the store implementations (no I/O).

Sits under the memory and SQLite stores: the API-server rules of
`store/base.py` (what create fills in, what update and update_status may
change, names, label selection) written once, so the two cannot drift apart.
(The Kubernetes store gets these rules from the API server itself.) The stores
keep objects as JSON text and parse a fresh copy for every caller, so a
returned dict never aliases the stored one.
"""

from __future__ import annotations

import functools
import gc
import json
import random
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from workflow_engine.errors import Conflict, SpecError
from workflow_engine.store.base import Obj

if TYPE_CHECKING:
    import msgspec

DEFAULT_NAMESPACE = "default"

# Kubernetes' generateName alphabet: no vowels (no accidental words), no 0/1/3.
_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_SUFFIX_LENGTH = 5
_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_MAX_NAME = 253
_LABEL_KEY_RE = re.compile(
    r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
)

Key = tuple[str, str, str]
LabelSelector = Mapping[str, str | None]


def utc_now() -> datetime:
    """The default clock of the stores."""
    return datetime.now(UTC)


def timestamp(moment: datetime) -> str:
    """RFC 3339, UTC, second precision, with a `Z` (as the API server writes it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# msgspec's JSON codec: the same compact JSON as `json` with `separators=(",", ":")`
# and `ensure_ascii=False`, at a fraction of the CPU per write and per read (NaN and
# infinities, which JSON has not, become null); what it does not encode, and texts it
# does not parse (NaN written by earlier versions), go through `json`.
# msgspec loads on first use: `wf --help` imports this module and writes nothing.


@functools.cache
def _codec() -> tuple[msgspec.json.Encoder, msgspec.json.Decoder[Any]]:
    import msgspec

    return msgspec.json.Encoder(), msgspec.json.Decoder()


def dumps(obj: Any) -> str:
    try:
        return _codec()[0].encode(obj).decode()
    except (TypeError, ValueError, OverflowError, _errors()[0]):
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


# A big text decodes into many containers, and the cyclic garbage collector, set off
# by their allocations, walks them again and again: most of the CPU of decoding a
# multi-MiB spec. Parsed JSON holds no cycle, so a big decode runs with it paused.
_PAUSE_GC_FROM = 256 * 1024


def loads(text: str) -> Obj:
    paused = len(text) >= _PAUSE_GC_FROM and gc.isenabled()
    if paused:
        gc.disable()
    try:
        obj: Obj = _codec()[1].decode(text)
    except _errors()[1]:
        obj = json.loads(text)
    finally:
        if paused:
            gc.enable()
    return obj


@functools.cache
def _errors() -> tuple[type[Exception], type[Exception]]:
    import msgspec

    return msgspec.EncodeError, msgspec.DecodeError


def kind_and_namespace(obj: Obj) -> tuple[str, str]:
    kind = obj.get("kind")
    if not isinstance(kind, str) or not kind:
        raise SpecError("kind", "is required")
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        raise SpecError("metadata", "is required")
    return kind, namespace_of(meta)


def key_of(obj: Obj) -> Key:
    """(kind, namespace, name) of an object that must already carry a name."""
    kind, namespace = kind_and_namespace(obj)
    name = obj["metadata"].get("name")
    if not isinstance(name, str) or not name:
        raise SpecError("metadata.name", "is required")
    return kind, namespace, name


def namespace_of(meta: Mapping[str, Any]) -> str:
    namespace = meta.get("namespace") or DEFAULT_NAMESPACE
    if not isinstance(namespace, str) or not _NAME_RE.match(namespace):
        raise SpecError("metadata.namespace", f"invalid namespace {namespace!r}")
    return namespace


def check_name(name: str) -> None:
    if len(name) > _MAX_NAME or not _NAME_RE.match(name):
        raise SpecError(
            "metadata.name",
            f"invalid name {name!r}: lowercase letters, digits, '-' and '.', "
            f"starting and ending with a letter or digit, at most {_MAX_NAME} characters",
        )


def candidate_name(obj: Obj, rng: random.Random) -> str:
    """The name to create under: `metadata.name`, or `generateName` plus a random suffix."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        raise SpecError("metadata", "is required")
    name = meta.get("name")
    if not name:
        prefix = meta.get("generateName")
        if not isinstance(prefix, str) or not prefix:
            raise SpecError("metadata.name", "name or generateName is required")
        name = prefix + "".join(rng.choice(_SUFFIX_ALPHABET) for _ in range(_SUFFIX_LENGTH))
    if not isinstance(name, str):
        raise SpecError("metadata.name", "must be a string")
    check_name(name)
    return name


def is_generated(obj: Obj) -> bool:
    meta = obj.get("metadata") or {}
    return not meta.get("name") and bool(meta.get("generateName"))


# The builders below return new top-level dicts that may share deeper parts with
# their inputs: the stores serialise the result at once and hand callers a fresh
# parse, so nothing shared ever escapes (and a deep copy would double the cost).


def new_object(obj: Obj, *, name: str, resource_version: int, created: datetime) -> Obj:
    """`obj` as create stores it: identity and bookkeeping filled in."""
    meta = dict(obj["metadata"])
    meta["name"] = name
    meta["namespace"] = namespace_of(meta)
    meta["uid"] = str(uuid.uuid4())
    meta["creationTimestamp"] = timestamp(created)
    meta["resourceVersion"] = str(resource_version)
    meta["generation"] = 1
    return {**obj, "metadata": meta}


def check_version(stored: Obj, obj: Obj) -> None:
    """Optimistic concurrency: the caller must have read the latest version."""
    given = (obj.get("metadata") or {}).get("resourceVersion")
    current = stored["metadata"]["resourceVersion"]
    if given != current:
        kind, namespace, name = key_of(stored)
        raise Conflict(
            f"{kind} {namespace}/{name}: resourceVersion {given!r} is stale "
            f"(stored: {current!r}); read it again"
        )


_IMMUTABLE_META = ("name", "namespace", "uid", "creationTimestamp")


def updated_object(stored: Obj, obj: Obj, resource_version: int) -> Obj:
    """What `update` stores: the caller's object, the stored status and identity."""
    new = {k: v for k, v in obj.items() if k != "status"}
    if "status" in stored:
        new["status"] = stored["status"]
    meta = dict(new.get("metadata") or {})
    old_meta = stored["metadata"]
    for field in _IMMUTABLE_META:
        if field in old_meta:
            meta[field] = old_meta[field]
    generation = int(old_meta.get("generation", 1))
    if _body(new) != _body(stored):
        generation += 1
    meta["generation"] = generation
    meta["resourceVersion"] = str(resource_version)
    new["metadata"] = meta
    return new


def status_updated_object(stored: Obj, obj: Obj, resource_version: int) -> Obj:
    """What `update_status` stores: the stored object with the caller's status, and
    the caller's labels when it gives `metadata.labels`."""
    new = {k: v for k, v in stored.items() if k != "status"}
    if "status" in obj:
        new["status"] = obj["status"]
    meta = {**stored["metadata"], "resourceVersion": str(resource_version)}
    labels = (obj.get("metadata") or {}).get("labels")
    if labels is not None:
        meta["labels"] = dict(labels)
    new["metadata"] = meta
    return new


def deleted_object(stored: Obj, resource_version: int) -> Obj:
    return {**stored, "metadata": {**stored["metadata"], "resourceVersion": str(resource_version)}}


def _body(obj: Obj) -> Obj:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status")}


def labels_of(obj: Obj) -> dict[str, str]:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    if not isinstance(labels, dict):
        raise SpecError("metadata.labels", "must be a mapping")
    for key, value in labels.items():
        if not isinstance(value, str):
            raise SpecError(f"metadata.labels.{key}", "must be a string")
    return labels


def check_selector(selector: LabelSelector | None) -> None:
    for key, value in (selector or {}).items():
        if not _LABEL_KEY_RE.match(key):
            raise SpecError("labelSelector", f"invalid label key {key!r}")
        if value is not None and not isinstance(value, str):
            raise SpecError("labelSelector", f"value of {key!r} must be a string or None")


def matches(labels: Mapping[str, str], selector: LabelSelector | None) -> bool:
    """Equality per key; a None value only asks that the key be present."""
    for key, value in (selector or {}).items():
        if key not in labels:
            return False
        if value is not None and labels[key] != value:
            return False
    return True


def parse_version(resource_version: str) -> int:
    """Our resourceVersions are decimal integers inside; callers treat them as opaque."""
    try:
        number = int(resource_version)
    except (TypeError, ValueError):
        raise ValueError(f"not a resourceVersion of this store: {resource_version!r}") from None
    if number < 0:
        raise ValueError(f"not a resourceVersion of this store: {resource_version!r}")
    return number


Clock = Callable[[], datetime]


# What a listing needs of a status (`wf list`): everything but these, which grow with
# the workflow (the node map, plain or compressed, and the stored templates).
_HEAVY_STATUS = frozenset(
    {
        "nodes",
        "compressedNodes",
        "offloadNodePieces",  # the pieces of an offloaded map (store/kubernetes/offload.py)
        "storedTemplates",
        "storedWorkflowTemplateSpec",
    }
)


def summary_of(obj: Obj) -> Obj:
    """The object without its body and without the status fields that grow with it:
    what `list_summaries` returns, computed once per write."""
    out: Obj = {k: obj[k] for k in ("apiVersion", "kind", "metadata") if k in obj}
    if "status" in obj:
        status = obj["status"]
        out["status"] = (
            {k: v for k, v in status.items() if k not in _HEAVY_STATUS}
            if isinstance(status, dict)
            else status
        )
    return out


def head_of(obj: Obj) -> Obj:
    """The part of an object a status write changes: metadata and status."""
    return {k: obj[k] for k in ("metadata", "status") if k in obj}


def join(head: Obj, body: Obj) -> Obj:
    """An object again from `head_of` and `_body` parts, in the API's key order."""
    out: Obj = {k: body[k] for k in ("apiVersion", "kind") if k in body}
    out["metadata"] = head["metadata"]
    out.update((k, v) for k, v in body.items() if k not in out)
    if "status" in head:
        out["status"] = head["status"]
    return out


def body_of(obj: Obj) -> Obj:
    """Everything outside metadata and status: what `metadata.generation` versions."""
    return _body(obj)


def shell_of(obj: Obj) -> Obj:
    """The small part of an object that is neither body nor status: apiVersion, kind
    and metadata (what the SQLite store keeps per object, beside its generation)."""
    return {k: obj[k] for k in _SHELL if k in obj}


_SHELL = ("apiVersion", "kind", "metadata")


def encode(obj: Obj) -> tuple[str, str, str]:
    """The JSON texts of `obj`'s `shell_of` (what the SQLite store keeps per object),
    of its `head_of` (metadata and status: the change log's entry, which holds the
    status) and of its `summary_of`, each of those top-level fields encoded once (the
    texts equal `dumps` of each; the body is not encoded here: the store writes it once
    per generation)."""
    parts = {key: dumps(obj[key]) for key in (*_SHELL, "status") if key in obj}

    def text(keys: Iterable[str]) -> str:
        return "{" + ",".join(f"{_key(k)}:{parts[k]}" for k in keys if k in parts) + "}"

    shell, head = text(_SHELL), text(("metadata", "status"))
    status = obj.get("status")
    if isinstance(status, dict) and _HEAVY_STATUS.intersection(status):
        parts["status"] = dumps({k: v for k, v in status.items() if k not in _HEAVY_STATUS})
    return shell, head, text((*_SHELL, "status"))


_KEYS = {k: json.dumps(k) for k in ("apiVersion", "kind", "metadata", "spec", "status")}


def _key(key: str) -> str:
    """A top-level key as JSON (the usual ones precomputed)."""
    return _KEYS.get(key) or json.dumps(key)


def assemble(shell: str, body: str | None, head: str | None) -> Obj:
    """An object again from its stored texts: its `shell`, its `body` (the `specs` row
    of its generation; None: none is stored) and the `head` of its latest change (None:
    it has no status). Metadata comes from the shell, status from the head."""
    parts = loads(shell)
    if head is not None:
        latest = loads(head)
        if "status" in latest:
            parts["status"] = latest["status"]
    out = join(parts, loads(body) if body is not None else {})
    for key in ("apiVersion", "kind"):
        if key in parts and key not in out:
            out[key] = parts[key]
    return out
