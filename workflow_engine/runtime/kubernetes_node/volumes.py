"""Volumes that come from the API server, written to local directories for a pod.

Part of `wf node` (workflow_engine.runtime.kubernetes_node): ProcessRuntime mounts
emptyDir and hostPath volumes only, so before a pod starts the agent writes the
files of its `projected` (service-account token, `kube-root-ca.crt`, namespace),
`configMap` and `secret` volumes into a directory per volume and hands
ProcessRuntime the pod with those volumes turned into hostPath volumes. A
`persistentVolumeClaim` volume becomes a hostPath volume on the directory of the
PersistentVolume bound to the claim (its `hostPath` or `local` path): every pod of the
claim on this node shares the files, and they outlive the pods, as on a kubelet.
Tokens are requested once per pod start (about an hour of validity by default)
and not rotated.
"""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from workflow_engine.errors import NotFound, PermanentError
from workflow_engine.runtime.kubernetes_node.api import Api

Files = dict[str, bytes]


def _items(data: Mapping[str, bytes], items: list[Mapping[str, Any]] | None) -> Files:
    if not items:
        return dict(data)
    out: Files = {}
    for item in items:
        key = str(item.get("key"))
        if key not in data:
            raise PermanentError(f"key {key!r} not found")
        out[str(item.get("path") or key)] = data[key]
    return out


class VolumeWriter:
    """Materialises API-backed volumes of pods under `root/<namespace>/<pod>/`."""

    def __init__(self, api: Api, root: Path) -> None:
        self._api = api
        self._root = root

    def prepare(self, pod: Mapping[str, Any]) -> dict[str, Any]:
        """Return `pod` with its API-backed volumes replaced by hostPath volumes.
        Raises NotFound or PermanentError when a source is missing."""
        meta, spec = pod["metadata"], pod["spec"]
        volumes = []
        for vol in spec.get("volumes") or []:
            if "persistentVolumeClaim" in vol:
                path = self.claim_path(meta["namespace"], vol["persistentVolumeClaim"])
                volumes.append({"name": vol["name"], "hostPath": {"path": path}})
                continue
            files = self._files(vol, meta, spec)
            if files is None:
                volumes.append(vol)
                continue
            directory = self._root / meta["namespace"] / meta["name"] / vol["name"]
            _write(directory, files)
            volumes.append({"name": vol["name"], "hostPath": {"path": str(directory)}})
        containers = {
            kind: [_resolved_mounts(c) for c in spec.get(kind) or []]
            for kind in ("initContainers", "containers")
        }
        return {**pod, "spec": {**spec, **containers, "volumes": volumes}}

    def claim_path(self, namespace: str, source: Mapping[str, Any]) -> str:
        """The host directory of the volume bound to the claim `source` names. Raises
        NotFound (no such claim or volume) or PermanentError (not bound yet, or a volume
        with no directory on this host); the agent tries again at its next sync."""
        name = str(source.get("claimName") or "")
        claim = self._api.get(f"/api/v1/namespaces/{namespace}/persistentvolumeclaims/{name}")
        volume = (claim.get("spec") or {}).get("volumeName")
        if not volume or (claim.get("status") or {}).get("phase") != "Bound":
            raise PermanentError(f"persistentvolumeclaim {name!r} is not bound yet")
        spec = (self._api.get(f"/api/v1/persistentvolumes/{volume}").get("spec")) or {}
        for kind in ("hostPath", "local"):
            path = (spec.get(kind) or {}).get("path")
            if path:
                return str(path)
        kinds = sorted(k for k in spec if isinstance(spec[k], dict))
        raise PermanentError(f"persistentvolume {volume!r} has no host directory: {kinds}")

    def remove(self, namespace: str, name: str) -> None:
        shutil.rmtree(self._root / namespace / name, ignore_errors=True)

    def _files(
        self, vol: Mapping[str, Any], meta: Mapping[str, Any], spec: Mapping[str, Any]
    ) -> Files | None:
        ns = meta["namespace"]
        if "configMap" in vol:
            src = vol["configMap"]
            return self._optional(
                src, lambda: _items(self.config_map(ns, src["name"]), src.get("items"))
            )
        if "secret" in vol:
            src = vol["secret"]
            return self._optional(
                src, lambda: _items(self.secret(ns, src["secretName"]), src.get("items"))
            )
        if "projected" in vol:
            files: Files = {}
            for source in vol["projected"].get("sources") or []:
                files.update(self._projected(source, meta, spec))
            return files
        return None

    @staticmethod
    def _optional(src: Mapping[str, Any], read: Any) -> Files:
        try:
            files: Files = read()
            return files
        except NotFound:
            if src.get("optional"):
                return {}
            raise

    def _projected(
        self, source: Mapping[str, Any], meta: Mapping[str, Any], spec: Mapping[str, Any]
    ) -> Files:
        ns = meta["namespace"]
        if "serviceAccountToken" in source:
            tok = source["serviceAccountToken"]
            token = self._token(meta, spec, tok.get("audience"), tok.get("expirationSeconds"))
            return {str(tok.get("path") or "token"): token.encode()}
        if "configMap" in source:
            src = source["configMap"]
            return self._optional(
                src, lambda: _items(self.config_map(ns, src["name"]), src.get("items"))
            )
        if "secret" in source:
            src = source["secret"]
            return self._optional(
                src, lambda: _items(self.secret(ns, src["name"]), src.get("items"))
            )
        if "downwardAPI" in source:
            return {
                str(i["path"]): _field(meta, i) for i in source["downwardAPI"].get("items") or []
            }
        raise PermanentError(f"projected volume source {sorted(source)} is not supported")

    def config_map(self, ns: str, name: str) -> dict[str, bytes]:
        cm = self._api.get(f"/api/v1/namespaces/{ns}/configmaps/{name}")
        data = {k: v.encode() for k, v in (cm.get("data") or {}).items()}
        data.update({k: base64.b64decode(v) for k, v in (cm.get("binaryData") or {}).items()})
        return data

    def secret(self, ns: str, name: str) -> dict[str, bytes]:
        secret = self._api.get(f"/api/v1/namespaces/{ns}/secrets/{name}")
        return {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}

    def _token(
        self,
        meta: Mapping[str, Any],
        spec: Mapping[str, Any],
        audience: str | None,
        expiration: int | None,
    ) -> str:
        sa = spec.get("serviceAccountName") or "default"
        body: dict[str, Any] = {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "spec": {
                "audiences": [audience] if audience else [],
                "boundObjectRef": {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "name": meta["name"],
                    "uid": meta["uid"],
                },
            },
        }
        if expiration:
            body["spec"]["expirationSeconds"] = int(expiration)
        path = f"/api/v1/namespaces/{meta['namespace']}/serviceaccounts/{sa}/token"
        return str(self._api.create(path, body)["status"]["token"])


