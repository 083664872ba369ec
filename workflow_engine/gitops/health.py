"""Is a live object healthy? Per-kind checks (pure): the last step of a sync waits until
every object of the environment answers Healthy here, and `wf gitops status` shows it.

    Deployment, StatefulSet, DaemonSet  rollout complete, observedGeneration caught up
    Job                                 Complete (Healthy) or Failed (Degraded)
    Pod                                 Ready or Succeeded; Failed is Degraded
    Service                             a selector-less Service, or one ready endpoint
    PersistentVolumeClaim               Bound; Lost is Degraded
    anything with status.conditions     Ready / Available True
    anything else                       Healthy once it exists

Degraded is final (waiting stops early); Progressing may still become Healthy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Status = Literal["Healthy", "Progressing", "Degraded", "Missing"]


@dataclass(frozen=True)
class Health:
    status: Status
    reason: str = ""

    @property
    def healthy(self) -> bool:
        return self.status == "Healthy"


HEALTHY = Health("Healthy")


def assess(obj: dict[str, Any] | None, endpoints: list[dict[str, Any]] | None = None) -> Health:
    """The health of `obj` (None: it does not exist). `endpoints`: the EndpointSlices of
    a Service."""
    if obj is None:
        return Health("Missing", "not found in the cluster")
    check = _CHECKS.get(obj.get("kind", ""))
    if obj.get("kind") == "Service":
        return _service(obj, endpoints or [])
    if check is not None:
        return check(obj)
    return _conditions(obj)


def _spec(obj: dict[str, Any]) -> dict[str, Any]:
    return dict(obj.get("spec") or {})


def _status(obj: dict[str, Any]) -> dict[str, Any]:
    return dict(obj.get("status") or {})


def _condition(obj: dict[str, Any], kind: str) -> dict[str, Any] | None:
    for cond in _status(obj).get("conditions") or []:
        if cond.get("type") == kind:
            return dict(cond)
    return None


def _generation_pending(obj: dict[str, Any]) -> Health | None:
    generation = (obj.get("metadata") or {}).get("generation") or 0
    observed = _status(obj).get("observedGeneration") or 0
    if observed < generation:
        return Health("Progressing", f"controller has not observed generation {generation} yet")
    return None


def _deployment(obj: dict[str, Any]) -> Health:
    pending = _generation_pending(obj)
    if pending:
        return pending
    progressing = _condition(obj, "Progressing")
    if progressing and progressing.get("reason") == "ProgressDeadlineExceeded":
        return Health("Degraded", f"rollout stuck: {progressing.get('message', '')}".strip())
    want = _spec(obj).get("replicas", 1)
    st = _status(obj)
    updated, total = st.get("updatedReplicas") or 0, st.get("replicas") or 0
    available = st.get("availableReplicas") or 0
    if updated < want:
        return Health("Progressing", f"{updated} of {want} replicas updated")
    if total > updated:
        return Health("Progressing", f"{total - updated} old replicas pending termination")
    if available < updated:
        return Health("Progressing", f"{available} of {updated} updated replicas available")
    unavailable = st.get("unavailableReplicas") or 0
    if unavailable:
        return Health("Progressing", f"{unavailable} replicas unavailable")
    return HEALTHY


def _statefulset(obj: dict[str, Any]) -> Health:
    pending = _generation_pending(obj)
    if pending:
        return pending
    spec, st = _spec(obj), _status(obj)
    want = spec.get("replicas", 1)
    ready, updated = st.get("readyReplicas") or 0, st.get("updatedReplicas") or 0
    if ready < want:
        return Health("Progressing", f"{ready} of {want} replicas ready")
    strategy = spec.get("updateStrategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return HEALTHY
    partition = (strategy.get("rollingUpdate") or {}).get("partition") or 0
    if updated < want - partition:
        return Health("Progressing", f"{updated} of {want - partition} replicas updated")
    if not partition and st.get("currentRevision") != st.get("updateRevision"):
        return Health("Progressing", "rolling update in progress")
    return HEALTHY


def _daemonset(obj: dict[str, Any]) -> Health:
    pending = _generation_pending(obj)
    if pending:
        return pending
    st = _status(obj)
    want = st.get("desiredNumberScheduled") or 0
    updated = st.get("updatedNumberScheduled") or 0
    available = st.get("numberAvailable") or 0
    if updated < want:
        return Health("Progressing", f"{updated} of {want} pods updated")
    if available < want:
        return Health("Progressing", f"{available} of {want} pods available")
    return HEALTHY


def _job(obj: dict[str, Any]) -> Health:
    failed = _condition(obj, "Failed")
    if failed and failed.get("status") == "True":
        return Health("Degraded", f"job failed: {failed.get('message') or failed.get('reason')}")
    complete = _condition(obj, "Complete")
    if complete and complete.get("status") == "True":
        return HEALTHY
    active = _status(obj).get("active") or 0
    return Health("Progressing", f"job running ({active} active pods)")


def _pod(obj: dict[str, Any]) -> Health:
    st = _status(obj)
    phase = st.get("phase", "Pending")
    if phase == "Succeeded":
        return HEALTHY
    if phase == "Failed":
        return Health("Degraded", f"pod failed: {st.get('message') or st.get('reason') or ''}")
    ready = _condition(obj, "Ready")
    if phase == "Running" and ready and ready.get("status") == "True":
        return HEALTHY
    for container in st.get("containerStatuses") or []:
        waiting = (container.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason"):
            return Health("Progressing", f"container {container['name']}: {waiting['reason']}")
    return Health("Progressing", f"pod {phase}, not ready")


def _service(obj: dict[str, Any], endpoints: list[dict[str, Any]]) -> Health:
    spec = _spec(obj)
    if spec.get("type") == "ExternalName" or not spec.get("selector"):
        return HEALTHY
    for eps in endpoints:
        for endpoint in eps.get("endpoints") or []:
            if (endpoint.get("conditions") or {}).get("ready", True):
                return HEALTHY
    return Health("Progressing", "no ready endpoints")


def _pvc(obj: dict[str, Any]) -> Health:
    phase = _status(obj).get("phase", "Pending")
    if phase == "Bound":
        return HEALTHY
    if phase == "Lost":
        return Health("Degraded", "claim lost its volume")
    return Health("Progressing", f"claim {phase}")


def _conditions(obj: dict[str, Any]) -> Health:
    for kind in ("Ready", "Available"):
        cond = _condition(obj, kind)
        if cond is None:
            continue
        if cond.get("status") == "True":
            return HEALTHY
        message = cond.get("message") or cond.get("reason") or ""
        return Health("Progressing", f"{kind} is {cond.get('status')}: {message}".rstrip(": "))
    return HEALTHY


_CHECKS = {
    "Deployment": _deployment,
    "StatefulSet": _statefulset,
    "DaemonSet": _daemonset,
    "Job": _job,
    "Pod": _pod,
    "PersistentVolumeClaim": _pvc,
}


def overall(healths: list[Health]) -> Status:
    """Degraded if any is, else Progressing/Missing if any is, else Healthy."""
    states = {h.status for h in healths}
    worst: tuple[Status, ...] = ("Degraded", "Missing", "Progressing")
    return next((s for s in worst if s in states), "Healthy")
