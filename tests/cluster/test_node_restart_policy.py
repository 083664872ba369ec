"""`wf node` honours restartPolicy as the kubelet does (tests/cluster): a crash-looping
Deployment stays one pod whose container restarts in place (restartCount grows,
CrashLoopBackOff with the last run in lastState between runs); OnFailure restarts a
failed container and ends Succeeded once it succeeds; Never ends the pod as before.

The pods run on an agent of this module (`wf-restart-policy-node`) whose back-off is
short (BACKOFF: 1 s doubling to 2 s) so that the restarts come quickly.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cluster.cluster import ControlPlane
from tests.cluster.fixtures import start_agent, stop_agent
from tests.cluster.kube import WAIT, apply, get, host_dir, load, pod_manifest, run_pod
from tests.cluster.procs import wait_until
from workflow_engine.runtime.kubernetes_node import Backoff, NodeAgent

pytestmark = pytest.mark.cluster

POLICY_NODE = "wf-restart-policy-node"
BACKOFF = Backoff(1.0, 2.0)


@pytest.fixture(scope="module")
def policy_node(
    cluster: ControlPlane, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NodeAgent]:
    running = start_agent(cluster, POLICY_NODE, tmp_path_factory.mktemp("policy-node"), BACKOFF)
    yield running.agent
    stop_agent(cluster, POLICY_NODE, running)


def _main(pod: dict[str, Any]) -> dict[str, Any]:
    [status] = pod["status"]["containerStatuses"]
    return dict(status)


def test_a_crash_looping_deployment_restarts_one_pod_in_place(
    cluster: ControlPlane, policy_node: NodeAgent, namespace: str
) -> None:
    deployment = load("crash-deployment.yaml")
    deployment["spec"]["template"]["spec"]["nodeSelector"] = {"kubernetes.io/hostname": POLICY_NODE}
    apply(cluster, namespace, deployment)
    backing_off: list[dict[str, Any]] = []
    pods: list[dict[str, Any]] = []
    started: set[str] = set()  # the pod's startTime as reported over its restarts

    def restarted_thrice() -> bool:
        pods[:] = get(cluster, namespace, "pods")["items"]
        for pod in pods:
            started.update(filter(None, [(pod.get("status") or {}).get("startTime")]))
            statuses = pod.get("status", {}).get("containerStatuses") or []
            if statuses and "waiting" in statuses[0]["state"]:
                backing_off.append(pod)
        statuses = [(p.get("status") or {}).get("containerStatuses") or [{}] for p in pods]
        counts = [s[0].get("restartCount", 0) for s in statuses]
        return bool(counts) and counts[0] >= 3 and bool(backing_off)

    wait_until("the pod restarted 3 times", restarted_thrice, WAIT, interval=0.2)
    assert len(pods) == 1, [p["metadata"]["name"] for p in pods]  # no new pods: restarts
    assert pods[0]["status"]["phase"] == "Running"
    assert len(started) == 1, started  # the pod's start, not each run's
    waiting = _main(backing_off[-1])
    assert waiting["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert "restarting failed container=main" in waiting["state"]["waiting"]["message"]
    assert waiting["lastState"]["terminated"]["exitCode"] == 3
    assert waiting["ready"] is False
    # the ReplicaSet saw no failed pod to replace
    rs = get(cluster, namespace, "replicasets")["items"]
    assert [r["status"].get("replicas") for r in rs] == [1]


def test_on_failure_restarts_a_failed_container_until_it_succeeds(
    cluster: ControlPlane, policy_node: NodeAgent, namespace: str, tmp_path: Path
) -> None:
    tmp_path.chmod(0o777)
    script = "echo run >> /trig/runs; [ $(wc -l < /trig/runs) -ge 2 ] || exit 5"
    pod = host_dir(pod_manifest("twice", script, POLICY_NODE, restartPolicy="OnFailure"), tmp_path)
    done = run_pod(cluster, namespace, pod, ("Succeeded", "Failed"))
    assert done["status"]["phase"] == "Succeeded"
    main = _main(done)
    assert main["restartCount"] == 1
    assert main["state"]["terminated"]["exitCode"] == 0
    assert main["lastState"]["terminated"]["exitCode"] == 5
    assert (tmp_path / "runs").read_text() == "run\nrun\n"


def test_on_failure_with_exit_0_ends_succeeded_without_a_restart(
    cluster: ControlPlane, policy_node: NodeAgent, namespace: str
) -> None:
    pod = pod_manifest("ok", "exit 0", POLICY_NODE, restartPolicy="OnFailure")
    done = run_pod(cluster, namespace, pod, ("Succeeded", "Failed"))
    assert done["status"]["phase"] == "Succeeded"
    assert _main(done)["restartCount"] == 0


def test_never_ends_the_pod_failed(
    cluster: ControlPlane, policy_node: NodeAgent, namespace: str
) -> None:
    pod = pod_manifest("once", "exit 4", POLICY_NODE)  # restartPolicy Never, as a workflow's
    done = run_pod(cluster, namespace, pod, ("Succeeded", "Failed"))
    assert done["status"]["phase"] == "Failed"
    main = _main(done)
    assert (main["restartCount"], main["state"]["terminated"]["exitCode"]) == (0, 4)
    assert "lastState" not in main or not main["lastState"]
