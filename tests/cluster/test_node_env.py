"""Environment from the API server for pods of `wf node`
(workflow_engine.runtime.kubernetes_node.env), with in-memory ConfigMaps and Secrets,
and once end to end: a pod on the test node prints what it got.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

import pytest

from tests.cluster.cluster import ControlPlane
from tests.cluster.kube import NODE, apply, pod_manifest, run_pod
from workflow_engine.errors import NotFound, PermanentError
from workflow_engine.runtime.kubernetes_node import NodeAgent
from workflow_engine.runtime.kubernetes_node.env import EnvResolver

OBJECTS = {
    ("cm", "ns", "settings"): {"mode": b"fast", "price": b"$(cheap)"},
    ("secret", "ns", "creds"): {"password": b"s3cret"},
}


def _lookup(kind: str) -> Any:
    def lookup(ns: str, name: str) -> Mapping[str, bytes]:
        if (kind, ns, name) not in OBJECTS:
            raise NotFound(f"{kind} {ns}/{name}")
        return OBJECTS[(kind, ns, name)]

    return lookup


def _resolve(container: dict[str, Any]) -> list[dict[str, Any]]:
    resolver = EnvResolver(_lookup("cm"), _lookup("secret"), "node-1", "127.0.0.2")
    pod = {
        "metadata": {"name": "p", "namespace": "ns", "uid": "u", "labels": {"app": "a"}},
        "spec": {"containers": [{"name": "main", **container}]},
    }
    out = resolver.resolve(pod)["spec"]["containers"][0]
    assert "envFrom" not in out
    return list(out.get("env") or [])


def _ref(kind: str, name: str, key: str, optional: bool = False) -> dict[str, Any]:
    return {"valueFrom": {kind: {"name": name, "key": key, "optional": optional}}}


@pytest.mark.parametrize(
    ("container", "expected"),
    [
        pytest.param(
            {"env": [{"name": "A", "value": "$(B)"}]}, [("A", "$(B)")], id="literal-untouched"
        ),
        pytest.param(
            {"envFrom": [{"configMapRef": {"name": "settings"}, "prefix": "S_"}]},
            [("S_mode", "fast"), ("S_price", "$$(cheap)")],
            id="envFrom-configMap-escaped",
        ),
        pytest.param(
            {
                "envFrom": [{"secretRef": {"name": "creds"}}],
                "env": [{"name": "password", "value": "mine"}],
            },
            [("password", "s3cret"), ("password", "mine")],
            id="env-overrides-envFrom",
        ),
        pytest.param(
            {"env": [{"name": "PW", **_ref("secretKeyRef", "creds", "password")}]},
            [("PW", "s3cret")],
            id="secretKeyRef",
        ),
        pytest.param(
            {"env": [{"name": "M", **_ref("configMapKeyRef", "settings", "nope", True)}]},
            [],
            id="optional-missing-key",
        ),
        pytest.param(
            {"envFrom": [{"configMapRef": {"name": "absent", "optional": True}}]},
            [],
            id="optional-missing-object",
        ),
        pytest.param(
            {
                "env": [
                    {"name": n, "valueFrom": {"fieldRef": {"fieldPath": f}}}
                    for n, f in [
                        ("NODE", "spec.nodeName"),
                        ("IP", "status.podIP"),
                        ("UID", "metadata.uid"),
                        ("APP", "metadata.labels['app']"),
                        ("SA", "spec.serviceAccountName"),
                    ]
                ]
            },
            [
                ("NODE", "node-1"),
                ("IP", "127.0.0.2"),
                ("UID", "u"),
                ("APP", "a"),
                ("SA", "default"),
            ],
            id="fieldRef",
        ),
    ],
)
def test_resolve(container: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert [(e["name"], e["value"]) for e in _resolve(container)] == expected


@pytest.mark.parametrize(
    ("container", "error"),
    [
        pytest.param(
            {"env": [{"name": "M", **_ref("configMapKeyRef", "absent", "k")}]},
            NotFound,
            id="missing-object",
        ),
        pytest.param(
            {"env": [{"name": "M", **_ref("configMapKeyRef", "settings", "nope")}]},
            NotFound,
            id="missing-key",
        ),
        pytest.param(
            {"env": [{"name": "X", "valueFrom": {"fieldRef": {"fieldPath": "spec.bogus"}}}]},
            PermanentError,
            id="unknown-field",
        ),
    ],
)
def test_resolve_errors(container: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        _resolve(container)


@pytest.mark.cluster
def test_pod_gets_env_from_config_map_secret_and_fields(
    cluster: ControlPlane, node: NodeAgent, namespace: str
) -> None:
    cluster.kubectl("create", "-n", namespace, "configmap", "settings", "--from-literal=mode=fast")
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "creds"},
        "data": {"password": base64.b64encode(b"s3cret").decode()},
    }
    apply(cluster, namespace, secret)
    pod = pod_manifest("env", 'echo "$mode $PW $NODE"')
    pod["spec"]["containers"][0]["envFrom"] = [{"configMapRef": {"name": "settings"}}]
    pod["spec"]["containers"][0]["env"] = [
        {"name": "PW", **_ref("secretKeyRef", "creds", "password")},
        {"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
    ]
    got = run_pod(cluster, namespace, pod, ("Succeeded", "Failed"))
    logs = cluster.kubectl("logs", "-n", namespace, "env").stdout
    assert got["status"]["phase"] == "Succeeded", json.dumps(got["status"])
    assert logs == f"fast s3cret {NODE}\n"
