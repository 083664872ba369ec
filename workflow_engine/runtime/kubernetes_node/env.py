"""Container environment that comes from the API server, resolved to literal values.

Part of `wf node` (workflow_engine.runtime.kubernetes_node): ProcessRuntime knows only
literal `env` values and a few `fieldRef`s with local answers (its node is
"localhost"), so before a pod starts the agent rewrites every container's `envFrom`
(ConfigMaps, Secrets) and `env[].valueFrom` (`configMapKeyRef`, `secretKeyRef`,
`fieldRef`) into literal values, as the kubelet resolves them. Literal values are
escaped (`$` -> `$$`) so ProcessRuntime's `$(VAR)` expansion leaves them as they are;
`resourceFieldRef` is left to ProcessRuntime (which ignores it with a note).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from workflow_engine.errors import NotFound, PermanentError

Lookup = Callable[[str, str], Mapping[str, bytes]]  # (namespace, name) -> data
_META_KEY = re.compile(r"metadata\.(labels|annotations)\['([^']+)'\]")


def _literal(name: str, value: str) -> dict[str, str]:
    return {"name": name, "value": value.replace("$", "$$")}


def _field(path: str, pod: Mapping[str, Any], node: str, address: str) -> str:
    meta, spec = pod["metadata"], pod["spec"]
    values = {
        "metadata.name": meta.get("name"),
        "metadata.namespace": meta.get("namespace"),
        "metadata.uid": meta.get("uid"),
        "spec.nodeName": node,
        "spec.serviceAccountName": spec.get("serviceAccountName") or "default",
        "status.hostIP": address,
        "status.hostIPs": address,
        "status.podIP": address,  # pods share the node's network
        "status.podIPs": address,
    }
    if path in values:
        return str(values[path] or "")
    m = _META_KEY.fullmatch(path)
    if m:
        return str((meta.get(m.group(1)) or {}).get(m.group(2), ""))
    raise PermanentError(f"fieldRef {path!r} is not supported")


def _key_ref(ref: Mapping[str, Any], ns: str, lookup: Lookup, what: str) -> str | None:
    """The value of `ref.key` in the object `ref.name`; None when optional and missing."""
    try:
        data = lookup(ns, str(ref.get("name")))
        if ref.get("key") not in data:
            raise NotFound(f"{what} {ref.get('name')!r} has no key {ref.get('key')!r}")
    except NotFound:
        if ref.get("optional"):
            return None
        raise
    return data[str(ref["key"])].decode(errors="replace")


class EnvResolver:
    """Resolves API-backed environment of pods on node `node` at `address`."""

    def __init__(self, config_map: Lookup, secret: Lookup, node: str, address: str) -> None:
        self._config_map, self._secret = config_map, secret
        self._node, self._address = node, address

    def resolve(self, pod: Mapping[str, Any]) -> dict[str, Any]:
        """`pod` with its containers' envFrom and valueFrom turned into literal env.
        Raises NotFound (a missing, non-optional source) or PermanentError."""
        spec = pod["spec"]
        containers = {
            kind: [self._container(c, pod) for c in spec.get(kind) or []]
            for kind in ("initContainers", "containers")
        }
        return {**pod, "spec": {**spec, **containers}}

    def _container(self, container: Mapping[str, Any], pod: Mapping[str, Any]) -> dict[str, Any]:
        if not container.get("envFrom") and not any(
            "valueFrom" in e for e in container.get("env") or []
        ):
            return dict(container)
        env = self._env_from(container.get("envFrom") or [], pod["metadata"]["namespace"])
        for item in container.get("env") or []:
            resolved = self._item(item, pod)
            if resolved is not None:
                env.append(resolved)
        out = {k: v for k, v in container.items() if k != "envFrom"}
        return {**out, "env": env}

    def _env_from(self, sources: list[Mapping[str, Any]], ns: str) -> list[dict[str, Any]]:
        env: list[dict[str, Any]] = []
        for source in sources:
            ref = source.get("configMapRef") or source.get("secretRef") or {}
            lookup = self._config_map if "configMapRef" in source else self._secret
            try:
                data = lookup(ns, str(ref.get("name")))
            except NotFound:
                if ref.get("optional"):
                    continue
                raise
            prefix = str(source.get("prefix") or "")
            env += [_literal(prefix + k, v.decode(errors="replace")) for k, v in data.items()]
        return env

    def _item(self, item: Mapping[str, Any], pod: Mapping[str, Any]) -> dict[str, Any] | None:
        source = item.get("valueFrom")
        if not source:
            return dict(item)
        name, ns = str(item.get("name")), pod["metadata"]["namespace"]
        if "fieldRef" in source:
            path = str(source["fieldRef"].get("fieldPath", ""))
            return _literal(name, _field(path, pod, self._node, self._address))
        if "configMapKeyRef" in source:
            value = _key_ref(source["configMapKeyRef"], ns, self._config_map, "ConfigMap")
        elif "secretKeyRef" in source:
            value = _key_ref(source["secretKeyRef"], ns, self._secret, "Secret")
        else:
            return dict(item)  # resourceFieldRef: ProcessRuntime's call
        return None if value is None else _literal(name, value)
