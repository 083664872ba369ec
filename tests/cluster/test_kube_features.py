"""The features that run in the controller, on the cluster: the examples of
synchronization (a workflow mutex, a template semaphore whose limit is a ConfigMap's
key), memoize, http and data templates and custom metrics, run by the Kubernetes
controller, end as they do in embedded mode (tests/integration/examples/ checks the
same things there); a workflow with `podDisruptionBudget`, which embedded mode warns
of, gets no `SpecWarning` here (the controller makes its budget:
test_kube_disruption_budget.py).

All the workflows run at once under one controller, to keep the test short.
Real: the session's control plane and `wf node`, the Kubernetes store and runtime,
the controller loop (a thread) serving /metrics on loopback, the session's SeaweedFS
(the data template's artifact repository) and an HTTP server on 127.0.0.1 (the http
template's peer). (This module once ran on a control plane of its own: a namespace
another test left behind held a crash-looping Deployment whose pods the node agent
ended Failed, so its ReplicaSet made a new pod every 2 s on the shared node. The agent
now restarts such a container in place, with a back-off, and that test deletes its
namespace.)"""

from __future__ import annotations

import base64
import json
import logging
import urllib.request
from typing import Any

import pytest

from tests.cluster.cluster import ControlPlane
from tests.cluster.workflows import (
    KubeController,
    cluster_store,
    create,
    example,
    logged_metrics_port,
    prepare_namespace,
    wait_done,
)
from tests.fixtures.httpserver import PASSWORD, USER, HTTPFiles, http_files  # noqa: F401
from tests.fixtures.seaweedfs import SeaweedServer
from tests.integration.artifacts.conftest import SECRET_NAME, fresh_bucket, s3_repository
from tests.integration.examples.test_synchronization import intervals, most_at_once
from tests.support.polling import poll
from workflow_engine.runtime.kubernetes_node import NodeAgent

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(600)]
Wf = dict[str, Any]


def by_name(wf: Wf) -> dict[str, Wf]:
    return {n["displayName"]: n for n in wf["status"]["nodes"].values()}


def budgeted() -> Wf:
    doc = example("hello-world.yaml")
    doc["metadata"] = {"generateName": "budgeted-"}
    doc["spec"]["podDisruptionBudget"] = {"minAvailable": 1}
    return doc


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        return str(response.read().decode())


def _with(text: str, needle: str) -> str:
    return text if needle in text else ""


def _prepare(cluster: ControlPlane, namespace: str, seaweedfs: SeaweedServer) -> None:
    prepare_namespace(cluster, namespace)
    token = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    secrets = {
        SECRET_NAME: {"accesskey": seaweedfs.access_key, "secretkey": seaweedfs.secret_key},
        "http-creds": {"authorization": token},
    }
    for name, data in secrets.items():
        literals = [f"--from-literal={k}={v}" for k, v in data.items()]
        cluster.kubectl("create", "secret", "generic", name, "-n", namespace, *literals)
    limits = ["--from-literal=builds=2"]
    cluster.kubectl("create", "configmap", "sync-limits", "-n", namespace, *limits)


