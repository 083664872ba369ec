"""Compare the desired state of an object with the live one (pure).

`apply.plan` gives this module, for each object of an environment, the live object and
what the API server would make of our manifest (a server-side-apply dry run, so
defaults and other managers' fields are already filled in); this module drops what the
server owns (status, resourceVersion, managedFields, ...) and lists the fields that
differ. The result is an `ObjectDiff` per object: added, changed, removed or in sync.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

Action = Literal["added", "changed", "removed", "unchanged"]

# Written by the API server or controllers, never by git.
SERVER_METADATA = (
    "resourceVersion",
    "uid",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "ownerReferences",
)
SERVER_ANNOTATIONS = (
    "deployment.kubernetes.io/revision",
    "kubectl.kubernetes.io/last-applied-configuration",
)


@dataclass(frozen=True)
class ObjectDiff:
    key: str  # Kind/namespace/name
    action: Action
    changes: tuple[str, ...] = field(default=())  # "spec.replicas: 2 -> 5"

    @property
    def in_sync(self) -> bool:
        return self.action == "unchanged"

    def to_dict(self) -> dict[str, Any]:
        return {"object": self.key, "action": self.action, "changes": list(self.changes)}


def normalize(obj: dict[str, Any]) -> dict[str, Any]:
    """`obj` without the fields the server or controllers own."""
    out = {k: v for k, v in obj.items() if k != "status"}
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in SERVER_METADATA}
    annotations = {
        k: v for k, v in (meta.get("annotations") or {}).items() if k not in SERVER_ANNOTATIONS
    }
    meta.pop("annotations", None)
    if annotations:
        meta["annotations"] = annotations
    if not meta.get("labels"):
        meta.pop("labels", None)
    out["metadata"] = meta
    return out


def compare(key: str, desired: dict[str, Any] | None, live: dict[str, Any] | None) -> ObjectDiff:
    """The difference between `desired` (None: gone from git) and `live` (None: absent)."""
    if desired is None and live is None:
        return ObjectDiff(key, "unchanged")
    if live is None:
        return ObjectDiff(key, "added")
    if desired is None:
        return ObjectDiff(key, "removed")
    changes = tuple(field_changes(normalize(live), normalize(desired)))
    return ObjectDiff(key, "changed" if changes else "unchanged", changes)


def field_changes(live: Any, desired: Any, path: str = "") -> list[str]:
    """`path: live -> desired` for every leaf that differs (lists compared by index)."""
    if isinstance(live, dict) and isinstance(desired, dict):
        out: list[str] = []
        for k in sorted(set(live) | set(desired), key=str):
            sub = f"{path}.{k}" if path else str(k)
            out.extend(field_changes(live.get(k, _ABSENT), desired.get(k, _ABSENT), sub))
        return out
    if isinstance(live, list) and isinstance(desired, list) and len(live) == len(desired):
        out = []
        for i, (a, b) in enumerate(zip(live, desired, strict=True)):
            out.extend(field_changes(a, b, f"{path}[{i}]"))
        return out
    if live == desired:
        return []
    return [f"{path}: {_show(live)} -> {_show(desired)}"]


class _Absent:
    def __repr__(self) -> str:
        return "(absent)"


_ABSENT: Any = _Absent()


def _show(value: Any) -> str:
    if value is _ABSENT:
        return "(absent)"
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


def summary(diffs: list[ObjectDiff]) -> dict[str, int]:
    """How many objects are added, changed, removed and unchanged."""
    counts = {"added": 0, "changed": 0, "removed": 0, "unchanged": 0}
    for d in diffs:
        counts[d.action] += 1
    return counts


def format_diffs(diffs: list[ObjectDiff], *, show_unchanged: bool = False) -> str:
    """One line per object (`+` added, `~` changed, `-` removed), its changed fields under it."""
    marks = {"added": "+", "changed": "~", "removed": "-", "unchanged": "="}
    lines: list[str] = []
    for d in diffs:
        if d.in_sync and not show_unchanged:
            continue
        lines.append(f"{marks[d.action]} {d.key} ({d.action})")
        lines.extend(f"    {change}" for change in d.changes)
    return "\n".join(lines) if lines else "no differences"
