"""Lint's warnings (fields Argo has that we accept but do not honour) on every way a
workflow comes in, not only `wf lint` and a file given to `wf submit`.

- `stored_warnings(store, obj)`: the warnings of a stored object (Workflow,
  WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow); for a Workflow that runs
  a `workflowTemplateRef`, those of the template it runs too, at
  `spec.workflowTemplateRef.<path>`. The CLI prints them after `submit --from`; the
  server puts them in `Warning` headers.
- `warn_first(operate, store)`: the controller's side (Kubernetes mode, where
  `kubectl apply` skips every client): before a workflow's first decision, its
  warnings become a `SpecWarning` status condition (Argo's condition type for a valid
  spec with a warning) and one `Warning` event per field, reason `SpecWarning`. A
  container's fields are left out there: they reach the pod as given, and a kubelet
  honours them; so is `podDisruptionBudget`, which the Kubernetes controller makes
  (engine/disruption.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from workflow_engine.controller.resolver import CLUSTER_NAMESPACE
from workflow_engine.engine.decision import Decision, EmitEvent
from workflow_engine.errors import NotFound, SpecWarning
from workflow_engine.lint import document_warnings
from workflow_engine.spec.models import Workflow
from workflow_engine.spec.status import Condition
from workflow_engine.store.base import Store
from workflow_engine.vocabulary import CLUSTER_WORKFLOW_TEMPLATE_KIND, WORKFLOW_TEMPLATE_KIND

Operate = Callable[..., Decision]
SPEC_WARNING = "SpecWarning"  # Argo's ConditionTypeSpecWarning, and our event reason
# A container's own fields (probes, lifecycle, tty, stdin) reach the pod as given: on
# Kubernetes the kubelet honours them, so the controller there does not warn of them.
_CONTAINER_PATH = re.compile(
    r"\.(container|script|initContainers\[\d+\]|sidecars\[\d+\]|containerSet\.containers\[\d+\])$"
)
# Workflow fields that only embedded mode leaves without effect (a warning names its
# field first)
_HONOURED_ON_KUBERNETES = ("podDisruptionBudget ",)


def stored_warnings(store: Store, obj: Mapping[str, Any]) -> list[SpecWarning]:
    """The warnings of `obj` and, for a Workflow, of the template it references."""
    found = document_warnings([dict(obj)])
    ref = (obj.get("spec") or {}).get("workflowTemplateRef")
    if obj.get("kind") == "Workflow" and isinstance(ref, Mapping) and ref.get("name"):
        template = _referenced(store, ref, str((obj.get("metadata") or {}).get("namespace")))
        at = "spec.workflowTemplateRef"
        for warning in document_warnings([template] if template else []):
            found.append(SpecWarning(f"{at}.{warning.path}", warning.reason))
    return found


def _referenced(store: Store, ref: Mapping[str, Any], namespace: str) -> dict[str, Any] | None:
    cluster = bool(ref.get("clusterScope"))
    kind = CLUSTER_WORKFLOW_TEMPLATE_KIND if cluster else WORKFLOW_TEMPLATE_KIND
    try:
        return store.get(kind, str(ref["name"]), CLUSTER_NAMESPACE if cluster else namespace)
    except NotFound:
        return None  # lint reports a missing template; nothing to warn about


def kubernetes_warnings(warnings: list[SpecWarning]) -> list[SpecWarning]:
    """The warnings that still hold on Kubernetes: without the container fields a
    kubelet honours and the fields the Kubernetes controller honours."""
    return [
        w
        for w in warnings
        if not _CONTAINER_PATH.search(w.path) and not w.reason.startswith(_HONOURED_ON_KUBERNETES)
    ]


def warning_condition(warnings: list[SpecWarning]) -> Condition:
    return Condition(type=SPEC_WARNING, status="True", message="; ".join(map(str, warnings)))


def with_warnings(decision: Decision, warnings: list[SpecWarning]) -> Decision:
    """`decision` with the warnings as a status condition and events (once)."""
    conditions = list(decision.status.conditions or ())
    if not warnings or any(c.type == SPEC_WARNING for c in conditions):
        return decision
    status = decision.status.model_copy(
        update={"conditions": [*conditions, warning_condition(warnings)]}
    )
    events = tuple(EmitEvent(SPEC_WARNING, str(w), "Warning") for w in warnings)
    return replace(decision, status=status, actions=(*events, *decision.actions))


def warn_first(operate: Operate, store: Store) -> Operate:
    """`operate` that, on a workflow's first decision, adds its spec warnings."""

    def warned(wf: Workflow, observed: Any, now: datetime, *rest: Any) -> Decision:
        decision = operate(wf, observed, now, *rest)
        first = wf.status is None or not wf.status.phase
        if not first or decision.needs_templates or decision.needs_caches:
            return decision
        doc = wf.model_dump(mode="json", by_alias=True, exclude_unset=True)
        doc["kind"] = "Workflow"
        return with_warnings(decision, kubernetes_warnings(stored_warnings(store, doc)))

    return warned


__all__ = [
    "SPEC_WARNING",
    "kubernetes_warnings",
    "stored_warnings",
    "warn_first",
    "warning_condition",
    "with_warnings",
]
