"""`wf secret create|list|delete`: Kubernetes-shaped Secrets in the store.

Sits between the CLI and the store, beside `operations`. Executors read these Secrets
(artifact credentials, `workflow_engine.artifacts.StoreSecrets`); this module writes them. A
listing carries the keys only, never a value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from workflow_engine.artifacts import make_secret
from workflow_engine.errors import SpecError
from workflow_engine.store.base import Obj, Store
from workflow_engine.vocabulary import SECRET_KIND


@dataclass(frozen=True)
class SecretSummary:
    name: str
    namespace: str
    keys: tuple[str, ...]
    created: str


def parse_literal(text: str, option: str = "--from-literal") -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise SpecError(option, f"expected KEY=VALUE, got {text.split('=')[0]!r}")
    return key, value


def create_secret(store: Store, name: str, namespace: str, values: Mapping[str, str]) -> Obj:
    """Store a Secret holding `values` (base64 in `data`); Conflict when it exists."""
    if not values:
        raise SpecError("secret", "give at least one --from-literal or --from-file")
    return store.create(make_secret(name, namespace, values))


def list_secrets(store: Store, namespace: str | None) -> list[SecretSummary]:
    out = []
    for obj in store.list(SECRET_KIND, namespace).items:
        meta = obj["metadata"]
        keys = {*(obj.get("data") or {}), *(obj.get("stringData") or {})}
        out.append(
            SecretSummary(
                meta["name"],
                meta.get("namespace") or "default",
                tuple(sorted(keys)),
                meta.get("creationTimestamp") or "",
            )
        )
    return sorted(out, key=lambda s: (s.namespace, s.name))


def delete_secret(store: Store, name: str, namespace: str) -> None:
    store.delete(SECRET_KIND, name, namespace)
