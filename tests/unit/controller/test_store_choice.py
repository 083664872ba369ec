"""`store_choice`: the repository `wf cp` on a cluster takes for a workflow that recorded
none, chosen from the ConfigMaps in the store as the Kubernetes controller chooses."""

from __future__ import annotations

import json
from typing import Any

import pytest

from workflow_engine.controller import store_choice
from workflow_engine.errors import PermanentError
from workflow_engine.store.memory import MemoryStore

DEFAULT = "workflows.argoproj.io/default-artifact-repository"


def _repo(bucket: str) -> str:
    return json.dumps({"s3": {"endpoint": "127.0.0.1:9", "bucket": bucket, "insecure": True}})


def _config_map(name: str, data: dict[str, str], default: str | None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "team"}
    if default:
        meta["annotations"] = {DEFAULT: default}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


def _workflow(ref: dict[str, str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"entrypoint": "main"}
    if ref is not None:
        spec["artifactRepositoryRef"] = ref
    return {"metadata": {"name": "w", "namespace": "team"}, "spec": spec, "status": {}}


@pytest.fixture
def store() -> MemoryStore:
    store = MemoryStore()
    store.create(_config_map("artifact-repositories", {"a": _repo("one"), "b": _repo("two")}, "a"))
    store.create(_config_map("other", {"c": _repo("three")}, None))
    return store


@pytest.mark.parametrize(
    ("ref", "bucket"),
    [
        (None, "one"),  # the namespace's default
        ({"key": "b"}, "two"),
        ({"configMap": "other", "key": "c"}, "three"),
    ],
)
def test_chosen_as_the_controller_chooses(
    store: MemoryStore, ref: dict[str, str] | None, bucket: str
) -> None:
    chosen = store_choice(store, _workflow(ref))
    assert chosen is not None and chosen["s3"]["bucket"] == bucket


def test_nothing_to_choose_is_none() -> None:
    assert store_choice(MemoryStore(), _workflow()) is None


def test_an_unknown_key_is_refused_naming_it(store: MemoryStore) -> None:
    with pytest.raises(PermanentError, match="has no key 'nope'"):
        store_choice(store, _workflow({"key": "nope"}))
