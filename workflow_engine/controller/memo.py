"""Memoization caches in the store (the engine's half is `engine/memo.py`): ConfigMaps
labelled as Argo labels them, one data key per memoize key.

`read_caches` gives `operate()` the caches it asked for (a missing ConfigMap is an
empty cache); `save_memo` applies a SaveMemo action, creating the ConfigMap on first
use and re-reading it when someone else wrote it meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime

from workflow_engine.controller.configmaps import CONFIG_MAP_KIND, make_config_map
from workflow_engine.engine.memo import SaveMemo, cache_entry
from workflow_engine.errors import (
    AlreadyExists,
    Conflict,
    NotFound,
    TransientError,
    WorkflowEngineError,
)
from workflow_engine.spec.models import format_time
from workflow_engine.store.base import Store

log = logging.getLogger(__name__)

CACHE_LABEL = "workflows.argoproj.io/configmap-type"
CACHE_LABEL_VALUE = "Cache"
_ATTEMPTS = 5


def read_caches(store: Store, namespace: str, names: Iterable[str]) -> dict[str, Mapping[str, str]]:
    out: dict[str, Mapping[str, str]] = {}
    for name in names:
        try:
            out[name] = dict(store.get(CONFIG_MAP_KIND, name, namespace).get("data") or {})
        except NotFound:
            out[name] = {}
    return out


def save_memo(store: Store, namespace: str, action: SaveMemo, now: datetime) -> None:
    value = cache_entry(action.node_id, action.outputs, format_time(now))
    for _ in range(_ATTEMPTS):
        try:
            obj = store.get(CONFIG_MAP_KIND, action.cache, namespace)
        except NotFound:
            created = make_config_map(action.cache, namespace, {action.key: value})
            created["metadata"]["labels"] = {CACHE_LABEL: CACHE_LABEL_VALUE}
            try:
                store.create(created)
                return
            except AlreadyExists:
                continue
        data = {**(obj.get("data") or {}), action.key: value}
        try:
            store.update({**obj, "data": data})
            return
        except Conflict:
            continue
    raise Conflict(f"configmap {namespace}/{action.cache} kept changing while saving a cache entry")


def save_memo_logged(store: Store, namespace: str, action: SaveMemo, now: datetime) -> None:
    """`save_memo`, but a cache entry is an optimisation: one that cannot be saved is
    logged, and the node it came from keeps its result."""
    try:
        save_memo(store, namespace, action, now)
    except TransientError:
        raise
    except WorkflowEngineError as exc:
        log.warning("memoization cache %s/%s not saved: %s", namespace, action.cache, exc)
