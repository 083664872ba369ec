"""Crash safety and load of the controller on the cluster.

Real: the control plane, `wf node`, the Kubernetes store and runtime, and the
controller as a separate `wf --kubeconfig K controller` process, killed with
SIGKILL mid-run: a new one must resume every workflow, create no pod twice (each pod
appends its name to a host file: a pod run twice shows twice) and lose nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.cluster.cluster import ControlPlane
from tests.cluster.controller_procs import gated, kube_ns, processes  # noqa: F401
from tests.cluster.workflows import (
    DATA,
    KubeController,
    cluster_store,
    create,
    node_map,
    start_controller,
    wait_done,
)
from tests.support.polling import poll

pytestmark = pytest.mark.cluster
WORKFLOWS = 5


@pytest.mark.timeout(900)
def test_a_killed_controller_is_replaced_and_nothing_runs_twice(
    cluster: ControlPlane,
    kube_ns: str,  # noqa: F811
    tmp_path: Path,
    processes: list[subprocess.Popen[bytes]],  # noqa: F811
) -> None:
    host = tmp_path / "host"
    host.mkdir()
    os.chmod(host, 0o777)
    runs = host / "runs"
    processes.append(start_controller(cluster, kube_ns, tmp_path))
    names = [create(cluster, kube_ns, gated(host)) for _ in range(WORKFLOWS)]

    def first_steps_running() -> bool:
        return runs.exists() and len(runs.read_text().split()) >= WORKFLOWS

    poll(first_steps_running, 180, "every first step to run", interval=0.2)
    processes[0].send_signal(signal.SIGKILL)
    processes[0].wait(30)
    (host / "gate").touch()
    processes.append(start_controller(cluster, kube_ns, tmp_path))
    store = cluster_store(cluster)
    try:
        finished = [wait_done(store, kube_ns, name, 300) for name in names]
    finally:
        store.close()
    assert [wf["status"]["phase"] for wf in finished] == ["Succeeded"] * WORKFLOWS
    ran = runs.read_text().split()
    assert len(ran) == 4 * WORKFLOWS
    assert len(set(ran)) == len(ran), sorted(ran)


@pytest.mark.timeout(1800)  # 500 pods, each a Python start, on a 2-core machine shared
@pytest.mark.parametrize(("workflows", "width"), [(50, 10)], ids=["50x10"])
def test_load_many_workflows_submitted_at_once_all_complete(
    cluster: ControlPlane,
    kube_ns: str,  # noqa: F811
    workflows: int,
    width: int,
) -> None:
    doc = yaml.safe_load((DATA / "fan-out.yaml").read_text())
    doc["spec"]["arguments"] = {"parameters": [{"name": "width", "value": str(width)}]}
    store = cluster_store(cluster)
    try:
        with KubeController(cluster, kube_ns, workers=4):
            names = [create(cluster, kube_ns, doc) for _ in range(workflows)]
            finished = [wait_done(store, kube_ns, name, 900) for name in names]
    finally:
        store.close()
    failed = [
        (wf["metadata"]["name"], n.get("displayName"), n.get("phase"), n.get("message"))
        for wf in finished
        for n in node_map(wf).values()
        if n.get("phase") not in ("Succeeded", "Skipped")
    ]
    assert {wf["status"]["phase"] for wf in finished} == {"Succeeded"}, failed[:10]
    pods = [
        n
        for wf in finished
        for n in node_map(wf).values()
        if n["type"] == "Pod" and n["phase"] == "Succeeded"
    ]
    assert len(pods) == workflows * width
