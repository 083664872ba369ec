"""Secrets for the executor's artifact drivers, read from the store.

Embedded mode keeps Secrets as Kubernetes-shaped objects (`kind: Secret`,
`apiVersion: v1`, `data` base64 and/or `stringData`) in the same store as workflows;
`StoreSecrets(store, namespace)` implements the artifacts room's `SecretResolver`
port over them, in the workflow's namespace. Values are read when a driver needs
them (a rotated secret is seen by the next pod) and never logged.
"""

from __future__ import annotations

from workflow_engine.artifacts.secrets import secret_data
from workflow_engine.errors import NotFound
from workflow_engine.store.base import Store
from workflow_engine.vocabulary import SECRET_KIND as KIND


class StoreSecrets:
    def __init__(self, store: Store, namespace: str) -> None:
        self._store = store
        self._namespace = namespace

    def secret(self, name: str, key: str) -> str:
        try:
            obj = self._store.get(KIND, name, self._namespace)
        except NotFound:
            raise NotFound(f"secret {name!r} not found in namespace {self._namespace!r}") from None
        return secret_data(obj, key)
