"""Pure translations for the node agent: the Node and Lease objects it registers,
and ProcessRuntime observations -> Kubernetes pod status.

Part of `wf node` (workflow_engine.runtime.kubernetes_node). No I/O: the agent passes
the time and the facts in, and sends what comes out to the API server.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from workflow_engine.runtime.base import ContainerObservation, PodObservation

LEASE_SECONDS = 40


def rfc3339(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def micro_time(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def node_manifest(
    name: str, address: str, port: int, capacity: Mapping[str, str], now: datetime
) -> dict[str, Any]:
    """A Ready Node that runs pods as local processes, its kubelet API on `port`."""
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
            },
        },
        "spec": {},
        "status": node_status(address, port, capacity, now),
    }


def node_status(
    address: str, port: int, capacity: Mapping[str, str], now: datetime
) -> dict[str, Any]:
    ts = rfc3339(now)
    return {
        "capacity": dict(capacity),
        "allocatable": dict(capacity),
        "addresses": [{"type": "InternalIP", "address": address}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": port}},
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "reason": "KubeletReady",
                "message": "wf node is running pods as local processes",
                "lastHeartbeatTime": ts,
                "lastTransitionTime": ts,
            }
        ],
        "nodeInfo": {
            "architecture": "amd64",
            "operatingSystem": "linux",
            "kubeletVersion": "v1.34.0-wf",
            "kubeProxyVersion": "",
            "containerRuntimeVersion": "process://wf",
            "osImage": "",
            "kernelVersion": "",
            "bootID": "",
            "machineID": "",
            "systemUUID": "",
        },
    }


def lease_manifest(node: str, now: datetime) -> dict[str, Any]:
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": node, "namespace": "kube-node-lease"},
        "spec": {
            "holderIdentity": node,
            "leaseDurationSeconds": LEASE_SECONDS,
            "renewTime": micro_time(now),
        },
    }


def _state(c: ContainerObservation, container_id: str) -> dict[str, Any]:
    if c.state == "running":
        started = rfc3339(c.started_at) if c.started_at else None
        return {"running": {"startedAt": started}}
    if c.state == "terminated":
        term: dict[str, Any] = {
            "exitCode": c.exit_code if c.exit_code is not None else -1,
            "reason": c.reason or ("Completed" if c.exit_code == 0 else "Error"),
            "containerID": container_id,
        }
        if c.message:
            term["message"] = c.message
        if c.started_at:
            term["startedAt"] = rfc3339(c.started_at)
        if c.finished_at:
            term["finishedAt"] = rfc3339(c.finished_at)
        return {"terminated": term}
    return {"waiting": {"reason": c.reason or "ContainerCreating", "message": c.message}}


def _container_statuses(
    observed: Sequence[ContainerObservation],
    specs: Sequence[Mapping[str, Any]],
    pod_key: str,
    probed: Mapping[str, tuple[bool, str]],
) -> list[dict[str, Any]]:
    images = {str(s.get("name")): str(s.get("image") or "") for s in specs}
    out = []
    for c in observed:
        cid = f"process://{pod_key}/{c.name}"
        ready = c.state == "running" and probed.get(c.name, (True, ""))[0]
        out.append(
            {
                "name": c.name,
                "image": images.get(c.name, ""),
                "imageID": "",
                "containerID": cid,
                "ready": ready,
                "started": c.state == "running",
                "restartCount": 0,
                "state": _state(c, cid),
            }
        )
    return out


def _condition(kind: str, ok: bool, ts: str, reason: str = "") -> dict[str, Any]:
    cond = {"type": kind, "status": "True" if ok else "False", "lastTransitionTime": ts}
    if reason:
        cond["reason"] = reason
    return cond


def _not_ready_message(main: Sequence[Mapping[str, Any]], probed: Mapping[str, Any]) -> str:
    names = [str(c["name"]) for c in main if not c["ready"]]
    notes = [f"{n}: {probed[n][1]}" for n in names if n in probed and probed[n][1]]
    return "; ".join([f"containers with unready status: [{' '.join(names)}]", *notes])


def pod_status(
    obs: PodObservation,
    spec: Mapping[str, Any],
    pod_ip: str,
    now: datetime,
    probed: Mapping[str, tuple[bool, str]] | None = None,
) -> dict[str, Any]:
    """The status to record on the API server for a pod this node runs. `probed`:
    container name -> (ready, message) for containers with a readinessProbe; the
    others are ready while they run."""
    key, probed = f"{obs.namespace}/{obs.name}", probed or {}
    init = _container_statuses(obs.init_containers, spec.get("initContainers") or [], key, {})
    main = _container_statuses(obs.containers, spec.get("containers") or [], key, probed)
    ts = rfc3339(obs.started_at or now)
    initialized = all(c.state == "terminated" and c.exit_code == 0 for c in obs.init_containers)
    running = obs.phase == "Running" and all(c["ready"] for c in main)
    done = "PodCompleted" if obs.phase in ("Succeeded", "Failed") else ""
    unready = "ContainersNotReady" if obs.phase == "Running" and not running else ""
    status: dict[str, Any] = {
        "phase": obs.phase,
        "hostIP": pod_ip,
        "hostIPs": [{"ip": pod_ip}],
        "podIP": pod_ip,
        "podIPs": [{"ip": pod_ip}],
        "startTime": ts,
        "conditions": [
            _condition("PodReadyToStartContainers", True, ts),
            _condition("Initialized", initialized or bool(done), ts),
            _condition("ContainersReady", running, ts, done or unready),
            _condition("Ready", running, ts, done or unready),
            _condition("PodScheduled", True, ts),
        ],
        "containerStatuses": main,
    }
    if unready:
        for cond in status["conditions"][2:4]:
            cond["message"] = _not_ready_message(main, probed)
    if init:
        status["initContainerStatuses"] = init
    if obs.reason:
        status["reason"] = obs.reason
    if obs.message:
        status["message"] = obs.message
    return status


def unadoptable_status(pod: Mapping[str, Any], pod_ip: str, now: datetime) -> dict[str, Any]:
    """Failed, for a pod an earlier agent started whose processes this agent cannot
    find: its containers are reported as the kubelet reports containers it lost."""
    ts = rfc3339(now)
    started = (pod.get("status") or {}).get("startTime") or ts
    lost = {
        "terminated": {
            "exitCode": 137,
            "reason": "ContainerStatusUnknown",
            "message": "The container could not be located when the node agent restarted",
            "finishedAt": ts,
        }
    }
    statuses = [
        {
            "name": str(c.get("name")),
            "image": str(c.get("image") or ""),
            "imageID": "",
            "ready": False,
            "started": False,
            "restartCount": 0,
            "state": lost,
        }
        for c in pod["spec"].get("containers") or []
    ]
    return {
        "phase": "Failed",
        "reason": "NodeAgentRestarted",
        "message": (
            "wf node restarted and could not re-adopt this pod's processes; it was not "
            "started again, since its containers may already have run"
        ),
        "hostIP": pod_ip,
        "podIP": pod_ip,
        "startTime": started,
        "conditions": [
            _condition("Ready", False, ts, "PodCompleted"),
            _condition("ContainersReady", False, ts, "PodCompleted"),
        ],
        "containerStatuses": statuses,
    }
