"""Kubernetes Pod objects (plain dicts, as the API server sends them) -> the Runtime
port's frozen `PodObservation`s, and API errors -> the project's error taxonomy.

Part of the Kubernetes runtime (workflow_engine.runtime.kubernetes): the pod informer
converts each pod once, when its watch event arrives, so `observe()` only copies.
Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from workflow_engine.errors import (
    AlreadyExists,
    Conflict,
    Expired,
    NotFound,
    PermanentError,
    TransientError,
    WorkflowEngineError,
)
from workflow_engine.runtime.base import ContainerObservation, PodObservation, PodPhase

_PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    text = str(value)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _container(name: str, status: Mapping[str, Any] | None) -> ContainerObservation:
    state = (status or {}).get("state") or {}
    if "terminated" in state:
        term = state["terminated"] or {}
        code = term.get("exitCode")
        return ContainerObservation(
            name=name,
            state="terminated",
            exit_code=int(code) if code is not None else None,
            reason=str(term.get("reason") or ""),
            message=str(term.get("message") or ""),
            started_at=parse_time(term.get("startedAt")),
            finished_at=parse_time(term.get("finishedAt")),
        )
    if "running" in state:
        running = state["running"] or {}
        return ContainerObservation(
            name=name, state="running", started_at=parse_time(running.get("startedAt"))
        )
    waiting = state.get("waiting") or {}
    return ContainerObservation(
        name=name,
        state="waiting",
        reason=str(waiting.get("reason") or "PodInitializing"),
        message=str(waiting.get("message") or ""),
    )


def _containers(
    specs: Sequence[Mapping[str, Any]], statuses: Sequence[Mapping[str, Any]]
) -> tuple[ContainerObservation, ...]:
    """One observation per container of the spec, in the spec's order."""
    by_name = {str(s.get("name")): s for s in statuses}
    return tuple(_container(str(c.get("name")), by_name.get(str(c.get("name")))) for c in specs)


def _finished_at(phase: str, containers: Sequence[ContainerObservation]) -> datetime | None:
    if phase not in ("Succeeded", "Failed"):
        return None
    ends = [c.finished_at for c in containers if c.finished_at is not None]
    return max(ends) if ends else None


def observation(pod: Mapping[str, Any]) -> PodObservation:
    """A pod as the API server has it -> what the controller observes."""
    meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
    status = pod.get("status") or {}
    phase = str(status.get("phase") or "Pending")
    init = _containers(spec.get("initContainers") or (), status.get("initContainerStatuses") or ())
    main = _containers(spec.get("containers") or (), status.get("containerStatuses") or ())
    started = parse_time(status.get("startTime"))
    finished = _finished_at(phase, (*init, *main))
    return PodObservation(
        name=str(meta.get("name")),
        namespace=str(meta.get("namespace") or "default"),
        phase=cast(PodPhase, phase if phase in _PHASES else "Unknown"),
        labels=dict(meta.get("labels") or {}),
        annotations=dict(meta.get("annotations") or {}),
        init_containers=init,
        containers=main,
        message=str(status.get("message") or ""),
        reason=str(status.get("reason") or ""),
        started_at=started,
        finished_at=max(finished, started) if finished and started else finished,
        host_node_name=str(spec.get("nodeName") or ""),
        pod_ip=str(status.get("podIP") or ""),
    )


def api_error(status: int, reason: str, message: str) -> WorkflowEngineError:
    """An API server answer (HTTP status, Status.reason, Status.message) -> our error:
    404 NotFound, 409 AlreadyExists or Conflict, 410 Expired, 429/5xx TransientError,
    anything else PermanentError."""
    text = message or reason or f"HTTP {status}"
    if status == 404:
        return NotFound(text)
    if status == 409:
        return AlreadyExists(text) if reason == "AlreadyExists" else Conflict(text)
    if status == 410:
        return Expired(text)
    if status == 429 or status >= 500 or status == 0:
        return TransientError(text)
    return PermanentError(text)