def test_controller_features_on_the_cluster(
    cluster: ControlPlane,
    node: NodeAgent,
    namespace: str,
    seaweedfs: SeaweedServer,
    http_files: HTTPFiles,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    _prepare(cluster, namespace, seaweedfs)
    caplog.set_level(logging.INFO, logger="workflow_engine.controller.kube")
    store = cluster_store(cluster)
    options = {"metrics_port": 0, "metrics_address": "127.0.0.1"}
    repository = s3_repository(seaweedfs, fresh_bucket())
    try:
        with KubeController(cluster, namespace, default_repository=repository, **options):
            port = logged_metrics_port(lambda: caplog.text)
            docs = {
                "mutex-1": example("synchronization-mutex.yaml"),
                "mutex-2": example("synchronization-mutex.yaml"),
                "semaphore": example("synchronization-semaphore.yaml"),
                "memoize": example("memoize.yaml"),
                "http": example("http-template.yaml", {"base": http_files.url}),
                "data": example("data-template.yaml"),
                "metrics": example("metrics.yaml"),
                "budgeted": budgeted(),
            }
            names = {key: create(cluster, namespace, doc) for key, doc in docs.items()}
            done = {"memoize": wait_done(store, namespace, names["memoize"], 300)}
            # the same inputs again: the cache of the first run answers, no pod runs
            names["memoize-again"] = create(cluster, namespace, example("memoize.yaml"))
            done.update((k, wait_done(store, namespace, n, 300)) for k, n in names.items())
            phases = {key: wf["status"]["phase"] for key, wf in done.items()}
            assert set(phases.values()) == {"Succeeded"}, json.dumps(phases)
            text = poll(
                lambda: _with(_scrape(port), "example_step_seconds"),
                timeout=120,
                what="the custom metrics on /metrics",
            )
        _check_synchronization(done)
        _check_memoize(done)
        _check_http_and_data(done, http_files)
        _check_metrics(text)
        _check_no_warning(cluster, namespace, done["budgeted"])
    finally:
        store.close()


def _check_synchronization(done: dict[str, Wf]) -> None:
    spans = intervals(done["mutex-1"]) + intervals(done["mutex-2"])
    assert len(spans) == 2 and most_at_once(spans) == 1
    builds = intervals(done["semaphore"])
    assert len(builds) == 5 and most_at_once(builds) <= 2
    assert all("synchronization" not in done[k]["status"] for k in ("mutex-1", "semaphore"))


def _check_memoize(done: dict[str, Wf]) -> None:
    [first] = by_name(done["memoize"]).values()
    [second] = by_name(done["memoize-again"]).values()
    assert first["memoizationStatus"]["hit"] is False
    assert second["memoizationStatus"] == {**first["memoizationStatus"], "hit": True}
    assert second["outputs"]["parameters"] == [{"name": "twice", "value": "42"}]


def _check_http_and_data(done: dict[str, Wf], http_files: HTTPFiles) -> None:  # noqa: F811
    http = by_name(done["http"])
    name = done["http"]["metadata"]["name"]
    assert http["upload"]["type"] == http["fetch"]["type"] == "HTTP"
    assert http["fetch"]["outputs"]["result"] == f"hello from {name}"
    assert (http_files.root / "private" / "greeting.txt").exists()
    data = by_name(done["data"])
    [logs] = data["produce"]["outputs"]["artifacts"]
    key = logs["s3"]["key"]
    assert json.loads(data["pick"]["outputs"]["result"]) == [
        f"{key}/build.log",
        f"{key}/nested/test.log",
    ]
    assert sum(1 for n in data.values() if n.get("templateName") == "show") == 2


def _check_metrics(text: str) -> None:
    lines = text.splitlines()
    # served by prometheus_client, which names a counter's sample `<name>_total`
    assert 'argo_workflows_example_workflow_runs_total{status="Succeeded"} 1.0' in lines
    assert "argo_workflows_example_step_exit_code 0.0" in lines
    assert any(line.startswith("argo_workflows_example_step_seconds{") for line in lines)
    assert not any("example_broken" in line for line in lines)


def _check_no_warning(cluster: ControlPlane, namespace: str, wf: Wf) -> None:
    conditions = wf["status"].get("conditions") or []
    assert not [c for c in conditions if c["type"] == "SpecWarning"], conditions
    name = wf["metadata"]["name"]
    events = cluster.kubectl(
        "get", "events", "-n", namespace, "--field-selector", "reason=SpecWarning", "-o", "json"
    ).stdout
    found = [
        (e["type"], e["message"])
        for e in json.loads(events)["items"]
        if e["involvedObject"]["name"] == name
    ]
    assert found == []
