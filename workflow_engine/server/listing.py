"""Lists as Argo Server returns them: label selectors, name filters, pages
(`listOptions.limit` / `listOptions.continue`) and the `fields` projection.

Pure functions over the store's items. Pages are keyed, not offset: the continue token
names the last item's sort key (newest first, then namespace and name), so workflows
created while a client pages through never shift or repeat what it sees.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any

from workflow_engine.controller.names import creation_order
from workflow_engine.errors import SpecError

Obj = dict[str, Any]
SortKey = tuple[str, str, str, str]


def sort_key(obj: Obj) -> SortKey:
    meta = obj["metadata"]
    created, submitted = creation_order(obj)
    return (created, submitted, str(meta.get("namespace") or ""), str(meta["name"]))


def encode_continue(key: SortKey) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode()


def decode_continue(token: str) -> SortKey:
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        key = None
    if not (isinstance(key, list) and len(key) == 4 and all(isinstance(k, str) for k in key)):
        raise SpecError("listOptions.continue", "invalid continue token")
    return (key[0], key[1], key[2], key[3])


def page(items: Sequence[Obj], limit: int | None, token: str | None) -> tuple[list[Obj], str]:
    """Items newest first, after `token`, at most `limit` of them; the second value is
    the token of the next page ("" on the last)."""
    if limit is not None and limit < 0:
        raise SpecError("listOptions.limit", "must not be negative")
    ordered = sorted(items, key=sort_key, reverse=True)
    if token:
        after = decode_continue(token)
        ordered = [o for o in ordered if sort_key(o) < after]
    if not limit or len(ordered) <= limit:
        return ordered, ""
    return ordered[:limit], encode_continue(sort_key(ordered[limit - 1]))


def name_filter(items: list[Obj], pattern: str | None, mode: str | None = None) -> list[Obj]:
    """Argo's `nameFilter`: Exact, Prefix or Contains (the default) on the name."""
    if not pattern:
        return items
    mode = (mode or "Contains").lower()
    text: str = pattern
    checks: dict[str, Callable[[str], bool]] = {
        "exact": lambda n: n == text,
        "prefix": lambda n: n.startswith(text),
        "contains": lambda n: text in n,
    }
    if mode not in checks:
        raise SpecError("nameFilter", f"{mode!r}: expected Exact, Prefix or Contains")
    return [o for o in items if checks[mode](o["metadata"]["name"])]


def project(obj: Obj, fields: str | None, prefix: str = "") -> Obj:
    """Argo's `fields`: `a.b,c` keeps only those paths; a leading `-` drops them
    instead. `prefix` ("items.") is stripped from each path for list items."""
    if not fields:
        return obj
    text = fields.strip()
    exclude = text.startswith("-")
    paths = [
        p.strip().removeprefix(prefix).split(".")
        for p in text.lstrip("-").split(",")
        if p.strip() and (not prefix or p.strip().startswith(prefix))
    ]
    if exclude:
        result: Obj = json.loads(json.dumps(obj))
        for path in paths:
            _drop(result, path)
        return result
    kept: Obj = {}
    for path in paths:
        _keep(obj, kept, path)
    return kept


def _drop(obj: Any, path: list[str]) -> None:
    for part in path[:-1]:
        if not isinstance(obj, dict) or part not in obj:
            return
        obj = obj[part]
    if isinstance(obj, dict):
        obj.pop(path[-1], None)


def _keep(source: Any, target: Obj, path: list[str]) -> None:
    for part in path[:-1]:
        if not isinstance(source, dict) or part not in source:
            return
        source = source[part]
        target = target.setdefault(part, {})
        if not isinstance(target, dict):
            return
    if isinstance(source, dict) and path[-1] in source:
        target[path[-1]] = source[path[-1]]


def wants_nodes(fields: str | None) -> bool:
    """Does the projection keep `status.nodes` (so nodes must be expanded)?"""
    if not fields:
        return True
    text = fields.strip()
    if text.startswith("-"):
        return "status.nodes" not in text and "items.status.nodes" not in text
    return any(
        p.strip().removeprefix("items.") in ("status", "status.nodes", "status.progress")
        for p in text.split(",")
    )
