"""A workflow's PodDisruptionBudget (`spec.podDisruptionBudget`), decided: make it when
the workflow's pods are created, delete it when the workflow completes.

Part of the pure core; the controller applies the actions (Kubernetes: a policy/v1
PodDisruptionBudget; embedded mode evicts no pods and ignores them, and lint says so).
Argo's behaviour, from its operator (`createPDBResource`, `deletePDBResource`):

- the budget is named as the workflow, labelled with the workflow's name, owned by the
  workflow (controller ownerReference), and its spec is `spec.podDisruptionBudget` as
  given, with a selector on the workflow label when the spec gives none;
- it is made when the workflow starts and deleted when it completes (Succeeded, Failed
  or Error).

As the claims are (engine/claims.py), CreateDisruptionBudget leads every decision that
creates pods, not only the first: the status is written before the actions run, so a
crash between the two must not leave the pods without their budget. The Kubernetes
implementation remembers what it made, so a repeat costs no request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workflow_engine.spec.models import Workflow, WorkflowSpec
from workflow_engine.vocabulary import WORKFLOW_LABEL


@dataclass(frozen=True)
class CreateDisruptionBudget:
    """Create this PodDisruptionBudget (a full manifest, owner and namespace set) before
    the pods of the same decision; one that exists already is left as it is."""

    manifest: dict[str, Any]


@dataclass(frozen=True)
class DeleteDisruptionBudget:
    """Delete the workflow's budget (a missing one is no error)."""

    namespace: str
    name: str


def budget_spec(spec: WorkflowSpec) -> dict[str, Any] | None:
    """`spec.podDisruptionBudget` as given, None when unset."""
    budget = spec.pod_disruption_budget
    if budget is None:
        return None
    return budget.model_dump(mode="json", by_alias=True, exclude_none=True)


def budget_manifest(wf: Workflow, budget: dict[str, Any]) -> dict[str, Any]:
    name = wf.metadata.name or ""
    labels = {WORKFLOW_LABEL: name}
    meta: dict[str, Any] = {
        "name": name,
        "namespace": wf.metadata.namespace or "default",
        "labels": labels,
    }
    if wf.metadata.uid:
        meta["ownerReferences"] = [
            {
                "apiVersion": wf.api_version,
                "kind": "Workflow",
                "name": name,
                "uid": wf.metadata.uid,
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    spec = dict(budget)
    if spec.get("selector") is None:
        spec["selector"] = {"matchLabels": dict(labels)}
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": meta,
        "spec": spec,
    }


def budget_to_create(wf: Workflow, spec: WorkflowSpec) -> CreateDisruptionBudget | None:
    budget = budget_spec(spec)
    return None if budget is None else CreateDisruptionBudget(budget_manifest(wf, budget))


def budget_to_delete(wf: Workflow, spec: WorkflowSpec) -> DeleteDisruptionBudget | None:
    if spec.pod_disruption_budget is None:
        return None
    return DeleteDisruptionBudget(wf.metadata.namespace or "default", wf.metadata.name or "")
