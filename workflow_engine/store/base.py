"""The Store port: where API objects (Workflow, WorkflowTemplate, ...) live.

Objects are plain dicts in Kubernetes shape (`apiVersion`, `kind`, `metadata`,
`spec`, `status`). Implementations: `sqlite` (embedded) and, later,
`kubernetes` (custom resources). Both pass `tests/contract/store_contract.py`.

Semantics, as the Kubernetes API server has them:
- `create` fills `metadata.uid`, `metadata.creationTimestamp` (RFC 3339, UTC,
  second precision with a `Z`), `metadata.resourceVersion` (a string), and a name
  from `metadata.generateName` (5 random lowercase alphanumerics appended) when
  `name` is absent. A taken name raises AlreadyExists.
- `update` replaces metadata (labels, annotations), spec and everything but
  `status`; `update_status` replaces `status` and, when the caller's object has
  `metadata.labels`, the labels too, in the same write (a controller writes a
  workflow's status and its phase labels once per decision; nothing else of
  metadata changes). Both require the caller's
  `metadata.resourceVersion` to equal the stored one, else Conflict. Both bump
  the resourceVersion and return the stored object (`update_status`'s may share
  the caller's spec, not a copy, when the caller gave the stored one: treat
  returned objects as read-only). `metadata.generation` is 1
  after create and `update` bumps it when anything outside metadata and status
  changes; `uid`, `creationTimestamp`, `name` and `namespace` never change.
- `get`/`delete` of a missing object raise NotFound.
- `list` returns items sorted by (namespace, name); `namespace=None` lists every
  namespace. `label_selector` maps a label key to the value it must equal, or to
  None for "the key is present" (Kubernetes' `a=b,c`).
- `watch` yields every change after `resource_version` (or from now when None),
  in order, until `timeout` seconds pass without a change. A DELETED event
  carries the object as it was, with the resourceVersion of the deletion. A
  watch from a version the store no longer keeps raises `errors.Expired`
  (Kubernetes: 410 Gone): list again and watch from the list's version.
- resourceVersions increase across the whole store (not per object), so a list
  followed by a watch from the list's version misses nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

Obj = dict[str, Any]

WatchEventType = Literal["ADDED", "MODIFIED", "DELETED"]


@dataclass(frozen=True)
class WatchEvent:
    type: WatchEventType
    object: Obj


@dataclass(frozen=True)
class ObjectList:
    items: list[Obj]
    resource_version: str


@runtime_checkable
class SummaryLister(Protocol):
    """A store that keeps each object's summary (the memory and SQLite stores): `list`
    without the spec and without the status fields that grow with the workflow (its
    node map, stored templates). `wf list` reads these instead of whole objects."""

    def list_summaries(
        self,
        kind: str,
        namespace: str | None = "default",
        label_selector: Mapping[str, str | None] | None = None,
    ) -> ObjectList: ...


class Store(Protocol):
    def create(self, obj: Obj) -> Obj: ...

    def get(self, kind: str, name: str, namespace: str = "default") -> Obj: ...

    def list(
        self,
        kind: str,
        namespace: str | None = "default",
        label_selector: Mapping[str, str | None] | None = None,
    ) -> ObjectList: ...

    def update(self, obj: Obj) -> Obj: ...

    def update_status(self, obj: Obj) -> Obj: ...

    def delete(self, kind: str, name: str, namespace: str = "default") -> None: ...

    def watch(
        self,
        kind: str,
        namespace: str | None = "default",
        resource_version: str | None = None,
        timeout: float = 30.0,
    ) -> Iterator[WatchEvent]: ...

    def close(self) -> None: ...
