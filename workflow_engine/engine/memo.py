"""Memoization (Argo's template `memoize`), the engine's half.

```yaml
memoize:
  key: "{{inputs.parameters.n}}"
  maxAge: 1h            # optional: older entries are misses
  cache: {configMap: {name: my-cache}}
```

The cache is a ConfigMap: one data key per memoize key, its value the JSON of an entry
(`nodeID`, `outputs`, `creationTimestamp`, `lastHitTimestamp`), as Argo writes it. The
engine reads it from `Observed.caches` (name -> the ConfigMap's data); one it has not
been given yet stops the call with `CachesNeeded`, and the controller fetches it and
calls again (as for WorkflowTemplates). A hit creates the node Succeeded with the
cached outputs, and no pod; a miss runs the node, and when it succeeds a `SaveMemo`
action asks the controller to store its outputs. Either way the node carries Argo's
`memoizationStatus: {hit, key, cacheName}`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from workflow_engine.engine.durations import BadDuration, parse_duration
from workflow_engine.spec.models import KubeObject, Outputs, parse_time


class CachesNeeded(Exception):
    """The call needs a memoization cache (ConfigMap) it was not given. Not a
    WorkflowEngineError: nothing in the engine may catch it but `operate()`."""

    def __init__(self, name: str) -> None:
        super().__init__(f"memoization cache {name!r} was not read")
        self.name = name


class MemoSpecError(ValueError):
    """A `memoize` block that cannot be used (no key, no cache name, bad maxAge)."""


@dataclass(frozen=True)
class SaveMemo:
    """Store `outputs` under `key` in the ConfigMap `cache` (created if missing)."""

    cache: str
    key: str
    node_id: str
    outputs: Outputs | None


@dataclass(frozen=True)
class Memo:
    key: str
    cache: str
    max_age: float | None


def memo_of(block: Mapping[str, Any]) -> Memo:
    """The substituted `memoize` block's fields."""
    key = block.get("key")
    if not isinstance(key, str) or not key:
        raise MemoSpecError("memoize.key is required")
    cache = ((block.get("cache") or {}).get("configMap") or {}).get("name")
    if not isinstance(cache, str) or not cache:
        raise MemoSpecError("memoize.cache.configMap.name is required")
    max_age = block.get("maxAge")
    try:
        seconds = parse_duration(max_age) if max_age not in (None, "") else None
    except BadDuration as err:
        raise MemoSpecError(f"memoize.maxAge: {err}") from err
    return Memo(key=key, cache=cache, max_age=seconds)


def cached_outputs(
    caches: Mapping[str, Mapping[str, str]], memo: Memo, now: datetime
) -> Outputs | None:
    """The outputs cached under the memo's key, or None (a miss: no entry, an entry
    older than maxAge, or one that does not parse)."""
    if memo.cache not in caches:
        raise CachesNeeded(memo.cache)
    raw = caches[memo.cache].get(memo.key)
    if raw is None:
        return None
    try:
        entry = json.loads(raw)
        created = parse_time(entry["creationTimestamp"])
        outputs = Outputs.model_validate(entry.get("outputs") or {})
    except (ValueError, KeyError, TypeError):
        return None
    if memo.max_age is not None and now - created > timedelta(seconds=memo.max_age):
        return None
    return outputs


def memo_status(memo: Memo, hit: bool) -> KubeObject:
    return KubeObject.model_validate({"hit": hit, "key": memo.key, "cacheName": memo.cache})


def cache_entry(node_id: str, outputs: Outputs | None, now: str) -> str:
    """The JSON stored for one key (Argo's cache entry)."""
    entry = {
        "nodeID": node_id,
        "outputs": outputs.to_dict() if outputs is not None else {},
        "creationTimestamp": now,
        "lastHitTimestamp": now,
    }
    return json.dumps(entry, separators=(",", ":"))


def save_action(node_id: str, status: KubeObject, outputs: Outputs | None) -> SaveMemo | None:
    """The SaveMemo for a node that just succeeded after a miss, else None."""
    fields = status.model_dump()
    if fields.get("hit") or not fields.get("key") or not fields.get("cacheName"):
        return None
    return SaveMemo(
        cache=str(fields["cacheName"]), key=str(fields["key"]), node_id=node_id, outputs=outputs
    )
