"""The SecretResolver port: how drivers get credentials without knowing where they live.

Drivers (s3, git, http) hold `SecretKeySelector`s (`{name, key}`) from the artifact or
the repository; they ask a `SecretResolver` for the value just before they need it.
The executor and the controller give them a store-backed resolver (`StoreSecrets`:
Kubernetes-shaped `Secret` objects in the workflow's namespace, read through the
`ObjectReader` port, so any Store serves); tests give a `MappingSecrets`. A value is
never put into a message: errors name the secret and key.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from workflow_engine.errors import NotFound, PermanentError
from workflow_engine.ports import ObjectReader
from workflow_engine.spec.artifacts import SecretKeySelector
from workflow_engine.vocabulary import SECRET_KIND

REDACTED = "***"


class SecretResolver(Protocol):
    def secret(self, name: str, key: str) -> str:
        """The value of `key` in Secret `name`; NotFound when either is missing."""
        ...


class MappingSecrets:
    """Secrets from a mapping {secret name: {key: value}} (tests, local configuration)."""

    def __init__(self, secrets: Mapping[str, Mapping[str, str]]) -> None:
        self._secrets = {name: dict(values) for name, values in secrets.items()}

    def secret(self, name: str, key: str) -> str:
        values = self._secrets.get(name)
        if values is None:
            raise NotFound(f"secret {name!r} not found")
        if key not in values:
            raise NotFound(f"secret {name!r} has no key {key!r}")
        return values[key]


class NoSecrets:
    """A resolver for pods that have no access to secrets: every lookup is refused."""

    def secret(self, name: str, key: str) -> str:
        raise NotFound(f"secret {name!r} not found (no secrets are configured)")


class StoreSecrets:
    """Secrets kept as objects (`kind: Secret`, `data` base64 and/or `stringData`) in a
    store, in one namespace. Values are read when a driver needs them (a rotated
    secret is seen by the next pod) and never logged."""

    def __init__(self, store: ObjectReader, namespace: str) -> None:
        self._store = store
        self._namespace = namespace

    def secret(self, name: str, key: str) -> str:
        try:
            obj = self._store.get(SECRET_KIND, name, self._namespace)
        except NotFound:
            raise NotFound(f"secret {name!r} not found in namespace {self._namespace!r}") from None
        return secret_data(obj, key)


def secret_data(obj: Mapping[str, Any], key: str) -> str:
    """The value of `key` in a Kubernetes `Secret` object: `stringData` wins over the
    base64 `data`, as the API server merges them. NotFound when absent."""
    name = (obj.get("metadata") or {}).get("name", "?")
    string_data = obj.get("stringData") or {}
    if key in string_data:
        return str(string_data[key])
    data = obj.get("data") or {}
    if key not in data:
        raise NotFound(f"secret {name!r} has no key {key!r}")
    try:
        return base64.b64decode(str(data[key]), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise PermanentError(f"secret {name!r} key {key!r} is not valid base64 UTF-8") from None


def make_secret(
    name: str, namespace: str, values: Mapping[str, str], api_version: str = "v1"
) -> dict[str, Any]:
    """A Kubernetes-shaped Secret object holding `values` (base64 in `data`)."""
    return {
        "apiVersion": api_version,
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace},
        "type": "Opaque",
        "data": {k: base64.b64encode(v.encode("utf-8")).decode("ascii") for k, v in values.items()},
    }


def resolve(secrets: SecretResolver, selector: SecretKeySelector | None, what: str) -> str | None:
    """The selector's value, None without a selector (or an optional missing one).
    Raises PermanentError naming the secret (never its value) when it cannot be read."""
    if selector is None:
        return None
    try:
        return secrets.secret(selector.name, selector.key)
    except NotFound as exc:
        if selector.optional:
            return None
        raise PermanentError(f"{what}: {exc}") from None


def redact(text: str, values: Iterable[str | None]) -> str:
    """`text` with every (non-trivial) secret value replaced by ***."""
    for value in values:
        if value and len(value) >= 3:
            text = text.replace(value, REDACTED)
    return text
