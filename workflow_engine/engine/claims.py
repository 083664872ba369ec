"""Volume claims of a workflow, decided: which of `spec.volumeClaimTemplates` to create
when it starts, and which of its claims `spec.volumeClaimGC` deletes when it ends.

Part of the pure core; the controller applies the actions (embedded: a directory per
claim; Kubernetes: PersistentVolumeClaims). Argo's behaviour, from its operator
(`createPVCs`, `deletePVCs`):

- every template becomes a claim named `<workflow name>-<template name>`, labelled with
  the workflow's name and owned by the workflow (an ownerReference, so deleting the
  workflow deletes it), created before the first pod;
- `status.persistentVolumeClaims` lists them as volumes: `{name: <template name>,
  persistentVolumeClaim: {claimName: <claim name>}}`;
- when the workflow completes, `volumeClaimGC.strategy` decides: `OnWorkflowSuccess`
  (the default) deletes them only if it succeeded (a failed workflow keeps them for a
  retry, and they go with the workflow), `OnWorkflowCompletion` deletes them whatever
  the phase; the deleted ones leave the status list.

The status is written before the actions run, and a claim that failed to be made
(a crash, a transient API error) must still come before any pod: so CreateClaims
leads every decision that creates pods, not only the first. Creating a claim that
exists, owned by the same workflow, is a no-op (the Kubernetes implementation
remembers what it made, so a repeat costs no request).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workflow_engine.spec.models import KubeObject, Workflow, WorkflowSpec, WorkflowStatus
from workflow_engine.vocabulary import COMPLETED_PHASES, WORKFLOW_LABEL

ON_WORKFLOW_SUCCESS = "OnWorkflowSuccess"
ON_WORKFLOW_COMPLETION = "OnWorkflowCompletion"
STRATEGIES = (ON_WORKFLOW_SUCCESS, ON_WORKFLOW_COMPLETION)


@dataclass(frozen=True)
class CreateClaims:
    """Create these PersistentVolumeClaims (full manifests, owner and namespace set)
    before the pods of the same decision."""

    claims: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class DeleteClaims:
    """Delete these claims of the workflow (a missing one is no error)."""

    namespace: str
    names: tuple[str, ...]


def claim_name(workflow_name: str, template_name: str) -> str:
    """The claim Argo makes of a volume claim template."""
    return f"{workflow_name}-{template_name}"


def claims_to_create(
    wf: Workflow, spec: WorkflowSpec, status: WorkflowStatus
) -> tuple[list[KubeObject] | None, CreateClaims] | None:
    """The claims of `spec.volumeClaimTemplates`: the status list to write when the
    status does not list them yet (None when it does), and the action that makes them.
    None when there are none, or the workflow has completed."""
    templates = [t.model_dump(mode="json") for t in spec.volume_claim_templates or ()]
    if not templates or status.phase in COMPLETED_PHASES:
        return None
    name = wf.metadata.name or ""
    volumes, manifests = [], []
    for template in templates:
        ref = str((template.get("metadata") or {}).get("name") or "")
        claim = claim_name(name, ref)
        volumes.append(KubeObject(name=ref, persistentVolumeClaim={"claimName": claim}))
        manifests.append(_manifest(wf, template, claim))
    listed = len(status.persistent_volume_claims or ()) == len(templates)
    return (None if listed else volumes), CreateClaims(tuple(manifests))


def _manifest(wf: Workflow, template: dict[str, Any], claim: str) -> dict[str, Any]:
    meta = dict(template.get("metadata") or {})
    labels = {**(meta.get("labels") or {}), WORKFLOW_LABEL: wf.metadata.name or ""}
    meta.update(name=claim, namespace=wf.metadata.namespace or "default", labels=labels)
    if wf.metadata.uid:
        meta["ownerReferences"] = [
            {
                "apiVersion": wf.api_version,
                "kind": "Workflow",
                "name": wf.metadata.name,
                "uid": wf.metadata.uid,
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    body = {k: v for k, v in template.items() if k not in ("metadata", "apiVersion", "kind")}
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta, **body}


def gc_strategy(spec: WorkflowSpec) -> str:
    gc = spec.volume_claim_gc
    strategy = (gc.model_extra or {}).get("strategy") if gc is not None else None
    return str(strategy or ON_WORKFLOW_SUCCESS)


def claims_gc(
    wf: Workflow, spec: WorkflowSpec, status: WorkflowStatus
) -> tuple[WorkflowStatus, DeleteClaims | None]:
    """The completed status without the claims `volumeClaimGC` deletes now, and the
    action that deletes them (None: nothing to delete)."""
    claims = status.persistent_volume_claims or []
    if status.phase not in COMPLETED_PHASES or not claims:
        return status, None
    strategy = gc_strategy(spec)
    if strategy not in STRATEGIES:  # lint refuses it; never delete on a guess
        return status, None
    if strategy == ON_WORKFLOW_SUCCESS and status.phase != "Succeeded":
        return status, None
    names = tuple(n for n in (_claim_of(v) for v in claims) if n)
    namespace = wf.metadata.namespace or "default"
    updated = status.model_copy(update={"persistent_volume_claims": None})
    return updated, DeleteClaims(namespace, names)


def _claim_of(volume: KubeObject) -> str:
    source = (volume.model_extra or {}).get("persistentVolumeClaim") or {}
    return str(source.get("claimName") or "") if isinstance(source, dict) else ""
