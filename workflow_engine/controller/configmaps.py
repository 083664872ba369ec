"""`wf configmap create|list|get|delete`: Kubernetes-shaped ConfigMaps in the store.

Sits between the CLI and the store, beside `secrets`. Pods read them through
`configMapKeyRef` / `configMapRef` in their environment and `configMap` volumes
(resolved by `podsources` when the controller creates a pod); this module writes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflow_engine.errors import SpecError
from workflow_engine.store.base import Obj, Store

CONFIG_MAP_KIND = "ConfigMap"


@dataclass(frozen=True)
class ConfigMapSummary:
    name: str
    namespace: str
    keys: tuple[str, ...]
    created: str


def make_config_map(name: str, namespace: str, values: Mapping[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": CONFIG_MAP_KIND,
        "metadata": {"name": name, "namespace": namespace},
        "data": dict(values),
    }


def create_config_map(store: Store, name: str, namespace: str, values: Mapping[str, str]) -> Obj:
    """Store a ConfigMap holding `values`; AlreadyExists when the name is taken."""
    if not values:
        raise SpecError("configmap", "give at least one --from-literal or --from-file")
    return store.create(make_config_map(name, namespace, values))


def list_config_maps(store: Store, namespace: str | None) -> list[ConfigMapSummary]:
    out = []
    for obj in store.list(CONFIG_MAP_KIND, namespace).items:
        meta = obj["metadata"]
        keys = {*(obj.get("data") or {}), *(obj.get("binaryData") or {})}
        out.append(
            ConfigMapSummary(
                meta["name"],
                meta.get("namespace") or "default",
                tuple(sorted(keys)),
                meta.get("creationTimestamp") or "",
            )
        )
    return sorted(out, key=lambda s: (s.namespace, s.name))


def get_config_map(store: Store, name: str, namespace: str) -> Obj:
    return store.get(CONFIG_MAP_KIND, name, namespace)


def delete_config_map(store: Store, name: str, namespace: str) -> None:
    store.delete(CONFIG_MAP_KIND, name, namespace)
