"""Kubernetes workloads on `wf node` (tests/cluster): a Deployment served over HTTP
and garbage-collected, Jobs that complete and fail with their exit code, `kubectl logs
-f` streaming, and pod deletion stopping the pod's processes within its grace period.
Everything on the server side is real (API server, scheduler, controller-manager,
kubectl); the pods run as local processes of the `node` fixture's agent.
"""

from __future__ import annotations

import queue
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cluster.cluster import ControlPlane
from tests.cluster.kube import (
    NODE,
    WAIT,
    alive,
    apply,
    condition,
    get,
    host_dir,
    load,
    pod_manifest,
    read_pid,
    run_pod,
    wait_for,
)
from tests.cluster.procs import wait_until
from tests.support.processes import first_marked_pid, marker_env
from workflow_engine.runtime.kubernetes_node import NodeAgent

pytestmark = pytest.mark.cluster


def _web_ports(cluster: ControlPlane, ns: str) -> dict[str, int]:
    """Pod name -> the port its wrapper printed, once both replicas are Running and Ready."""
    pods: list[dict[str, Any]] = []

    def both_ready() -> bool:
        pods[:] = get(cluster, ns, "pods", "-l", "app=web")["items"]
        running = [p for p in pods if p.get("status", {}).get("phase") == "Running"]
        return len(running) == 2 and all(condition(p, "Ready") == "True" for p in running)

    wait_until("2 web pods Running and Ready", both_ready, WAIT, interval=0.3)
    assert {p["spec"]["nodeName"] for p in pods} == {NODE}  # bound by the real scheduler
    ports: dict[str, int] = {}

    def printed() -> bool:
        for pod in pods:
            name = pod["metadata"]["name"]
            first = cluster.kubectl("logs", "-n", ns, name).stdout.partition("\n")[0]
            if first.startswith("port "):
                ports[name] = int(first.split()[1])
        return len(ports) == 2

    wait_until("both pods to print their port", printed, WAIT, interval=0.3)
    return ports


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as resp:
            return resp.status == 200 and b"Directory listing" in resp.read()
    except OSError:
        return False


def test_deployment_becomes_available_and_serves(
    cluster: ControlPlane, node: NodeAgent, namespace: str
) -> None:
    apply(cluster, namespace, load("web-deployment.yaml"))
    ports = _web_ports(cluster, namespace)
    assert len(set(ports.values())) == 2, ports
    wait_for(
        cluster,
        namespace,
        ("deployment", "web"),
        lambda d: condition(d, "Available") == "True" and d["status"].get("readyReplicas") == 2,
        "deployment web Available with 2 ready replicas",
    )
    for name, port in ports.items():
        wait_until(f"{name} to answer HTTP on {port}", lambda p=port: _answers(p), WAIT)


def test_deleting_the_deployment_garbage_collects_its_pods(
    cluster: ControlPlane, node: NodeAgent, namespace: str
) -> None:
    apply(cluster, namespace, load("web-deployment.yaml"))
    ports = _web_ports(cluster, namespace)
    cluster.kubectl("delete", "-n", namespace, "deployment", "web", "--wait=false")

    def collected() -> bool:
        left = get(cluster, namespace, "pods,replicasets", "-l", "app=web")["items"]
        return not left

    wait_until("the ReplicaSet and pods to be deleted", collected, WAIT, interval=0.3)
    for port in ports.values():
        assert not _answers(port), f"a server still answers on {port}"

    def runtime_forgot() -> bool:
        return not any(o.namespace == namespace for o in node.runtime.observe())

    wait_until("the agent to drop the pods", runtime_forgot, WAIT, interval=0.2)


@pytest.mark.parametrize(
    ("manifest", "outcome", "phase", "exit_code"),
    [
        pytest.param("job-complete.yaml", "Complete", "Succeeded", 0, id="complete"),
        pytest.param("job-fail.yaml", "Failed", "Failed", 7, id="failed-exit-7"),
    ],
)
def test_job_outcome_and_exit_code(
    cluster: ControlPlane,
    node: NodeAgent,
    namespace: str,
    manifest: str,
    outcome: str,
    phase: str,
    exit_code: int,
) -> None:
    apply(cluster, namespace, load(manifest))
    job = wait_for(
        cluster,
        namespace,
        ("job", "once"),
        lambda j: "True" in (condition(j, "Complete"), condition(j, "Failed")),
        "job once to finish",
    )
    assert condition(job, outcome) == "True", job["status"]
    out = cluster.kubectl("get", "-n", namespace, "pod", "-l", "job-name=once", "-o", "yaml")
    (pod,) = yaml.safe_load(out.stdout)["items"]
    assert pod["status"]["phase"] == phase
    terminated = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert terminated["exitCode"] == exit_code


