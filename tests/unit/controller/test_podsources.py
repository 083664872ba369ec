"""A pod's Secrets and ConfigMaps resolved from the store before it is created:
literal env, files for volumes, optional references honoured, and a missing object or
key reported as CreateContainerConfigError. Real: MemoryStore, PodSources, the files
written under a temporary directory."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from workflow_engine.controller.configmaps import make_config_map
from workflow_engine.controller.podsources import ContainerConfigError, PodSources
from workflow_engine.store import MemoryStore


def _pod(container: dict[str, Any], volumes: list[dict[str, Any]] | None = None) -> dict:
    spec: dict[str, Any] = {"containers": [{"name": "main", "image": "x", **container}]}
    if volumes:
        spec["volumes"] = volumes
    return {"metadata": {"name": "p", "namespace": "default"}, "spec": spec}


@pytest.fixture
def store() -> MemoryStore:
    store = MemoryStore()
    store.create(make_config_map("cfg", "default", {"greeting": "hi $(HOME)", "n": "1"}))
    cm = make_config_map("bin", "default", {})
    cm["binaryData"] = {"blob": base64.b64encode(b"\x00\x01").decode()}
    store.create(cm)
    store.create(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "sec", "namespace": "default"},
            "data": {"password": base64.b64encode(b"pw").decode()},
            "stringData": {"user": "admin"},
        }
    )
    return store


def _ref(kind: str, name: str, key: str) -> dict[str, Any]:
    return {"env": [{"name": "X", "valueFrom": {kind: {"name": name, "key": key}}}]}


def _sources(store: MemoryStore, tmp_path: Path) -> PodSources:
    return PodSources(store, lambda ns, name: tmp_path / ns / name)


def test_env_and_env_from_become_literals(store: MemoryStore, tmp_path: Path) -> None:
    env = [
        {"name": "G", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "greeting"}}},
        {"name": "P", "valueFrom": {"secretKeyRef": {"name": "sec", "key": "password"}}},
        {
            "name": "O",
            "valueFrom": {"secretKeyRef": {"name": "gone", "key": "k", "optional": True}},
        },
        {"name": "L", "value": "literal"},
    ]
    env_from = [{"secretRef": {"name": "sec"}, "prefix": "S_"}, {"configMapRef": {"name": "cfg"}}]
    pod = _sources(store, tmp_path).resolve(_pod({"env": env, "envFrom": env_from}))
    [main] = pod["spec"]["containers"]
    values = {e["name"]: e["value"] for e in main["env"]}
    assert values == {
        "S_password": "pw",
        "S_user": "admin",
        "greeting": "hi $$(HOME)",  # escaped: the runtime's $(VAR) expansion keeps it
        "n": "1",
        "G": "hi $$(HOME)",
        "P": "pw",
        "L": "literal",
    }
    assert "envFrom" not in main


def test_volumes_become_files_and_host_paths(store: MemoryStore, tmp_path: Path) -> None:
    volumes = [
        {"name": "c", "configMap": {"name": "cfg"}},
        {"name": "b", "configMap": {"name": "bin"}},
        {
            "name": "s",
            "secret": {"secretName": "sec", "items": [{"key": "password", "path": "db/pw"}]},
        },
        {"name": "o", "secret": {"secretName": "gone", "optional": True}},
        {"name": "e", "emptyDir": {}},
    ]
    pod = _sources(store, tmp_path).resolve(_pod({}, volumes))
    by_name = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert by_name["e"] == {"name": "e", "emptyDir": {}}
    host = {n: Path(v["hostPath"]["path"]) for n, v in by_name.items() if "hostPath" in v}
    assert set(host) == {"c", "b", "s", "o"}
    assert all(tmp_path / "default" / "p" in p.parents for p in host.values())
    assert (host["c"] / "greeting").read_text() == "hi $(HOME)"
    assert (host["b"] / "blob").read_bytes() == b"\x00\x01"
    assert (host["s"] / "db" / "pw").read_text() == "pw"
    assert list(host["o"].iterdir()) == []


def test_a_pod_without_sources_is_left_as_it_is(store: MemoryStore, tmp_path: Path) -> None:
    pod = _pod({"env": [{"name": "A", "value": "1"}]})
    assert _sources(store, tmp_path).resolve(pod) == pod
    assert not tmp_path.joinpath("default").exists()


@pytest.mark.parametrize(
    ("container", "volumes", "message"),
    [
        (_ref("configMapKeyRef", "nope", "k"), None, 'configmap "nope" not found'),
        (_ref("configMapKeyRef", "cfg", "nokey"), None, "ConfigMap 'cfg' has no key 'nokey'"),
        (_ref("secretKeyRef", "nope", "k"), None, 'secret "nope" not found'),
        ({"envFrom": [{"secretRef": {"name": "nope"}}]}, None, 'secret "nope" not found'),
        ({"envFrom": [{"configMapRef": {"name": "nope"}}]}, None, 'configmap "nope" not found'),
        ({}, [{"name": "v", "secret": {"secretName": "nope"}}], 'secret "nope" not found'),
        ({}, [{"name": "v", "configMap": {"name": "cfg", "items": [{"key": "zz", "path": "f"}]}}],
         "key 'zz' not found"),
    ],
    ids=["configmap-missing", "configmap-key-missing", "secret-missing", "envfrom-secret",
         "envfrom-configmap", "volume-secret", "volume-item-key"],
)  # fmt: skip
def test_a_missing_source_is_a_container_config_error(
    store: MemoryStore, tmp_path: Path, container: dict, volumes: list | None, message: str
) -> None:
    with pytest.raises(ContainerConfigError) as raised:
        _sources(store, tmp_path).resolve(_pod(container, volumes))
    assert str(raised.value) == f"CreateContainerConfigError: {message}"
    assert raised.value.pod_reason == "CreateContainerConfigError"
