"""Kubernetes mode: submit-to-first-pod latency and pod creation rate of a fan-out.

Where it sits: the whole Kubernetes-mode stack on the local control plane
(tests/cluster: real etcd, API server, scheduler, controller-manager), one `wf node`
agent (pods as local processes), the controller loop (workflow_engine.controller.kube)
with the Kubernetes store and runtime. A script that prints figures, not a test.

- submit-to-first-pod: a one-step workflow created (Store.create), time until its pod
  exists on the API server (seen by a pod informer), median of --runs;
- pods created per second: a --width-way fan-out (one workflow), from its first pod to
  its last, as the informer sees them appear.

Run: .venv/bin/python bench/kube_pods.py [--runs 20] [--width 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.cluster.cluster import ControlPlane, build
from tests.cluster.workflows import (
    DATA,
    EXAMPLES,
    KubeController,
    cluster_store,
    prepare_namespace,
    wait_done,
)
from workflow_engine.runtime.kubernetes import KubernetesRuntime, load_api_client
from workflow_engine.runtime.kubernetes_node import run_node


class PodClock:
    """When each pod name was first seen by an informer of its own."""

    def __init__(self, runtime: KubernetesRuntime) -> None:
        self.runtime = runtime
        self.first: dict[str, float] = {}
        self._lock = threading.Lock()
        runtime.add_listener(self._look)

    def _look(self) -> None:
        now = time.perf_counter()
        with self._lock:
            for pod in self.runtime.observe():
                self.first.setdefault(pod.name, now)

    def seen_for(self, workflow: str) -> list[float]:
        with self._lock:
            return sorted(t for n, t in self.first.items() if n.startswith(workflow))


def first_pod_latency(env: dict[str, Any], runs: int) -> list[float]:
    doc = yaml.safe_load((EXAMPLES / "hello-world.yaml").read_text())
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        meta = {**doc["metadata"], "namespace": env["ns"]}
        created = env["store"].create({**doc, "metadata": meta})
        name = created["metadata"]["name"]
        while not env["clock"].seen_for(name):
            time.sleep(0.002)
        out.append(env["clock"].seen_for(name)[0] - start)
        wait_done(env["store"], env["ns"], name)
    return out


def fan_out_rate(env: dict[str, Any], width: int) -> tuple[float, float]:
    doc = yaml.safe_load((DATA / "fan-out.yaml").read_text())
    doc["spec"]["arguments"] = {"parameters": [{"name": "width", "value": str(width)}]}
    doc["metadata"]["namespace"] = env["ns"]
    name = env["store"].create(doc)["metadata"]["name"]
    wait_done(env["store"], env["ns"], name, 1800)
    seen = env["clock"].seen_for(name)
    span = seen[-1] - seen[0]
    return len(seen) / span if span > 0 else float("inf"), span


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--width", type=int, default=200)
    args = parser.parse_args()
    with ControlPlane(build(quiet=True)) as plane:
        stop = threading.Event()
        state = plane.work_dir / "node"
        agent_thread = threading.Thread(
            target=run_node,
            args=(str(plane.node_kubeconfig("bench-node")), "bench-node", state, stop),
            daemon=True,
        )
        agent_thread.start()
        ns = "bench"
        plane.kubectl("create", "namespace", ns)
        prepare_namespace(plane, ns)
        store = cluster_store(plane)
        runtime = KubernetesRuntime(load_api_client(str(plane.kubeconfig)), namespace=ns)
        env = {"store": store, "ns": ns, "clock": PodClock(runtime)}
        try:
            with KubeController(plane, ns, workers=3):
                latencies = first_pod_latency(env, args.runs)
                rate, span = fan_out_rate(env, args.width)
        finally:
            runtime.close()
            store.close()
            stop.set()
            agent_thread.join(30)
    print(
        f"submit-to-first-pod: median {statistics.median(latencies) * 1000:.0f} ms "
        f"(min {min(latencies) * 1000:.0f}, max {max(latencies) * 1000:.0f}, n={len(latencies)})"
    )
    print(f"fan-out of {args.width}: {rate:.1f} pods created/s ({span:.1f} s first to last)")


if __name__ == "__main__":
    main()
