"""Large node maps on a cluster: offloaded into WorkflowNodeChunk objects and read back.

What is real: the control plane (its API server's object size limit and its garbage
collector, which deletes the chunks with their workflow through ownerReferences), our
CRDs, the `kubernetes` client, kubectl and the `wf` CLI. The stores under test are real
KubernetesStores; one has a low offload threshold so a few hundred nodes offload.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from cli.main import cli
from tests.cluster.cluster import ControlPlane
from tests.cluster.store_fixtures import crds, open_kube_store  # noqa: F401
from tests.contract.store_contract import events_until, unique, workflow
from tests.support.polling import poll
from tests.unit.store.test_offload import packed_in_runs
from workflow_engine.spec.objects import API_GROUP
from workflow_engine.spec.status_codec import decompress_nodes
from workflow_engine.store.kubernetes import KubernetesOptions, KubernetesStore
from workflow_engine.store.kubernetes.offload import (
    OFFLOAD_FIELD,
    OWNER_LABEL,
    PIECE_LABEL,
    PIECES_FIELD,
)

pytestmark = pytest.mark.cluster

API_OBJECT_LIMIT = 1_572_864  # 1.5 MiB: etcd's request limit, what the API server keeps


@pytest.fixture
def small_store(crds: ControlPlane) -> Iterator[KubernetesStore]:  # noqa: F811
    options = KubernetesOptions(
        kubeconfig=str(crds.kubeconfig),
        group=API_GROUP,
        create_namespaces=True,
        offload_over=2048,
        offload_chunk_bytes=4096,
    )
    store = KubernetesStore(options)
    try:
        yield store
    finally:
        store.close()


def node_map(count: int, noise: int = 0, phase: str = "Succeeded") -> dict[str, Any]:
    """`count` pod nodes; `noise` random hex characters in each message (it does not
    compress, so the compressed map grows with it)."""
    return {
        f"big-{i}": {
            "id": f"big-{i}",
            "name": f"big[{i}]",
            "displayName": f"task-{i}",
            "type": "Pod",
            "phase": phase,
            "message": secrets.token_hex(noise // 2) if noise else "",
        }
        for i in range(count)
    }


def stored(cluster: ControlPlane, ns: str, name: str) -> dict[str, Any]:
    """The Workflow as the API server keeps it (no store in between)."""
    code, body = cluster.request(
        "GET", f"/apis/{API_GROUP}/v1alpha1/namespaces/{ns}/workflows/{name}"
    )
    assert code == 200, body
    assert isinstance(body, dict)
    return body


def chunks(cluster: ControlPlane, ns: str, uid: str) -> list[dict[str, Any]]:
    path = f"/apis/{API_GROUP}/v1alpha1/namespaces/{ns}/workflownodechunks"
    code, body = cluster.request("GET", f"{path}?labelSelector={OWNER_LABEL}%3D{uid}")
    assert code == 200, body
    items: list[dict[str, Any]] = body["items"]
    return items


def piece_names(parts: list[dict[str, Any]]) -> set[str]:
    """The pieces these chunks hold (each is labelled with its digest)."""
    return {p["metadata"]["labels"][PIECE_LABEL] for p in parts}


def nodes_of(obj: dict[str, Any]) -> dict[str, Any]:
    status = obj["status"]
    assert OFFLOAD_FIELD not in status
    nodes: dict[str, Any] = decompress_nodes(status["compressedNodes"])
    return nodes


def test_a_node_map_past_the_threshold_is_offloaded_read_back_and_deleted_with_it(
    crds: ControlPlane,  # noqa: F811
    small_store: KubernetesStore,
) -> None:
    ns = unique()
    created = small_store.create(workflow("big", ns))
    uid = created["metadata"]["uid"]
    watch = small_store.watch("Workflow", ns, created["metadata"]["resourceVersion"], 30)
    first = node_map(300, noise=16, phase="Running")
    written = small_store.update_status({**created, "status": {"phase": "Running", "nodes": first}})
    assert nodes_of(written) == first

    # kept outside the workflow: a reference in it, the map in chunks it owns
    raw = stored(crds, ns, "big")
    version = raw["status"][OFFLOAD_FIELD]
    assert "nodes" not in raw["status"] and "compressedNodes" not in raw["status"]
    assert len(json.dumps(raw)) < 4096
    parts = chunks(crds, ns, uid)
    assert len(parts) > 2
    assert piece_names(parts) == set(raw["status"][PIECES_FIELD])
    assert all(p["metadata"]["ownerReferences"][0]["uid"] == uid for p in parts)

    # read back by another store (nothing cached), by get, list and watch
    fresh = open_kube_store(crds)
    try:
        assert nodes_of(fresh.get("Workflow", "big", ns)) == first
        assert nodes_of(fresh.list("Workflow", ns).items[0]) == first
        summary = fresh.list_summaries("Workflow", ns).items[0]
        assert summary["status"] == {"phase": "Running", OFFLOAD_FIELD: version}
    finally:
        fresh.close()
    assert nodes_of(events_until(watch, 1)[0].object) == first

    # a new map: new chunks, then the old version's are collected
    second = node_map(300, noise=16)
    current = small_store.get("Workflow", "big", ns)
    small_store.update_status({**current, "status": {"phase": "Succeeded", "nodes": second}})
    new_status = stored(crds, ns, "big")["status"]
    assert new_status[OFFLOAD_FIELD] != version
    assert piece_names(chunks(crds, ns, uid)) == set(new_status[PIECES_FIELD])
    assert nodes_of(small_store.get("Workflow", "big", ns)) == second

    # listed small: kubectl's table and `wf list`
    table = crds.kubectl("get", f"workflows.{API_GROUP}", "-n", ns).stdout.splitlines()
    assert table[1].split()[:2] == ["big", "Succeeded"]
    env = {"WF_BACKEND": "kubernetes", "KUBECONFIG": str(crds.kubeconfig)}
    listed = CliRunner().invoke(cli, ["-n", ns, "list"], env=env, catch_exceptions=False)
    assert listed.exit_code == 0, listed.output
    assert "big" in listed.output and "Succeeded" in listed.output

    # deleted with the workflow (the cluster's garbage collector)
    small_store.delete("Workflow", "big", ns)
    poll(lambda: not chunks(crds, ns, uid), 60, "the chunks deleted with their workflow", 0.5)


def test_a_node_map_larger_than_the_api_object_limit_round_trips(
    crds: ControlPlane,  # noqa: F811
) -> None:
    ns = unique()
    store = open_kube_store(crds)  # the default threshold and chunk size
    try:
        created = store.create(workflow("huge", ns))
        nodes = node_map(5000, noise=400)
        store.update_status({**created, "status": {"phase": "Running", "nodes": nodes}})
        raw = stored(crds, ns, "huge")
        parts = chunks(crds, ns, created["metadata"]["uid"])
        assert sum(len(p["spec"]["data"]) for p in parts) > API_OBJECT_LIMIT
        assert all(len(json.dumps(p)) < API_OBJECT_LIMIT // 2 for p in parts)
        assert OFFLOAD_FIELD in raw["status"]
    finally:
        store.close()
    fresh = open_kube_store(crds)
    try:
        assert nodes_of(fresh.get("Workflow", "huge", ns)) == nodes
    finally:
        fresh.close()


def loop_nodes(count: int) -> dict[str, Any]:
    """The node map of a `withSequence` loop of `count` finished pods, with the fields
    the controller writes for each (ids, names, times, outputs, placement)."""
    nodes: dict[str, Any] = {
        "loop": {
            "id": "loop",
            "name": "loop",
            "displayName": "loop",
            "type": "TaskGroup",
            "phase": "Running",
            "children": [f"loop-{1_000_000_000 + i}" for i in range(count)],
        }
    }
    for i in range(count):
        node_id = f"loop-{1_000_000_000 + i}"
        nodes[node_id] = {
            "id": node_id,
            "name": f"loop.work({i}:{i})",
            "displayName": f"work({i}:{i})",
            "type": "Pod",
            "templateName": "work",
            "phase": "Succeeded",
            "boundaryID": "loop",
            "startedAt": f"2026-12-07T10:{i // 6000 % 60:02d}:{i // 100 % 60:02d}Z",
            "finishedAt": f"2026-12-07T10:{i // 6000 % 60:02d}:{(i // 100 + 1) % 60:02d}Z",
            "progress": "1/1",
            "resourcesDuration": {"cpu": 1, "memory": 1},
            "hostNodeName": "wf-node-1",
            "outputs": {"exitCode": "0", "result": secrets.token_hex(4)},
        }
    return nodes


def test_the_status_of_a_100000_node_workflow_round_trips(
    crds: ControlPlane,  # noqa: F811
) -> None:
    """Issue 10: a workflow of any size stays under the API server's object limit."""
    ns = unique()
    store = open_kube_store(crds)  # the default threshold and chunk size
    nodes = loop_nodes(100_000)
    try:
        created = store.create(workflow("loop", ns))
        store.update_status({**created, "status": {"phase": "Running", "nodes": nodes}})
        raw = stored(crds, ns, "loop")
        assert OFFLOAD_FIELD in raw["status"]
        assert len(json.dumps(raw)) < API_OBJECT_LIMIT // 2
        parts = chunks(crds, ns, created["metadata"]["uid"])
        assert len(parts) >= 2
    finally:
        store.close()
    fresh = open_kube_store(crds)
    try:
        assert nodes_of(fresh.get("Workflow", "loop", ns)) == nodes
    finally:
        fresh.close()


