"""`wf node` against the real control plane (tests/cluster): the agent registers a
Ready Node with a Lease, the scheduler binds pods to it, they run as local processes
(ProcessRuntime), their status, exit codes and logs reach the API server, API-backed
volumes and the service-account token work inside them, and deletion stops them.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.cluster.cluster import ControlPlane
from tests.cluster.kube import NODE, WAIT, get, run_pod
from tests.cluster.kube import pod_manifest as _pod
from tests.cluster.procs import wait_until
from workflow_engine.runtime.kubernetes_node import NodeAgent

pytestmark = pytest.mark.cluster

SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
_get, _run = get, run_pod


def _logs(cluster: ControlPlane, ns: str, name: str) -> str:
    return cluster.kubectl("logs", "-n", ns, name).stdout


def test_node_registers_ready_with_lease(cluster: ControlPlane, node: NodeAgent) -> None:
    got = json.loads(cluster.kubectl("get", "node", NODE, "-o", "json").stdout)
    ready = next(c for c in got["status"]["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "True"
    assert got["status"]["addresses"] == [{"type": "InternalIP", "address": "127.0.0.1"}]
    assert got["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"] == node.kubelet_port
    lease = _get(cluster, "kube-node-lease", "lease", NODE)
    assert lease["spec"]["holderIdentity"] == NODE
    assert lease["spec"]["renewTime"]


@pytest.mark.parametrize(
    ("script", "phase", "exit_code", "reason", "logs"),
    [
        pytest.param("echo out; echo err >&2", "Succeeded", 0, "Completed", "out\nerr\n", id="ok"),
        pytest.param("echo bad; exit 3", "Failed", 3, "Error", "bad\n", id="exit-3"),
    ],
)
def test_pod_runs_to_completion_with_status_and_logs(
    cluster: ControlPlane,
    node: NodeAgent,
    namespace: str,
    script: str,
    phase: str,
    exit_code: int,
    reason: str,
    logs: str,
) -> None:
    pod = _run(cluster, namespace, _pod("job", script), ("Succeeded", "Failed"))
    assert pod["spec"]["nodeName"] == NODE  # bound by the real scheduler
    assert pod["status"]["phase"] == phase
    terminated = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (exit_code, reason)
    assert _logs(cluster, namespace, "job") == logs  # through the API server's kubelet proxy


def test_service_account_token_authenticates_the_pod(
    cluster: ControlPlane, node: NodeAgent, namespace: str
) -> None:
    script = (
        f"cat {SA_DIR}/namespace; echo; "
        "/usr/bin/kubectl --server=https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT "
        f"--certificate-authority={SA_DIR}/ca.crt --token=$(cat {SA_DIR}/token) "
        "auth whoami -o jsonpath='{.status.userInfo.username}'"
    )
    pod = _run(cluster, namespace, _pod("whoami", script), ("Succeeded", "Failed"))
    out = _logs(cluster, namespace, "whoami")
    assert pod["status"]["phase"] == "Succeeded", out
    assert out == f"{namespace}\nsystem:serviceaccount:{namespace}:default\n"


def test_config_map_and_secret_volumes(
    cluster: ControlPlane, node: NodeAgent, namespace: str
) -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "creds"},
        "data": {"password": base64.b64encode(b"s3cret").decode()},
    }
    cluster.kubectl(
        "create", "-n", namespace, "configmap", "settings", "--from-literal=greeting=hi"
    )
    cluster.kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(secret))
    pod = _pod("reader", "cat /etc/settings/greeting /etc/creds/pw")
    pod["spec"]["volumes"] = [
        {"name": "settings", "configMap": {"name": "settings"}},
        {
            "name": "creds",
            "secret": {"secretName": "creds", "items": [{"key": "password", "path": "pw"}]},
        },
    ]
    pod["spec"]["containers"][0]["volumeMounts"] = [
        {"name": "settings", "mountPath": "/etc/settings"},
        {"name": "creds", "mountPath": "/etc/creds", "readOnly": True},
    ]
    _run(cluster, namespace, pod, ("Succeeded",))
    assert _logs(cluster, namespace, "reader") == "his3cret\n"


def test_pod_waits_for_a_missing_config_map_then_runs(
    cluster: ControlPlane, node: NodeAgent, namespace: str
) -> None:
    pod = _pod("patient", "cat /etc/late/v")
    pod["spec"]["volumes"] = [{"name": "late", "configMap": {"name": "late"}}]
    pod["spec"]["containers"][0]["volumeMounts"] = [{"name": "late", "mountPath": "/etc/late"}]
    cluster.kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(pod))

    def reported() -> bool:
        status = _get(cluster, namespace, "pod", "patient").get("status", {})
        return "cannot start pod" in status.get("message", "")

    wait_until("a status message about the missing ConfigMap", reported, WAIT, interval=0.3)
    assert _get(cluster, namespace, "pod", "patient")["status"]["phase"] == "Pending"
    cluster.kubectl("create", "-n", namespace, "configmap", "late", "--from-literal=v=now")
    _run(cluster, namespace, pod, ("Succeeded",))
    assert _logs(cluster, namespace, "patient") == "now\n"


def test_deleting_a_running_pod_stops_it(
    cluster: ControlPlane, node: NodeAgent, namespace: str, tmp_path: Path
) -> None:
    pod = _pod("sleeper", "echo started; exec sleep 300", terminationGracePeriodSeconds=5)
    _run(cluster, namespace, pod, ("Running",))

    def in_runtime() -> bool:
        return any(o.name == "sleeper" and o.namespace == namespace for o in node.runtime.observe())

    assert in_runtime()
    cluster.kubectl("delete", "-n", namespace, "pod", "sleeper", f"--timeout={WAIT:.0f}s")
    gone = cluster.kubectl("get", "-n", namespace, "pod", "sleeper", check=False)
    assert "NotFound" in gone.stderr
    wait_until("the runtime to forget the pod", lambda: not in_runtime(), WAIT, interval=0.2)