def _read_lines(stream: Any, into: queue.Queue[str | None]) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


def test_logs_follow_streams_lines_as_written_and_ends_with_the_container(
    cluster: ControlPlane, node: NodeAgent, namespace: str, tmp_path: Path
) -> None:
    script = (
        "echo one; while [ ! -e /trig/two ]; do sleep 0.05; done; echo two; "
        "while [ ! -e /trig/end ]; do sleep 0.05; done; echo three"
    )
    run_pod(cluster, namespace, host_dir(pod_manifest("talker", script), tmp_path), ("Running",))
    argv = [cluster.kubectl_path, f"--kubeconfig={cluster.kubeconfig}"]
    follow = subprocess.Popen(
        [*argv, "logs", "-f", "-n", namespace, "talker"], stdout=subprocess.PIPE, text=True
    )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_read_lines, args=(follow.stdout, lines), daemon=True).start()
    try:
        assert lines.get(timeout=WAIT) == "one\n"
        (tmp_path / "two").touch()
        assert lines.get(timeout=WAIT) == "two\n"
        # streamed while the container still runs, not replayed at its end
        assert get(cluster, namespace, "pod", "talker")["status"]["phase"] == "Running"
        (tmp_path / "end").touch()
        assert lines.get(timeout=WAIT) == "three\n"
        assert lines.get(timeout=WAIT) is None
        assert follow.wait(timeout=WAIT) == 0
    finally:
        if follow.poll() is None:
            follow.kill()
            follow.wait()
    logs = cluster.kubectl("logs", "-n", namespace, "talker").stdout
    assert logs == "one\ntwo\nthree\n"


@pytest.mark.parametrize(
    ("script", "grace", "within"),
    [
        # Upper bounds leave room for a loaded machine; what matters is that the first
        # ends well before its grace period and the second not before its own.
        pytest.param("exec sleep 300", 30, (0.0, 15.0), id="exits-on-sigterm"),
        pytest.param("trap '' TERM; exec sleep 300", 3, (2.5, 20.0), id="sigkill-after-grace"),
    ],
)
def test_deleting_a_pod_ends_its_processes_within_the_grace_period(
    cluster: ControlPlane,
    node: NodeAgent,
    namespace: str,
    tmp_path: Path,
    script: str,
    grace: int,
    within: tuple[float, float],
) -> None:
    # `$$$$`: Kubernetes turns `$$` into `$` in a container's command; in a PID
    # namespace that pid is the namespace's, so the host pid is found by a marker
    pod = pod_manifest("victim", f"echo $$$$ > /trig/pid; {script}")
    pod["spec"]["containers"][0]["env"] = marker_env(namespace)
    pod["spec"]["terminationGracePeriodSeconds"] = grace
    run_pod(cluster, namespace, host_dir(pod, tmp_path), ("Running",))
    wait_until("the pid file", lambda: read_pid(tmp_path / "pid") is not None, WAIT)
    pid = first_marked_pid(namespace)
    assert pid is not None and alive(pid)
    began = time.monotonic()
    cluster.kubectl("delete", "-n", namespace, "pod", "victim", "--wait=false")
    wait_until(f"process {pid} to end", lambda: not alive(pid), within[1], interval=0.05)
    elapsed = time.monotonic() - began
    # SIGTERM first (a process that obeys it ends long before its grace period is up),
    # SIGKILL only once the grace period has passed
    assert within[0] <= elapsed <= within[1]

    def gone() -> bool:
        result = cluster.kubectl("get", "-n", namespace, "pod", "victim", check=False)
        return "NotFound" in result.stderr

    wait_until("the pod object to disappear", gone, WAIT, interval=0.2)
