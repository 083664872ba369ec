"""Kubernetes mode at scale: per-task scheduling delay at 20 and 200 concurrent pods,
controller RSS with 200 running workflows, and a profile of a 200-way fan-out.

Where it sits: the whole Kubernetes-mode stack on the local control plane
(tests/cluster: real etcd, API server, scheduler, controller-manager), one `wf node`
agent (pods as local processes, in this process), the controller as its own process
(`wf controller`, as tests/cluster/workflows.start_controller runs it) for the delays
and the RSS, and the controller loop in a thread of this process under cProfile for the
profile. A script that prints figures, not a test.

- per-task scheduling delay: N workflows of two steps (`sleep 2`, then `true`) created
  at once; per pod, as a pod informer of this process sees them: created -> running
  (first seen -> first seen Running or later), and per workflow node ready -> next pod
  created (its first pod first seen Succeeded -> its second pod first seen). Medians
  and 90th percentiles at N=20 and N=200, and their ratio.
- controller RSS: VmRSS of the controller process idle, then with N suspended (Running)
  workflows.
- profile: a --width-way fan-out (one workflow) with the controller's threads under
  cProfile; the functions with the most own time.

Per level it also prints what the controller process spent (CPU seconds, from
/proc/PID/stat), the Workflow status writes per workflow (the API server's own
`apiserver_request_total` for workflows/status, so nothing in the controller is
instrumented) and the load average. `--held 0` / `--width 0` skip the RSS / profile.

Run: .venv/bin/python bench/kube_scale.py [--levels 20,200] [--held 200] [--width 200]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.cluster.cluster import ControlPlane, build
from tests.cluster.workflows import (
    DATA,
    KubeController,
    cluster_store,
    prepare_namespace,
    start_controller,
    wait_done,
)
from tests.support.polling import poll
from workflow_engine.runtime.kubernetes import KubernetesRuntime, load_api_client
from workflow_engine.runtime.kubernetes_node import run_node
from workflow_engine.store.base import Store

RUNNING = ("Running", "Succeeded", "Failed")
ENDED = ("Succeeded", "Failed")
# The reconcile path of the profile: decision, status write, pod creation.
_OURS = (
    r"workflow_engine/(controller/(reconcile|nodeset|statuscache)|engine|runtime/kubernetes|store)"
)


def chain(hold: float) -> dict[str, Any]:
    task = {"image": "busybox", "command": ["sh", "-c", f"sleep {hold}"]}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "chain-"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "steps": [
                        [{"name": "a", "template": "hold"}],
                        [{"name": "b", "template": "quick"}],
                    ],
                },
                {"name": "hold", "container": task},
                {"name": "quick", "container": {**task, "command": ["sh", "-c", "true"]}},
            ],
        },
    }


SUSPENDED = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Workflow",
    "metadata": {"generateName": "held-"},
    "spec": {"entrypoint": "wait", "templates": [{"name": "wait", "suspend": {}}]},
}


class PodTimes:
    """When each pod was first seen, first seen running, first seen ended."""

    def __init__(self, runtime: KubernetesRuntime) -> None:
        self.runtime = runtime
        self.seen: dict[str, float] = {}
        self.running: dict[str, float] = {}
        self.ended: dict[str, float] = {}
        self._lock = threading.Lock()
        runtime.add_listener(self._look)

    def _look(self) -> None:
        now = time.perf_counter()
        with self._lock:
            for pod in self.runtime.observe():
                self.seen.setdefault(pod.name, now)
                if pod.phase in RUNNING:
                    self.running.setdefault(pod.name, now)
                if pod.phase in ENDED:
                    self.ended.setdefault(pod.name, now)

    def pods_of(self, workflow: str) -> list[str]:
        with self._lock:
            names = [n for n in self.seen if n.startswith(workflow + "-")]
            return sorted(names, key=self.seen.__getitem__)


def quantiles(values: list[float]) -> str:
    median, p90 = statistics.median(values), percentile(values, 0.9)
    return f"median {median * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms"


def delays(store: Store, ns: str, times: PodTimes, count: int) -> tuple[list[float], list[float]]:
    doc = chain(2)
    names = [
        store.create({**doc, "metadata": {**doc["metadata"], "namespace": ns}})["metadata"]["name"]
        for _ in range(count)
    ]
    for name in names:
        wait_done(store, ns, name, 1800)
    to_running: list[float] = []
    to_next: list[float] = []
    for name in names:
        pods = times.pods_of(name)
        assert len(pods) == 2, (name, pods)
        to_running += [times.running[p] - times.seen[p] for p in pods]
        to_next.append(times.seen[pods[1]] - times.ended[pods[0]])
    return to_running, to_next


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def status_writes(plane: ControlPlane) -> int:
    """Workflow status writes the API server has answered so far (any code)."""
    text = plane.kubectl("get", "--raw", "/metrics").stdout
    total = 0
    for line in text.splitlines():
        if not line.startswith("apiserver_request_total{"):
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', line.partition("}")[0]))
        what = (labels.get("resource"), labels.get("subresource"), labels.get("verb"))
        if what in (("workflows", "status", "PUT"), ("workflows", "status", "PATCH")):
            total += int(float(line.rpartition(" ")[2]))
    return total


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def held_rss(plane: ControlPlane, store: Store, ns: str, pid: int, count: int) -> tuple[int, int]:
    idle = rss_kib(pid)
    for _ in range(count):
        store.create({**SUSPENDED, "metadata": {**SUSPENDED["metadata"], "namespace": ns}})

    def all_running() -> bool:
        items = store.list("Workflow", ns).items
        held = [w for w in items if w["metadata"]["name"].startswith("held-")]
        return len(held) == count and all(
            (w.get("status") or {}).get("phase") == "Running" for w in held
        )

    poll(all_running, 600, f"{count} suspended workflows running", 1.0)
    loaded = rss_kib(pid)
    plane.kubectl("delete", "-n", ns, "workflows.argoproj.io", "--all", "--wait=false")
    return idle, loaded


class ThreadProfiles:
    """cProfile in every thread started while it is installed (the controller's)."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []

    def _start(self, *_: object) -> None:
        profile = cProfile.Profile()
        self.profiles.append(profile)
        profile.enable()  # replaces this hook in the new thread

    def __enter__(self) -> ThreadProfiles:
        threading.setprofile(self._start)
        return self

    def __exit__(self, *exc: object) -> None:
        threading.setprofile(None)  # type: ignore[arg-type]

    def report(self, top: int) -> str:
        stats = pstats.Stats(*self.profiles, stream=(out := io.StringIO()))
        # Own CPU time first; then where the reconciles' wall time goes (the workers
        # block on the API server, so cumulative time of our own functions tells more).
        stats.sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumulative").print_stats(_OURS, top)
        return out.getvalue()


def profiled_fan_out(
    plane: ControlPlane, store: Store, ns: str, times: PodTimes, width: int
) -> tuple[float, str]:
    doc = yaml.safe_load((DATA / "fan-out.yaml").read_text())
    doc["spec"]["arguments"] = {"parameters": [{"name": "width", "value": str(width)}]}
    doc["metadata"]["namespace"] = ns
    with ThreadProfiles() as profiles, KubeController(plane, ns, workers=3):
        name = store.create(doc)["metadata"]["name"]
        wait_done(store, ns, name, 1800)
    pods = times.pods_of(name)
    return times.seen[pods[-1]] - times.seen[pods[0]], profiles.report(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="20,200")
    parser.add_argument("--held", type=int, default=200)
    parser.add_argument("--width", type=int, default=200)
    args = parser.parse_args()
    levels = [int(n) for n in args.levels.split(",")]
    with ControlPlane(build(quiet=True)) as plane, tempfile.TemporaryDirectory() as home:
        stop = threading.Event()
        agent = threading.Thread(
            target=run_node,
            args=(
                str(plane.node_kubeconfig("bench-node")),
                "bench-node",
                plane.work_dir / "node",
                stop,
            ),
            daemon=True,
        )
        agent.start()
        ns = "bench"
        plane.kubectl("create", "namespace", ns)
        prepare_namespace(plane, ns)
        store = cluster_store(plane)
        runtime = KubernetesRuntime(load_api_client(str(plane.kubeconfig)), namespace=ns)
        times = PodTimes(runtime)
        results: dict[int, tuple[list[float], list[float]]] = {}
        controller = start_controller(plane, ns, Path(home))
        idle = loaded = 0
        try:
            delays(store, ns, times, 1)  # warm-up: the controller leads, the node is ready
            for level in levels:
                cpu, writes, wall = cpu_seconds(controller.pid), status_writes(plane), time.time()
                results[level] = delays(store, ns, times, level)
                cpu, wall = cpu_seconds(controller.pid) - cpu, time.time() - wall
                writes = status_writes(plane) - writes
                print(
                    f"{level} concurrent: wall {wall:.0f} s, controller CPU {cpu:.1f} s, "
                    f"status writes per workflow {writes / level:.1f}, "
                    f"load average {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
            if args.held:
                idle, loaded = held_rss(plane, store, ns, controller.pid, args.held)
        finally:
            controller.terminate()
            controller.wait(60)
        try:
            span, report = 0.0, ""
            if args.width:
                span, report = profiled_fan_out(plane, store, ns, times, args.width)
        finally:
            runtime.close()
            store.close()
            stop.set()
            agent.join(30)
    for level, (to_running, to_next) in results.items():
        print(
            f"{level} concurrent: created->running {quantiles(to_running)}; "
            f"ready->next pod created {quantiles(to_next)}"
        )
    if len(levels) == 2:
        low, high = (results[n] for n in levels)
        for label, i in (("created->running", 0), ("ready->next", 1)):
            ratio = statistics.median(high[i]) / statistics.median(low[i])
            p90 = percentile(high[i], 0.9) / percentile(low[i], 0.9)
            print(f"ratio {levels[1]}/{levels[0]} of {label}: median {ratio:.2f}, p90 {p90:.2f}")
    if args.held:
        mib = f"idle {idle / 1024:.0f} MiB, {args.held} running workflows {loaded / 1024:.0f} MiB"
        print(f"controller RSS: {mib}")
    if args.width:
        print(f"profiled fan-out of {args.width}: {span:.1f} s first pod to last")
        print(report)


if __name__ == "__main__":
    main()
