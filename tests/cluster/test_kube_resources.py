"""Resource templates against the local control plane: in Kubernetes mode with the
controller's own client (the example creates a ConfigMap and a Job and waits for the
Job's success condition; setOwnerReference, a merge patch and a get), and in embedded
mode acting on the cluster named by the resource kubeconfig.

Real: the control plane (its job controller runs the Job, the scheduler puts its pod
on `wf node`), the Kubernetes store and runtime, the controller loop (a thread of
this process), and, for the embedded case, the embedded controller over a temporary
state directory.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from cli.main import app_from_env, cli
from tests.cluster.cluster import ControlPlane
from tests.cluster.workflows import (
    DATA,
    KubeController,
    cluster_store,
    create,
    example,
    prepare_namespace,
    wait_done,
)
from workflow_engine.controller.embedded import EmbeddedOptions, StatePaths, run
from workflow_engine.runtime.kubernetes_node import NodeAgent

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def ns(cluster: ControlPlane, node: NodeAgent) -> Iterator[str]:
    namespace = f"res-{uuid.uuid4().hex[:8]}"
    cluster.kubectl("create", "namespace", namespace)
    prepare_namespace(cluster, namespace)
    yield namespace
    cluster.kubectl("delete", "namespace", namespace, "--wait=false", check=False)


def by_name(wf: dict) -> dict:
    return {n["displayName"]: n for n in wf["status"]["nodes"].values()}


def kubectl_json(cluster: ControlPlane, *args: str) -> dict:
    return dict(json.loads(cluster.kubectl(*args, "-o", "json").stdout))


def check_job_example(cluster: ControlPlane, namespace: str, wf: dict) -> None:
    name = wf["metadata"]["name"]
    assert wf["status"]["phase"] == "Succeeded", json.dumps(wf["status"], indent=1)[:3000]
    job = by_name(wf)["job"]
    params = {p["name"]: p["value"] for p in job["outputs"]["parameters"]}
    assert params == {"job-name": f"{name}-job", "succeeded": "1"}
    config = kubectl_json(cluster, "get", "configmap", "-n", namespace, f"{name}-config")
    assert config["data"] == {"greeting": "hello from a resource template"}
    status = kubectl_json(cluster, "get", "job", "-n", namespace, f"{name}-job")["status"]
    assert status["succeeded"] == 1


def test_kubernetes_mode_creates_a_config_map_and_waits_for_a_job(
    cluster: ControlPlane, ns: str
) -> None:
    store = cluster_store(cluster)
    try:
        with KubeController(cluster, ns, workers=2):
            job_wf = create(cluster, ns, example("resource-job.yaml"))
            owned = create(cluster, ns, yaml.safe_load((DATA / "resource-owned.yaml").read_text()))
            fails = create(
                cluster, ns, yaml.safe_load((DATA / "resource-job-fails.yaml").read_text())
            )
            check_job_example(cluster, ns, wait_done(store, ns, job_wf, 300))
            wf = wait_done(store, ns, owned, 300)
            failed = wait_done(store, ns, fails, 300)
    finally:
        store.close()
    assert wf["status"]["phase"] == "Succeeded", json.dumps(wf["status"], indent=1)[:3000]
    params = {p["name"]: p["value"] for p in by_name(wf)["read"]["outputs"]["parameters"]}
    assert params == {"colour": "blue", "keys": "colour,shape"}
    config = kubectl_json(cluster, "get", "configmap", "-n", ns, f"{owned}-owned")
    assert config["data"] == {"colour": "blue", "shape": "round"}
    [ref] = config["metadata"]["ownerReferences"]
    assert (ref["kind"], ref["name"], ref["uid"]) == ("Workflow", owned, wf["metadata"]["uid"])
    made = kubectl_json(cluster, "get", "configmap", "-n", ns, "resource-from-artifact")
    assert made["data"] == {"source": "an input artifact"}
    assert failed["status"]["phase"] == "Failed"
    (node,) = failed["status"]["nodes"].values()
    assert (node["phase"], node["message"]) == (
        "Failed",
        "failure condition 'status.failed > 0' evaluated true",
    )


@pytest.fixture
def embedded_on_cluster(cluster: ControlPlane, tmp_path: Path) -> Iterator[dict[str, str]]:
    """An embedded controller (a thread) whose resource templates act on the cluster."""
    home = tmp_path / "state"
    stop = threading.Event()
    options = EmbeddedOptions(resource_kubeconfig=str(cluster.kubeconfig))
    thread = threading.Thread(target=run, args=(StatePaths(home), options, stop), daemon=True)
    thread.start()
    yield {"WF_HOME": str(home), "HOME": str(home), "WF_NO_CONTROLLER": "1"}
    stop.set()
    thread.join(30)


def test_embedded_mode_acts_on_the_configured_cluster(
    cluster: ControlPlane, ns: str, embedded_on_cluster: dict[str, str]
) -> None:
    env = {**embedded_on_cluster, "WF_NAMESPACE": ns}
    path = str(Path(__file__).parents[2] / "examples" / "resource-job.yaml")
    run_ = CliRunner().invoke(cli, ["submit", path, "--wait", "-o", "json"], obj=app_from_env(env))
    assert run_.exit_code == 0, run_.output
    wf = json.loads(run_.output)
    check_job_example(cluster, ns, wf)
    logs = CliRunner().invoke(cli, ["logs", wf["metadata"]["name"]], obj=app_from_env(env))
    assert f"job {wf['metadata']['name']}-job succeeded: 1" in logs.output
