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
) -> list[dict[str, Any]]:
    images = {str(s.get("name")): str(s.get("image") or "") for s in specs}
    out = []
    for c in observed:
        cid = f"process://{pod_key}/{c.name}"
        out.append(
            {
                "name": c.name,
                "image": images.get(c.name, ""),
                "imageID": "",
                "containerID": cid,
                "ready": c.state == "running",
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


def pod_status(
    obs: PodObservation, spec: Mapping[str, Any], pod_ip: str, now: datetime
) -> dict[str, Any]:
    """The status to record on the API server for a pod this node runs."""
    key = f"{obs.namespace}/{obs.name}"
    init = _container_statuses(obs.init_containers, spec.get("initContainers") or [], key)
    main = _container_statuses(obs.containers, spec.get("containers") or [], key)
    ts = rfc3339(obs.started_at or now)
    initialized = all(c.state == "terminated" and c.exit_code == 0 for c in obs.init_containers)
    running = obs.phase == "Running" and all(c.state == "running" for c in obs.containers)
    done = "PodCompleted" if obs.phase in ("Succeeded", "Failed") else ""
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
            _condition("ContainersReady", running, ts, done),
            _condition("Ready", running, ts, done),
            _condition("PodScheduled", True, ts),
        ],
        "containerStatuses": main,
    }
    if init:
        status["initContainerStatuses"] = init
    if obs.reason:
        status["reason"] = obs.reason
    if obs.message:
        status["message"] = obs.message
    return status
