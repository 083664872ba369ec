"""`wf node` killed (SIGKILL) and restarted under a running Job (tests/cluster).

The agent runs as its own process here (`python -m workflow_engine.runtime.kubernetes_node`,
node `wf-restart-node`, a fixed state directory), so the test can kill it outright.
The Job's container counts its runs in a host file, then waits for the test's go.
One scenario (a module fixture) feeds two tests: the pod never runs twice (holds
today), and the Job still completes (needs ProcessRuntime to re-adopt the pods of
an earlier process on the same state directory; expected to fail until it does).
"""

from __future__ import annotations

import json
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.cluster.cluster import ControlPlane
from tests.cluster.kube import WAIT, alive, apply, condition, get, load, read_pid, wait_for
from tests.cluster.procs import Proc, start_process, stop_process, wait_until
from workflow_engine.runtime.process import ProcessRuntime

pytestmark = pytest.mark.cluster

RESTART_NODE = "wf-restart-node"
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Outcome:
    job: dict[str, Any]
    pods: list[dict[str, Any]]
    runs: int
    agent: Proc  # the second agent, still running
    stale_marker_left: bool  # the start mark of a pod that did not exist any more
    logs: str  # `kubectl logs` of the pod once the Job finished


def _start_agent(kubeconfig: Path, state: Path, logs: Path, name: str) -> Proc:
    argv = [sys.executable, "-m", "workflow_engine.runtime.kubernetes_node"]
    argv += ["--kubeconfig", str(kubeconfig), "--name", RESTART_NODE, "--state-dir", str(state)]
    proc = start_process(name, argv, logs)

    def ready() -> bool:
        proc.check_alive()
        return f"wf node {RESTART_NODE}: ready" in proc.log.read_text(errors="replace")

    wait_until(f"{name} to be ready", ready, WAIT, interval=0.1)
    return proc


def _runs(work: Path) -> int:
    try:
        return len((work / "runs").read_text().splitlines())
    except OSError:
        return 0


def _job(work: Path) -> dict[str, Any]:
    job = load("restart-job.yaml")
    spec = job["spec"]["template"]["spec"]
    spec["nodeSelector"] = {"kubernetes.io/hostname": RESTART_NODE}
    spec["volumes"][0]["hostPath"]["path"] = str(work)
    return job


def _kill_orphan(work: Path) -> None:
    """The first agent's container outlives it; end it (our own test's process). In a
    PID namespace its recorded pid is the namespace's, so only a pid that is a shell
    here is waited for; the go file ends it either way."""
    Path(work / "go").touch()  # it exits on its own once it sees this
    pid = read_pid(work / "pid")
    if pid is None or not alive(pid):
        return
    if b"sh" in Path(f"/proc/{pid}/cmdline").read_bytes():
        wait_until(f"orphan {pid} to exit", lambda: not alive(pid), 10.0)


@pytest.fixture(scope="module")
def outcome(cluster: ControlPlane, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outcome]:
    state, work = tmp_path_factory.mktemp("restart-state"), tmp_path_factory.mktemp("work")
    logs = tmp_path_factory.mktemp("restart-logs")
    kubeconfig = cluster.node_kubeconfig(RESTART_NODE)
    ns = f"t-{uuid.uuid4().hex[:10]}"
    cluster.kubectl("create", "namespace", ns)
    agents: list[Proc] = []
    stale = state / "started" / "uid-of-a-pod-deleted-long-ago"
    stale.parent.mkdir()
    stale.touch()
    try:
        agents.append(_start_agent(kubeconfig, state, logs, "agent-first"))
        apply(cluster, ns, _job(work))
        wait_for(
            cluster,
            ns,
            ("pods", "-l", "job-name=survivor"),
            lambda got: any(p["status"].get("phase") == "Running" for p in got["items"]),
            "the Job's pod Running",
        )
        wait_until("the first run to be counted", lambda: _runs(work) == 1, WAIT)
        agents[0].popen.kill()  # SIGKILL: no cleanup of any kind
        agents[0].popen.wait(WAIT)
        agents.append(_start_agent(kubeconfig, state, logs, "agent-second"))
        (work / "go").touch()
        job = wait_for(
            cluster,
            ns,
            ("job", "survivor"),
            lambda j: "True" in (condition(j, "Complete"), condition(j, "Failed")),
            "the Job to finish",
        )
        pods = get(cluster, ns, "pods", "-l", "job-name=survivor")["items"]
        logs = cluster.kubectl("logs", "-n", ns, "job/survivor", check=False).stdout
        yield Outcome(job, pods, _runs(work), agents[1], stale.exists(), logs)
    finally:
        for agent in agents:
            stop_process(agent)
        _kill_orphan(work)
        cluster.kubectl("delete", "namespace", ns, "--wait=false", check=False)
        cluster.kubectl("delete", "node", RESTART_NODE, "--wait=false", check=False)


def test_a_started_pod_is_never_started_again_by_a_new_agent(outcome: Outcome) -> None:
    assert outcome.runs == 1
    assert len(outcome.pods) == 1, [p["metadata"]["name"] for p in outcome.pods]
    status = outcome.pods[0]["status"]
    if status["phase"] == "Failed":  # not re-adopted: said so, not rerun
        assert status["reason"] == "NodeAgentRestarted", json.dumps(status)
        terminated = status["containerStatuses"][0]["state"]["terminated"]
        assert terminated["reason"] == "ContainerStatusUnknown"
    else:
        assert status["phase"] == "Succeeded", json.dumps(status)


def _processes_outlive_the_runtime() -> bool:
    """Does a ProcessRuntime made as `wf node` makes it run its containers under a shim
    that outlives it, for a later runtime on the same state dir to adopt?"""
    with tempfile.TemporaryDirectory() as state:
        runtime = ProcessRuntime(Path(state))
        try:
            return bool(getattr(runtime, "survives_restart", False))
        finally:
            runtime.close()


def test_job_completes_once_across_an_agent_restart(
    outcome: Outcome, request: pytest.FixtureRequest
) -> None:
    if not _processes_outlive_the_runtime():
        request.applymarker(
            pytest.mark.xfail(
                strict=True,
                reason="this ProcessRuntime cannot hand its running pods to a later one "
                "(no shim: wf-sandbox not built, or the re-adoption rework not in); the new "
                "agent reports the pod Failed instead",
            )
        )
    assert condition(outcome.job, "Complete") == "True", outcome.job["status"]
    assert outcome.job["status"].get("succeeded") == 1
    assert not outcome.job["status"].get("failed")
    assert outcome.runs == 1
    assert outcome.logs == "before\nafter\n"  # one log, across both agents


def test_start_marks_of_vanished_pods_are_pruned(outcome: Outcome) -> None:
    assert not outcome.stale_marker_left


def test_sigterm_stops_the_agent_with_exit_code_0(outcome: Outcome) -> None:
    outcome.agent.popen.terminate()
    assert outcome.agent.popen.wait(WAIT) == 0, outcome.agent.log_tail()
