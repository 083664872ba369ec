"""Finding workflows by name for the CLI's operations: `@latest`, label selectors,
durations such as `7d`.

Sits under `operations`: small pure helpers plus the store lookups every command
shares.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta

from workflow_engine.errors import NotFound, SpecError
from workflow_engine.store.base import Obj, Store
from workflow_engine.vocabulary import COMPLETED_PHASES

LATEST = "@latest"
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(s|m|h|d|w)$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str, field: str = "duration") -> timedelta:
    """`30s`, `10m`, `1h`, `7d`, `2w` (several parts, like `1h30m`, are summed)."""
    total = 0.0
    rest = text.strip()
    if not rest:
        raise SpecError(field, "empty duration")
    for part in re.findall(r"\d+(?:\.\d+)?[a-z]+|.+", rest):
        match = _DURATION.match(part)
        if not match:
            raise SpecError(field, f"invalid duration {text!r}; use e.g. 30s, 10m, 1h, 7d")
        total += float(match.group(1)) * _UNITS[match.group(2)]
    return timedelta(seconds=total)


def parse_selector(text: str) -> dict[str, str | None]:
    """Kubernetes' equality selector: `a=b,c` (c: the key is present). `a==b` works too."""
    selector: dict[str, str | None] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if "!=" in part:
            raise SpecError("selector", f"{part!r}: only = and presence are supported")
        if "=" in part:
            key, _, value = part.replace("==", "=").partition("=")
            if not key.strip():
                raise SpecError("selector", f"{part!r}: missing label key")
            selector[key.strip()] = value.strip()
        else:
            selector[part] = None
    return selector


def parse_labels(text: str) -> dict[str, str]:
    """`a=b,c=d` -> labels (every entry needs a value)."""
    labels: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise SpecError("labels", f"{part!r}: expected key=value")
        labels[key.strip()] = value.strip()
    return labels


SUBMITTED_AT = "wfengine.io/submitted-at"  # microseconds: creationTimestamp has seconds


def creation_order(obj: Obj) -> tuple[str, str]:
    meta = obj["metadata"]
    stamp = (meta.get("annotations") or {}).get(SUBMITTED_AT, "")
    return (str(meta.get("creationTimestamp") or ""), stamp)


def newest(objs: list[Obj]) -> Obj | None:
    return max(objs, key=creation_order, default=None)


def resolve(store: Store, kind: str, name: str, namespace: str) -> Obj:
    """The object `name` names; `@latest` is the most recently created of `kind`."""
    if name == LATEST:
        found = newest(store.list(kind, namespace).items)
        if found is None:
            raise NotFound(f"no {kind} in namespace {namespace!r}")
        return found
    return store.get(kind, name, namespace)


def matches_phases(obj: Obj, phases: Mapping[str, bool] | None) -> bool:
    if not phases:
        return True
    return bool(phases.get((obj.get("status") or {}).get("phase") or "Pending"))


def is_completed(obj: Obj) -> bool:
    return (obj.get("status") or {}).get("phase") in COMPLETED_PHASES
