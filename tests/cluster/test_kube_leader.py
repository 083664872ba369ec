"""Two controller replicas on the cluster: only the Lease holder acts.

Real: the control plane, `wf node`, the Kubernetes store and runtime, and two
`wf --kubeconfig K controller` processes electing a leader over a
coordination.k8s.io/v1 Lease (short timings: 4 s duration, 3 s renew deadline, 0.5 s
retry). The leader is killed with SIGKILL mid-run: the standby takes over once the
lease has run out, and every workflow completes with no pod run twice (each pod
appends its name to a host file). Then a third replica waits while the second leads,
and SIGTERM makes the second release the Lease, so the third takes it; when someone
else's name is written into the Lease, the third stops and exits 1. Each replica's
Prometheus endpoint is scraped: `wf_leader` tells the leader from the standby, and the
new leader counts the finished workflows.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.cluster.cluster import ControlPlane
from tests.cluster.controller_procs import gated, kube_ns, processes  # noqa: F401
from tests.cluster.procs import free_ports
from tests.cluster.workflows import (
    FAST_LEASE,
    cluster_store,
    create,
    start_controller,
    wait_done,
)
from tests.support.polling import poll

pytestmark = pytest.mark.cluster
WORKFLOWS = 2
LEASE = "wf-controller"
STARTED = "controller started against the cluster"
# A `wf controller` process start: it took over 60 s at load 30 on the 2-core machine.
START = 180


def holder(cluster: ControlPlane, namespace: str) -> str | None:
    """The Lease's holderIdentity ("" released), None while there is no Lease."""
    status, body = cluster.request(
        "GET", f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{LEASE}"
    )
    if status == 404:
        return None
    assert status == 200, body
    return str(body["spec"].get("holderIdentity") or "")


def log_of(home: Path, identity: str) -> str:
    return (home / f"{identity}.log").read_text(errors="replace")


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """The samples of a controller's metrics endpoint; {} while it does not answer."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
            text = resp.read().decode()
    except OSError:
        return {}
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def leader_gauge(port: int) -> float | None:
    return scrape(port).get(("wf_leader", ()))


@pytest.mark.timeout(600)
def test_only_the_leader_acts_and_a_standby_takes_over(
    cluster: ControlPlane,
    kube_ns: str,  # noqa: F811
    tmp_path: Path,
    processes: list[subprocess.Popen[bytes]],  # noqa: F811
) -> None:
    host = tmp_path / "host"
    host.mkdir()
    os.chmod(host, 0o777)
    runs = host / "runs"
    port_a, port_b = free_ports(2)
    processes.append(start_controller(cluster, kube_ns, tmp_path, "ctl-a", port_a))
    poll(lambda: holder(cluster, kube_ns) == "ctl-a", START, "ctl-a to lead", interval=0.2)
    processes.append(start_controller(cluster, kube_ns, tmp_path, "ctl-b", port_b))
    poll(lambda: "waits for lease" in log_of(tmp_path, "ctl-b"), START, "ctl-b to wait")
    names = [create(cluster, kube_ns, gated(host)) for _ in range(WORKFLOWS)]

    def first_steps_running() -> bool:
        return runs.exists() and len(runs.read_text().split()) >= WORKFLOWS

    poll(first_steps_running, 180, "every first step to run", interval=0.2)
    # The standby never started its loop: it read nothing, created no pod.
    assert holder(cluster, kube_ns) == "ctl-a"
    assert STARTED in log_of(tmp_path, "ctl-a")
    assert STARTED not in log_of(tmp_path, "ctl-b")
    assert (leader_gauge(port_a), leader_gauge(port_b)) == (1, 0)

    processes[0].send_signal(signal.SIGKILL)
    processes[0].wait(30)
    killed = time.monotonic()
    (host / "gate").touch()
    poll(lambda: holder(cluster, kube_ns) == "ctl-b", 60, "ctl-b to take over", interval=0.1)
    takeover = time.monotonic() - killed
    print(f"takeover after SIGKILL: {takeover:.1f} s (lease {FAST_LEASE['WF_LEASE_DURATION']} s)")
    store = cluster_store(cluster)
    try:
        finished = [wait_done(store, kube_ns, name, 300) for name in names]
    finally:
        store.close()
    assert [wf["status"]["phase"] for wf in finished] == ["Succeeded"] * WORKFLOWS
    ran = runs.read_text().split()
    assert len(ran) == 4 * WORKFLOWS
    assert len(set(ran)) == len(ran), sorted(ran)
    done = ("wf_workflows", (("phase", "Succeeded"),))
    seen = poll(lambda: (m := scrape(port_b)).get(done) == WORKFLOWS and m, 30, "the count")
    assert seen[("wf_leader", ())] == 1
    assert seen[("wf_reconcile_duration_seconds_count", ())] >= WORKFLOWS

    # SIGTERM: the leader stops its loop and releases the Lease; the standby takes it.
    processes.append(start_controller(cluster, kube_ns, tmp_path, "ctl-c"))
    poll(lambda: "waits for lease" in log_of(tmp_path, "ctl-c"), START, "ctl-c to wait")
    processes[1].send_signal(signal.SIGTERM)
    assert processes[1].wait(60) == 0
    assert "released by ctl-b" in log_of(tmp_path, "ctl-b")
    poll(lambda: holder(cluster, kube_ns) == "ctl-c", 60, "ctl-c to take over", interval=0.1)
    poll(lambda: STARTED in log_of(tmp_path, "ctl-c"), 60, "ctl-c to start its loop")

    # Someone else in the Lease: the leader stops its loop and exits 1, releasing nothing.
    patch = '{"spec": {"holderIdentity": "intruder"}}'
    cluster.kubectl("patch", "lease", LEASE, "-n", kube_ns, "--type", "merge", "-p", patch)
    assert processes[2].wait(60) == 1
    log = log_of(tmp_path, "ctl-c")
    assert "lost by ctl-c" in log and "controller stopped after" in log
    assert holder(cluster, kube_ns) == "intruder"
