"""Helpers for the node-agent tests (tests/cluster): pod manifests pinned to the test
node, `kubectl get -o json`, waiting for a pod phase or an object condition with a
deadline, and whether a process (by pid) is still alive.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from tests.cluster.cluster import ControlPlane
from tests.cluster.procs import wait_until

NODE = "wf-test-node"
EXTRA_NODES = ("wf-test-node-2", "wf-test-node-3")  # the `three_nodes` fixture's
WAIT = 60.0
DATA = Path(__file__).parent.parent / "data" / "cluster" / "node"


def pod_manifest(name: str, script: str, node: str = NODE, **spec: Any) -> dict[str, Any]:
    """A restartPolicy=Never pod running `sh -c script` on `node`."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "restartPolicy": "Never",
            "nodeSelector": {"kubernetes.io/hostname": node},
            "containers": [{"name": "main", "image": "busybox", "command": ["sh", "-c", script]}],
            **spec,
        },
    }


def host_dir(pod: dict[str, Any], path: Path, mount: str = "/trig") -> dict[str, Any]:
    """`pod` with the host directory `path` mounted at `mount` in its first container."""
    pod["spec"].setdefault("volumes", []).append({"name": "trig", "hostPath": {"path": str(path)}})
    pod["spec"]["containers"][0].setdefault("volumeMounts", []).append(
        {"name": "trig", "mountPath": mount}
    )
    return pod


def load(name: str) -> dict[str, Any]:
    """A manifest from tests/data/cluster/node/."""
    return dict(yaml.safe_load((DATA / name).read_text()))


def get(cluster: ControlPlane, ns: str, *what: str) -> dict[str, Any]:
    return dict(json.loads(cluster.kubectl("get", "-n", ns, *what, "-o", "json").stdout))


def apply(cluster: ControlPlane, ns: str, obj: dict[str, Any]) -> None:
    cluster.kubectl("apply", "-n", ns, "-f", "-", input=json.dumps(obj))


def wait_for(
    cluster: ControlPlane,
    ns: str,
    what: tuple[str, ...],
    test: Callable[[dict[str, Any]], bool],
    description: str,
    timeout: float = WAIT,
) -> dict[str, Any]:
    """Poll `kubectl get what` until `test(object)`; return the object."""
    seen: dict[str, Any] = {}

    def reached() -> bool:
        seen.clear()
        seen.update(get(cluster, ns, *what))
        return test(seen)

    wait_until(description, reached, timeout, interval=0.3)
    return seen


def run_pod(
    cluster: ControlPlane, ns: str, pod: dict[str, Any], phases: tuple[str, ...]
) -> dict[str, Any]:
    """Create `pod`, wait until its phase is one of `phases`, return it."""
    apply(cluster, ns, pod)
    name = pod["metadata"]["name"]
    return wait_for(
        cluster,
        ns,
        ("pod", name),
        lambda p: p.get("status", {}).get("phase") in phases,
        f"pod {name} in {phases}",
    )


def condition(obj: dict[str, Any], kind: str) -> str:
    """The status ("True", "False", "") of condition `kind` of `obj`."""
    for cond in obj.get("status", {}).get("conditions") or []:
        if cond.get("type") == kind:
            return str(cond.get("status"))
    return ""


def alive(pid: int) -> bool:
    """Is process `pid` running (a zombie counts as gone)?"""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def read_pid(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
