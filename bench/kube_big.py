"""Kubernetes mode, one big workflow: a loop of --items (100,000) where a `when` lets
one item in --every run a pod, run to completion by the cluster controller.

Where it sits: the whole Kubernetes-mode stack on the local control plane
(tests/cluster: real etcd, API server, scheduler, controller-manager), one `wf node`
agent (pods as local processes, in this process) and the controller as its own
process (`wf controller`, as tests/cluster/workflows.start_controller runs it). The
node map is far over the API server's object limit, so every status write offloads it
into WorkflowNodeChunk objects (store/kubernetes/offload.py). A script that prints
figures, not a test.

Prints: wall from create to a completed phase; the controller process's CPU seconds
and peak RSS (VmHWM); the Workflow status writes and chunk creates the API server
answered (its own `apiserver_request_total`); the stored object's size, the chunks'
count and bytes; and `wf get` of the finished workflow (wall and CPU of the process).

Run: .venv/bin/python bench/kube_big.py [--items 100000] [--every 500]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.cluster.cluster import ControlPlane, build
from tests.cluster.workflows import GROUP, prepare_namespace, start_controller
from tests.support.polling import poll
from workflow_engine.runtime.kubernetes_node import run_node
from workflow_engine.spec.status_codec import decompress_nodes
from workflow_engine.store.kubernetes.offload import OFFLOAD_FIELD, join_pieces

DONE = ("Succeeded", "Failed", "Error")


def big_loop(items: int, every: int) -> dict[str, Any]:
    """A loop of `items` whose `when` lets one item in `every` run `true` in a pod."""
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "big"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "steps": [
                        [
                            {
                                "name": "item",
                                "template": "work",
                                "arguments": {"parameters": [{"name": "i", "value": "{{item}}"}]},
                                "withSequence": {"count": str(items)},
                                "when": f"{{{{item}}}} % {every} == 0",
                            }
                        ]
                    ],
                },
                {
                    "name": "work",
                    "inputs": {"parameters": [{"name": "i"}]},
                    "container": {"image": "busybox", "command": ["sh", "-c", "true"]},
                },
            ],
        },
    }


def proc_status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def requests(plane: ControlPlane) -> dict[tuple[str, str, str], int]:
    """The API server's answered requests so far, by (resource, subresource, verb)."""
    counts: dict[tuple[str, str, str], int] = {}
    for line in plane.kubectl("get", "--raw", "/metrics").stdout.splitlines():
        if not line.startswith("apiserver_request_total{"):
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', line.partition("}")[0]))
        key = (labels.get("resource", ""), labels.get("subresource", ""), labels.get("verb", ""))
        counts[key] = counts.get(key, 0) + int(float(line.rpartition(" ")[2]))
    return counts


def raw_workflow(plane: ControlPlane, ns: str) -> dict[str, Any]:
    """The Workflow as the API server keeps it (a reference, not the node map)."""
    code, body = plane.request("GET", f"/apis/{GROUP}/v1alpha1/namespaces/{ns}/workflows/big")
    assert code == 200, body
    return dict(body)


def chunks(plane: ControlPlane, ns: str) -> list[dict[str, Any]]:
    code, body = plane.request("GET", f"/apis/{GROUP}/v1alpha1/namespaces/{ns}/workflownodechunks")
    assert code == 200, body
    return list(body["items"])


def wf_get(plane: ControlPlane, ns: str, home: str) -> tuple[float, float, int]:
    """`wf get big` as a user runs it: (wall, CPU seconds of the process, output bytes)."""
    argv = [sys.executable, "-m", "cli.main", "--kubeconfig", str(plane.kubeconfig)]
    argv += ["-n", ns, "get", "big"]
    env = {**os.environ, "WF_HOME": home, "HOME": home, "WF_API_GROUP": GROUP}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    out = subprocess.run(argv, env=env, capture_output=True, check=True).stdout
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu, len(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--every", type=int, default=500)
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args()
    with ControlPlane(build(quiet=True)) as plane, tempfile.TemporaryDirectory() as home:
        stop = threading.Event()
        node_dir = plane.work_dir / "node"
        agent = threading.Thread(
            target=run_node,
            args=(str(plane.node_kubeconfig("bench-node")), "bench-node", node_dir, stop),
            daemon=True,
        )
        agent.start()
        ns = "big"
        plane.kubectl("create", "namespace", ns)
        prepare_namespace(plane, ns)
        controller = start_controller(plane, ns, Path(home))
        try:
            doc = big_loop(args.items, args.every)
            before, cpu = requests(plane), cpu_seconds(controller.pid)
            began = time.perf_counter()
            plane.kubectl("create", "-n", ns, "-f", "-", input=json.dumps(doc))

            def finished() -> dict[str, Any] | None:
                obj = raw_workflow(plane, ns)
                return obj if (obj.get("status") or {}).get("phase") in DONE else None

            final = poll(finished, args.timeout, "the big workflow to finish", interval=2.0)
            assert final is not None  # poll returns the first truthy answer
            wall = time.perf_counter() - began
            cpu = cpu_seconds(controller.pid) - cpu
            peak = proc_status(controller.pid, "VmHWM")
            after = requests(plane)
            parts = chunks(plane, ns)
            get_wall, get_cpu, get_bytes = wf_get(plane, ns, home)
        finally:
            controller.terminate()
            controller.wait(60)
            stop.set()
            agent.join(30)

    def delta(key: tuple[str, str, str]) -> int:
        return after.get(key, 0) - before.get(key, 0)

    status = final["status"]
    data = join_pieces(parts, tuple(status["offloadNodePieces"]), status[OFFLOAD_FIELD])
    nodes = decompress_nodes(data) if data else {}
    ran = sum(1 for n in nodes.values() if n.get("type") == "Pod" and n.get("phase") != "Skipped")
    print(f"{args.items} items, one in {args.every} run: phase {final['status']['phase']}")
    print(f"nodes {len(nodes)}, pods run {ran}, wall {wall:.0f} s")
    print(f"controller: CPU {cpu:.0f} s, peak RSS {peak / 1024:.0f} MiB")
    writes = delta(("workflows", "status", "PUT"))
    created = delta(("workflownodechunks", "", "POST"))
    print(f"status writes {writes}, chunk creates {created}")
    print(
        f"stored Workflow {len(json.dumps(final)) / 1024:.1f} KiB; "
        f"{len(parts)} chunks, {len(data) / 1024 / 1024:.2f} MiB of compressed node map"
    )
    print(f"wf get: wall {get_wall:.1f} s, CPU {get_cpu:.1f} s, {get_bytes / 1024:.0f} KiB out")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
