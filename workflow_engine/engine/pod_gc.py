"""Pod garbage collection, decided: which of a workflow's ended pods `spec.podGC` asks
to delete now, and when to look again for those whose delay has not passed.

Part of the pure core. Argo's strategies:

- `OnPodCompletion`: a pod goes once its node is done, whatever its phase;
- `OnPodSuccess`: a pod goes once its node succeeded (failed pods stay);
- `OnWorkflowCompletion`: every pod goes once the workflow is completed;
- `OnWorkflowSuccess`: every pod goes once the workflow succeeded (all stay otherwise).

A pod is deleted `deleteDelayDuration` (default 5s, Argo's controller default) after
the moment its strategy names (the node's or the workflow's finish), and only when its
labels match `labelSelector` (matchLabels, matchExpressions). Only pods whose node is
fulfilled are touched: its outputs are already in the status, so nothing is lost. The
decision is a `DeletePod` per due pod, repeated while the pod is still observed
(deleting a missing pod is a no-op), so a crash loses nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from workflow_engine.engine.decision import DeletePod
from workflow_engine.engine.durations import BadDuration, parse_duration
from workflow_engine.engine.observed import PodState
from workflow_engine.spec.models import NodeStatus, WorkflowSpec, WorkflowStatus
from workflow_engine.spec.status import FULFILLED_PHASES
from workflow_engine.vocabulary import COMPLETED_PHASES

ON_POD_COMPLETION = "OnPodCompletion"
ON_POD_SUCCESS = "OnPodSuccess"
ON_WORKFLOW_COMPLETION = "OnWorkflowCompletion"
ON_WORKFLOW_SUCCESS = "OnWorkflowSuccess"
STRATEGIES = (ON_POD_COMPLETION, ON_POD_SUCCESS, ON_WORKFLOW_COMPLETION, ON_WORKFLOW_SUCCESS)
DEFAULT_DELAY = 5.0  # seconds: Argo's podGCDeleteDelayDuration


class BadSelector(ValueError):
    pass


@dataclass(frozen=True)
class PodGCPlan:
    """The pods to delete now, and in how many seconds the next one falls due."""

    deletes: tuple[DeletePod, ...] = ()
    requeue: float | None = None


def pod_gc(
    spec: WorkflowSpec,
    status: WorkflowStatus,
    nodes: Mapping[str, NodeStatus],
    pods: Mapping[str, PodState],
    now: datetime,
) -> PodGCPlan:
    """What `spec.podGC` asks of the observed `pods` now (nothing without a strategy).
    A bad `deleteDelayDuration` or `labelSelector` is refused by lint; here it
    deletes nothing rather than the wrong pods."""
    gc = spec.pod_gc
    strategy = (gc.strategy if gc else None) or ""
    if gc is None or strategy not in STRATEGIES:
        return PodGCPlan()
    waits_for_workflow = strategy in (ON_WORKFLOW_COMPLETION, ON_WORKFLOW_SUCCESS)
    if waits_for_workflow and status.phase not in COMPLETED_PHASES:
        return PodGCPlan()  # nothing to look at per pod while the workflow runs
    try:
        delay = parse_duration(gc.delete_delay_duration) if gc.delete_delay_duration else None
    except BadDuration:
        return PodGCPlan()
    delay = DEFAULT_DELAY if delay is None else delay
    selector = gc.label_selector.model_dump() if gc.label_selector is not None else None
    deletes: list[DeletePod] = []
    waits: list[float] = []
    for name in sorted(pods):
        pod = pods[name]
        since = _due_since(strategy, status, nodes, pod)
        if since is None:
            continue
        try:
            if not selector_matches(selector, pod.labels):
                continue
        except BadSelector:
            return PodGCPlan()
        due = since + timedelta(seconds=delay)
        if now >= due:
            deletes.append(DeletePod(pod_name=name, reason=f"podGC: {strategy}"))
        else:
            waits.append((due - now).total_seconds())
    return PodGCPlan(tuple(deletes), min(waits) if waits else None)


def _due_since(
    strategy: str, status: WorkflowStatus, nodes: Mapping[str, NodeStatus], pod: PodState
) -> datetime | None:
    """The moment the strategy starts the pod's delay, or None: not (yet) collected."""
    if pod.phase not in ("Succeeded", "Failed"):
        return None
    if strategy in (ON_WORKFLOW_COMPLETION, ON_WORKFLOW_SUCCESS):
        if status.phase not in COMPLETED_PHASES or status.finished_at is None:
            return None
        if strategy == ON_WORKFLOW_SUCCESS and status.phase != "Succeeded":
            return None
        return status.finished_at
    node = nodes.get(pod.node_id or "")
    if node is None or node.phase not in FULFILLED_PHASES:
        return None  # its outputs are not recorded yet (or it is not ours to judge)
    if strategy == ON_POD_SUCCESS and (node.phase != "Succeeded" or pod.phase != "Succeeded"):
        return None
    return node.finished_at or pod.finished_at or status.finished_at


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """A Kubernetes LabelSelector (matchLabels and matchExpressions with In, NotIn,
    Exists, DoesNotExist) against `labels`; no selector matches everything."""
    if not selector:
        return True
    match_labels = selector.get("matchLabels") or {}
    if not isinstance(match_labels, Mapping):
        raise BadSelector("matchLabels must be a map")
    if any(labels.get(str(k)) != str(v) for k, v in match_labels.items()):
        return False
    expressions = selector.get("matchExpressions") or []
    if not isinstance(expressions, list):
        raise BadSelector("matchExpressions must be a list")
    return all(_expression_matches(e, labels) for e in expressions)


def _expression_matches(expression: Any, labels: Mapping[str, str]) -> bool:
    if not isinstance(expression, Mapping) or "key" not in expression:
        raise BadSelector("a matchExpression needs a key")
    key, operator = str(expression["key"]), expression.get("operator")
    values = [str(v) for v in expression.get("values") or []]
    if operator == "In":
        return key in labels and labels[key] in values
    if operator == "NotIn":
        return key not in labels or labels[key] not in values
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    raise BadSelector(f"unknown operator {operator!r}")