def test_a_write_that_changes_a_few_nodes_writes_only_their_pieces(
    crds: ControlPlane,  # noqa: F811
) -> None:
    """A map packed as the controller's serializer packs it (a gzip member per run of
    nodes): the chunks of pieces a new status still names are the same objects (not
    written again, not deleted); only the changed node's piece is new."""
    ns = unique()
    store = open_kube_store(crds)  # the default threshold and chunk size
    nodes = loop_nodes(20_000)
    try:
        created = store.create(workflow("runs", ns))
        uid = created["metadata"]["uid"]
        status = {"phase": "Running", "compressedNodes": packed_in_runs(nodes)}
        store.update_status({**created, "status": status})
        before = {p["metadata"]["uid"]: p for p in chunks(crds, ns, uid)}
        assert len(before) >= 8
        changed = "loop-1000012345"
        nodes[changed] = {**nodes[changed], "phase": "Failed", "message": "changed"}
        current = store.get("Workflow", "runs", ns)
        status = {"phase": "Running", "compressedNodes": packed_in_runs(nodes)}
        store.update_status({**current, "status": status})
        after = {p["metadata"]["uid"]: p for p in chunks(crds, ns, uid)}
        assert 1 <= len(after.keys() - before.keys()) <= 2
        assert 1 <= len(before.keys() - after.keys()) <= 2  # deleted: no longer named
        assert piece_names(list(after.values())) == set(
            stored(crds, ns, "runs")["status"][PIECES_FIELD]
        )
    finally:
        store.close()
    fresh = open_kube_store(crds)
    try:
        assert nodes_of(fresh.get("Workflow", "runs", ns)) == nodes
    finally:
        fresh.close()