def _field(meta: Mapping[str, Any], item: Mapping[str, Any]) -> bytes:
    path = str((item.get("fieldRef") or {}).get("fieldPath", ""))
    values = {
        "metadata.namespace": meta.get("namespace"),
        "metadata.name": meta.get("name"),
        "metadata.uid": meta.get("uid"),
    }
    if path in values:
        return str(values[path]).encode()
    if path == "metadata.labels":
        return "\n".join(
            f'{k}="{v}"' for k, v in sorted((meta.get("labels") or {}).items())
        ).encode()
    raise PermanentError(f"downwardAPI field {path!r} is not supported")


def with_api_env(pod: Mapping[str, Any], server: str) -> dict[str, Any]:
    """`pod` with KUBERNETES_SERVICE_HOST/PORT in every container pointing at the API
    server itself: in-cluster clients (the executor) read them, and there is no
    kube-proxy to make the `kubernetes` Service's cluster IP reachable."""
    url = urlsplit(server)
    extra = [
        {"name": "KUBERNETES_SERVICE_HOST", "value": url.hostname or "127.0.0.1"},
        {"name": "KUBERNETES_SERVICE_PORT", "value": str(url.port or 443)},
    ]

    def add(container: Mapping[str, Any]) -> dict[str, Any]:
        env = list(container.get("env") or [])
        names = {e.get("name") for e in env}
        return {**container, "env": [e for e in extra if e["name"] not in names] + env}

    spec = pod["spec"]
    containers = {k: [add(c) for c in spec.get(k) or []] for k in ("initContainers", "containers")}
    return {**pod, "spec": {**spec, **containers}}


def _resolved_mounts(container: Mapping[str, Any]) -> dict[str, Any]:
    """The container with each mountPath resolved through the host's symlinks
    (`/var/run/secrets/...` -> `/run/secrets/...`): the sandbox's root is the host's,
    and ProcessRuntime binds at the literal path, which through an absolute symlink
    would land outside the sandbox."""
    mounts = [
        {**m, "mountPath": os.path.realpath(str(m.get("mountPath", "")))}
        for m in container.get("volumeMounts") or []
    ]
    return {**container, "volumeMounts": mounts} if mounts else dict(container)


def _write(directory: Path, files: Files) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        target = directory / rel
        if directory.resolve() not in target.resolve().parents:
            raise PermanentError(f"volume file path {rel!r} leaves its volume")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
