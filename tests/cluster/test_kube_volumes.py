"""Volume claims on the cluster: the controller makes a real PersistentVolumeClaim of
each `volumeClaimTemplates` entry (named `<workflow>-<template>`, owned by the
Workflow) before the pods that mount it, and deletes it as `volumeClaimGC` says;
`wf node` mounts the claim through the PersistentVolume bound to it. Argo's
behaviour: its operator's `createPVCs` and `deletePVCs`.

Real: the control plane (the controller-manager's volume binder binds the claim to
the test's hostPath PersistentVolume, its garbage collector follows ownerReferences,
its pvc-protection finalizer), `wf node` (pods as local processes), the Kubernetes
store and runtime, the controller loop (a thread of this process), `wf-exec`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cluster.cluster import ControlPlane
from tests.cluster.workflows import (
    KubeController,
    cluster_store,
    create,
    example,
    prepare_namespace,
    wait_done,
)
from tests.support.polling import poll
from workflow_engine.runtime.kubernetes_node import NodeAgent
from workflow_engine.store.base import Store

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(600)]
FAILING = Path(__file__).parents[1] / "data" / "volumes" / "claim-then-fail.yaml"


@pytest.fixture(scope="module")
def env(cluster: ControlPlane, node: NodeAgent) -> Iterator[tuple[str, Store]]:
    namespace = f"vol-{uuid.uuid4().hex[:8]}"
    cluster.kubectl("create", "namespace", namespace)
    prepare_namespace(cluster, namespace)
    store = cluster_store(cluster)
    with KubeController(cluster, namespace, workers=2):
        yield namespace, store
    store.close()
    cluster.kubectl("delete", "namespace", namespace, "--wait=false", check=False)


@pytest.fixture
def volume(cluster: ControlPlane, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A hostPath PersistentVolume of a storage class of its own: (class, directory)."""
    name = f"pv-{uuid.uuid4().hex[:8]}"
    directory = tmp_path / "volume"
    directory.mkdir(mode=0o777)
    directory.chmod(0o777)
    pv = {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name},
        "spec": {
            "capacity": {"storage": "1Gi"},
            "accessModes": ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": name,
            "hostPath": {"path": str(directory)},
        },
    }
    cluster.kubectl("create", "-f", "-", input=json.dumps(pv))
    yield name, directory
    cluster.kubectl("delete", "pv", name, "--wait=false", check=False)


def claimed(doc: dict[str, Any], storage_class: str) -> dict[str, Any]:
    """`doc` with its claim template asking for `storage_class`."""
    [template] = doc["spec"]["volumeClaimTemplates"]
    template["spec"]["storageClassName"] = storage_class
    return doc


def claims(cluster: ControlPlane, namespace: str) -> list[dict[str, Any]]:
    out = cluster.kubectl("get", "pvc", "-n", namespace, "-o", "json").stdout
    return list(json.loads(out)["items"])


def test_steps_share_a_claim_that_goes_after_success(
    cluster: ControlPlane, env: tuple[str, Store], volume: tuple[str, Path]
) -> None:
    namespace, store = env
    storage_class, directory = volume
    name = create(
        cluster, namespace, claimed(example("volumes-claim-template.yaml"), storage_class)
    )
    wf = wait_done(store, namespace, name)
    assert wf["status"]["phase"] == "Succeeded", json.dumps(wf["status"])[:2000]
    # the write step's pod wrote through the claim into the bound volume's directory
    assert (directory / "greeting.txt").read_text() == "hello from the claim\n"
    results = {
        n["displayName"]: n.get("outputs", {}).get("result") for n in wf["status"]["nodes"].values()
    }
    assert results["read"] == "hello from the claim"
    assert not wf["status"].get("persistentVolumeClaims")
    poll(lambda: not claims(cluster, namespace), 60, "the claim to be deleted")


def test_a_failed_workflow_keeps_its_owned_claim_until_deleted(
    cluster: ControlPlane, env: tuple[str, Store], volume: tuple[str, Path]
) -> None:
    namespace, store = env
    storage_class, _ = volume
    name = create(cluster, namespace, claimed(yaml.safe_load(FAILING.read_text()), storage_class))
    wf = wait_done(store, namespace, name)
    assert wf["status"]["phase"] == "Failed"
    claim = f"{name}-workdir"
    assert wf["status"]["persistentVolumeClaims"] == [
        {"name": "workdir", "persistentVolumeClaim": {"claimName": claim}}
    ]
    [pvc] = [c for c in claims(cluster, namespace) if c["metadata"]["name"] == claim]
    [owner] = pvc["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["uid"]) == ("Workflow", name, wf["metadata"]["uid"])
    assert pvc["status"]["phase"] == "Bound"
    # deleting the workflow deletes the claim: the garbage collector follows the owner
    cluster.kubectl("delete", "workflow", name, "-n", namespace, "--wait=false")
    poll(lambda: not claims(cluster, namespace), 120, "the claim to go with its workflow")
