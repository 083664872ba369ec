"""Kubernetes mode: the controller's API requests per step change, and the per-task
scheduling delay (ready -> next pod created) at two levels of concurrency.

Where it sits: the whole Kubernetes-mode stack on the local control plane
(tests/cluster), one `wf node` agent (pods as local processes) and the controller loop
(workflow_engine.controller.kube.run) in threads of this process. Every request of the
controller's two API clients (the store's, and the one its runtime and events share) is
counted by verb and resource as RBAC names them. A script that prints figures, not a
test.

For each level N: N workflows of two steps (`sleep 2`, then `true`) created at once;
per workflow, "ready -> next pod created" is its first pod first seen Succeeded -> its
second pod first seen (by an informer of this process); median and 90th percentile,
and the requests the controller made for the N workflows, per workflow.

Run: .venv/bin/python bench/kube_requests.py [--levels 20,200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.kube_scale import PodTimes, chain
from tests.cluster.cluster import ControlPlane, build
from tests.cluster.workflows import WF_EXEC, cluster_store, prepare_namespace, wait_done
from workflow_engine.controller.api_metrics import describe
from workflow_engine.controller.kube import KubeOptions, run
from workflow_engine.runtime.kubernetes import KubernetesRuntime, load_api_client
from workflow_engine.runtime.kubernetes_node import run_node
from workflow_engine.store.base import Store


class Requests:
    """Every request of some ApiClients, by (verb, resource)."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def wrap(self, api_client: Any) -> None:
        call_api: Callable[..., Any] = api_client.call_api

        def counted(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.counts[describe(method, url)] += 1
            return call_api(method, url, *args, **kwargs)

        api_client.call_api = counted

    def take(self) -> Counter[tuple[str, str]]:
        with self._lock:
            taken, self.counts = self.counts, Counter()
        return taken


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]


def level(store: Store, ns: str, times: PodTimes, count: int) -> list[float]:
    doc = chain(2)
    names = [
        store.create({**doc, "metadata": {**doc["metadata"], "namespace": ns}})["metadata"]["name"]
        for _ in range(count)
    ]
    for name in names:
        wait_done(store, ns, name, 1800)
    out = []
    for name in names:
        pods = times.pods_of(name)
        assert len(pods) == 2, (name, pods)
        out.append(times.seen[pods[1]] - times.ended[pods[0]])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="20,200")
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    levels = [int(n) for n in args.levels.split(",")]
    report: list[str] = []
    with ControlPlane(build(quiet=True)) as plane:
        stop = threading.Event()
        agent = threading.Thread(
            target=run_node,
            args=(
                str(plane.node_kubeconfig("bench-node")),
                "bench-node",
                plane.work_dir / "n",
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
        requests = Requests()
        own_store = cluster_store(plane)
        own_api = load_api_client(str(plane.kubeconfig))
        requests.wrap(own_store.api_client)
        requests.wrap(own_api)
        halt = threading.Event()
        options = KubeOptions(namespace=ns, workers=args.workers, executor_command=(WF_EXEC,))
        controller = threading.Thread(
            target=run, args=(own_store, own_api, options, halt), daemon=True
        )
        controller.start()
        try:
            level(store, ns, times, 1)  # warm-up
            requests.take()
            for count in levels:
                started = time.perf_counter()
                delays = level(store, ns, times, count)
                wall = time.perf_counter() - started
                counts = requests.take()
                report.append(
                    f"{count} workflows ({wall:.0f} s): ready->next pod created median "
                    f"{statistics.median(delays):.2f} s, p90 {p90(delays):.2f} s; "
                    f"controller requests per workflow {sum(counts.values()) / count:.1f}"
                )
                for (verb, resource), n in counts.most_common():
                    report.append(f"    {verb} {resource}: {n / count:.2f}")
                print(report[-1 - len(counts)], flush=True)
        finally:
            halt.set()
            controller.join(60)
            runtime.close()
            store.close()
            own_store.close()
            stop.set()
            agent.join(30)
    print("\n".join(report))


if __name__ == "__main__":
    main()
