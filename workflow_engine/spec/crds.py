"""CustomResourceDefinitions of the kinds the spec knows, for either API group.

`spec` carries a structural schema generated from the spec models (`crd_schema.py`),
so the API server rejects a mistyped field at its path (`kubectl apply` reports
it); recursive points (a step's inline template) stay open for lint to judge.
`status` is written only by the controller: its well-known fields are typed, the
node map stays open (it is large and may be compressed). The status subresource is
on for the kinds the controller writes status to. Two groups: `argoproj.io` (the
CRDs replace Argo's, existing manifests apply unchanged) and our own `wfengine.io`
(side by side with a running Argo). `scripts/gen_crds.py` writes both to `crds/`; a
test keeps the files in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from workflow_engine.spec.crd_schema import OPEN_OBJECT, Schema, structural_schema
from workflow_engine.spec.objects import (
    API_GROUP,
    CronWorkflowSpec,
    WorkflowEventBindingSpec,
    WorkflowSpec,
    WorkflowTriggerSpec,
)
from workflow_engine.spec.params import Outputs

ARGO_GROUP = "argoproj.io"
GROUPS = (API_GROUP, ARGO_GROUP)
VERSION = "v1alpha1"

Column = tuple[str, str, str]  # name, type, jsonPath


@dataclass(frozen=True)
class Kind:
    kind: str
    plural: str
    short_names: tuple[str, ...]
    namespaced: bool
    spec: type[BaseModel] | None
    status: bool
    columns: tuple[Column, ...] = ()


_AGE: Column = ("Age", "date", ".metadata.creationTimestamp")

KINDS: tuple[Kind, ...] = (
    Kind(
        "Workflow",
        "workflows",
        ("wf",),
        True,
        WorkflowSpec,
        True,
        (
            ("Status", "string", ".status.phase"),
            _AGE,
            ("Duration", "string", ".status.duration"),
            ("Message", "string", ".status.message"),
        ),
    ),
    Kind("WorkflowTemplate", "workflowtemplates", ("wftmpl",), True, WorkflowSpec, False, (_AGE,)),
    Kind(
        "ClusterWorkflowTemplate",
        "clusterworkflowtemplates",
        ("clusterwftmpl", "cwft"),
        False,
        WorkflowSpec,
        False,
        (_AGE,),
    ),
    Kind(
        "CronWorkflow",
        "cronworkflows",
        ("cwf", "cronwf"),
        True,
        CronWorkflowSpec,
        True,
        (
            ("Schedule", "string", ".spec.schedule"),
            ("Suspended", "boolean", ".spec.suspend"),
            ("Last", "date", ".status.lastScheduledTime"),
            _AGE,
        ),
    ),
    Kind(
        "WorkflowEventBinding",
        "workfloweventbindings",
        ("wfeb",),
        True,
        WorkflowEventBindingSpec,
        False,
        (_AGE,),
    ),
    Kind(
        "WorkflowTrigger",
        "workflowtriggers",
        ("wftrig",),
        True,
        WorkflowTriggerSpec,
        True,
        (("Suspended", "boolean", ".spec.suspend"), _AGE),
    ),
    Kind(
        "WorkflowTaskResult",
        "workflowtaskresults",
        ("wftr",),
        True,
        None,
        False,
        (("Phase", "string", ".phase"), _AGE),
    ),
    # A piece of an offloaded node map (store/kubernetes/offload.py); not user-facing.
    Kind(
        "WorkflowNodeChunk",
        "workflownodechunks",
        ("wfnc",),
        True,
        None,
        False,
        (("Workflow", "string", ".spec.workflow"), ("Index", "integer", ".spec.index"), _AGE),
    ),
)

_CHUNK_SPEC: Schema = {
    "type": "object",
    "required": ["workflow", "version", "index", "count", "data"],
    "properties": {
        "workflow": {"type": "string"},
        "version": {"type": "string"},
        "index": {"type": "integer", "minimum": 0},
        "count": {"type": "integer", "minimum": 1},
        "data": {"type": "string"},
    },
}

_WORKFLOW_STATUS: Schema = {
    "type": "object",
    "x-kubernetes-preserve-unknown-fields": True,
    "properties": {
        "phase": {"type": "string"},
        "startedAt": {"type": "string"},
        "finishedAt": {"type": "string"},
        "duration": {"type": "string"},
        "progress": {"type": "string"},
        "message": {"type": "string"},
        "compressedNodes": {"type": "string"},
        "nodes": {"type": "object", "additionalProperties": OPEN_OBJECT},
    },
}


def custom_resource_definitions(group: str = API_GROUP) -> list[dict[str, Any]]:
    """One CRD (a plain dict) per kind, in a stable order, in `group`."""
    if group not in GROUPS:
        raise ValueError(f"unknown API group {group!r}: expected one of {', '.join(GROUPS)}")
    schemas: dict[type[BaseModel], Schema] = {}
    out = []
    for kind in KINDS:
        if kind.spec is not None and kind.spec not in schemas:
            schemas[kind.spec] = structural_schema(kind.spec)
        out.append(_crd(kind, group, schemas.get(kind.spec) if kind.spec else None))
    return out


def _crd(kind: Kind, group: str, spec: Schema | None) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"type": "object"},
    }
    if kind.kind == "WorkflowNodeChunk":
        properties["spec"] = _CHUNK_SPEC
    elif spec is None:  # WorkflowTaskResult: Argo keeps its fields at the top level
        properties |= {
            "outputs": structural_schema(Outputs),
            "phase": {"type": "string"},
            "message": {"type": "string"},
            "progress": {"type": "string"},
        }
    else:
        properties["spec"] = spec
    if kind.status:
        properties["status"] = _WORKFLOW_STATUS if kind.kind == "Workflow" else OPEN_OBJECT
    schema: Schema = {"type": "object", "properties": properties}
    if spec is not None:
        schema["required"] = ["spec"]
    version: dict[str, Any] = {
        "name": VERSION,
        "served": True,
        "storage": True,
        "schema": {"openAPIV3Schema": schema},
    }
    if kind.status:
        version["subresources"] = {"status": {}}
    if kind.columns:
        version["additionalPrinterColumns"] = [
            {"name": name, "type": type_, "jsonPath": path} for name, type_, path in kind.columns
        ]
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{kind.plural}.{group}"},
        "spec": {
            "group": group,
            "names": {
                "kind": kind.kind,
                "listKind": f"{kind.kind}List",
                "plural": kind.plural,
                "singular": kind.kind.lower(),
                "shortNames": list(kind.short_names),
                "categories": ["wfengine" if group == API_GROUP else "argo"],
            },
            "scope": "Namespaced" if kind.namespaced else "Cluster",
            "versions": [version],
        },
    }
