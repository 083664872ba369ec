"""A pod's Secrets and ConfigMaps, resolved from the store before the pod is created.

Sits in the controller between the pod builder and the runtime (embedded mode): the
process runtime knows literal `env` values and emptyDir/hostPath volumes only, so the
pod factory hands it each pod with `env[].valueFrom` (`secretKeyRef`,
`configMapKeyRef`) and `envFrom` (`secretRef`, `configMapRef`) turned into literal
values, and `secret` / `configMap` volumes written to files (once, when the pod is
first created) under the pod's directory and mounted as hostPath volumes, as the
kubelet does. A missing object or key that is not `optional: true` stops the pod
being created: its node fails with reason `CreateContainerConfigError` and the
cause (`CreateContainerConfigError: secret "db" not found`). The same rewriting serves `wf node`
(runtime.kubernetes_node), whose lookups go to the API server instead.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from workflow_engine.controller.configmaps import CONFIG_MAP_KIND
from workflow_engine.errors import NotFound, PermanentError
from workflow_engine.runtime.kubernetes_node.env import EnvResolver
from workflow_engine.runtime.kubernetes_node.volumes import VolumeWriter
from workflow_engine.store.base import Store

CONFIG_ERROR = "CreateContainerConfigError"  # Kubernetes' reason for the same fault
SECRET_KIND = "Secret"


class ContainerConfigError(PermanentError):
    """A Secret, ConfigMap or key a pod needs is missing (`pod_reason` is the reason
    its node fails with)."""

    pod_reason = CONFIG_ERROR


class StoreSources:
    """Secrets and ConfigMaps of the store, as the kubelet reads them (data as bytes)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def config_map(self, namespace: str, name: str) -> dict[str, bytes]:
        obj = self._get(CONFIG_MAP_KIND, name, namespace, "configmap")
        data = {k: str(v).encode() for k, v in (obj.get("data") or {}).items()}
        binary = obj.get("binaryData") or {}
        data.update({k: base64.b64decode(str(v)) for k, v in binary.items()})
        return data

    def secret(self, namespace: str, name: str) -> dict[str, bytes]:
        obj = self._get(SECRET_KIND, name, namespace, "secret")
        data = {k: base64.b64decode(str(v)) for k, v in (obj.get("data") or {}).items()}
        data.update({k: str(v).encode() for k, v in (obj.get("stringData") or {}).items()})
        return data

    def _get(self, kind: str, name: str, namespace: str, what: str) -> dict[str, Any]:
        try:
            return self._store.get(kind, name, namespace)
        except NotFound:
            raise NotFound(f'{what} "{name}" not found') from None


class _StoreVolumes(VolumeWriter):
    """`wf node`'s volume writer with the store as its source (no service-account
    tokens: embedded pods have no API server to talk to)."""

    def __init__(self, sources: StoreSources, root: Path) -> None:
        super().__init__(None, root)  # type: ignore[arg-type]
        self._sources = sources

    def config_map(self, ns: str, name: str) -> dict[str, bytes]:
        return self._sources.config_map(ns, name)

    def secret(self, ns: str, name: str) -> dict[str, bytes]:
        return self._sources.secret(ns, name)


PodDirectory = Callable[[str, str], Path]  # (namespace, pod) -> the runtime's directory


class PodSources:
    """Rewrites pod manifests (see the module docstring)."""

    def __init__(self, store: Store, pod_directory: PodDirectory) -> None:
        sources = StoreSources(store)
        self._env = EnvResolver(sources.config_map, sources.secret, "localhost", "127.0.0.1")
        self._sources = sources
        self._pod_directory = pod_directory

    def resolve(self, pod: Mapping[str, Any]) -> dict[str, Any]:
        """`pod` with literal env and hostPath volumes; raises ContainerConfigError."""
        if not _needs_sources(pod):
            return dict(pod)
        meta = pod["metadata"]
        directory = self._pod_directory(meta.get("namespace") or "default", meta["name"])
        writer = _StoreVolumes(self._sources, directory / "sources")
        try:
            resolved = self._env.resolve(pod)
            return writer.prepare(resolved)
        except (NotFound, PermanentError) as exc:
            raise ContainerConfigError(f"{CONFIG_ERROR}: {exc}") from None


def _needs_sources(pod: Mapping[str, Any]) -> bool:
    spec = pod.get("spec") or {}
    if any("secret" in v or "configMap" in v for v in spec.get("volumes") or ()):
        return True
    for c in [*(spec.get("initContainers") or ()), *(spec.get("containers") or ())]:
        if c.get("envFrom"):
            return True
        for item in c.get("env") or ():
            source = item.get("valueFrom") or {}
            if "secretKeyRef" in source or "configMapKeyRef" in source:
                return True
    return False
