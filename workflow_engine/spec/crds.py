"""CustomResourceDefinitions of our API group, generated from the kinds the spec knows.

Like Argo's "minimal" CRDs, `spec` and `status` keep unknown fields: the API server
stores what it is given and our own validation (lint, with field paths) judges it. The
status subresource is on for the kinds the controller writes status to.
`scripts/gen_crds.py` writes these to `crds/`; a test keeps the files in step.
"""

from __future__ import annotations

from typing import Any

from workflow_engine.spec.objects import API_GROUP

_OPEN = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}

# kind, plural, short name, scope, has status, extra printer columns
_KINDS: tuple[tuple[str, str, str, str, bool, tuple[tuple[str, str, str], ...]], ...] = (
    (
        "Workflow",
        "workflows",
        "wf",
        "Namespaced",
        True,
        (
            ("Status", "string", ".status.phase"),
            ("Age", "date", ".metadata.creationTimestamp"),
            ("Message", "string", ".status.message"),
        ),
    ),
    ("WorkflowTemplate", "workflowtemplates", "wftmpl", "Namespaced", False, ()),
    ("ClusterWorkflowTemplate", "clusterworkflowtemplates", "cwftmpl", "Cluster", False, ()),
    (
        "CronWorkflow",
        "cronworkflows",
        "cwf",
        "Namespaced",
        True,
        (("Schedule", "string", ".spec.schedule"), ("Suspended", "boolean", ".spec.suspend")),
    ),
    ("WorkflowEventBinding", "workfloweventbindings", "wfeb", "Namespaced", False, ()),
    ("WorkflowTaskResult", "workflowtaskresults", "wftr", "Namespaced", False, ()),
)


def custom_resource_definitions() -> list[dict[str, Any]]:
    """One CRD (a plain dict) per kind, in a stable order."""
    return [_crd(*entry) for entry in _KINDS]


def _crd(
    kind: str,
    plural: str,
    short: str,
    scope: str,
    has_status: bool,
    columns: tuple[tuple[str, str, str], ...],
) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"type": "object"},
    }
    if kind == "WorkflowTaskResult":
        properties |= {"outputs": _OPEN, "message": {"type": "string"}, "phase": {"type": "string"}}
    else:
        properties["spec"] = _OPEN
    if has_status:
        properties["status"] = _OPEN
    version: dict[str, Any] = {
        "name": "v1alpha1",
        "served": True,
        "storage": True,
        "schema": {
            "openAPIV3Schema": {
                "type": "object",
                "properties": properties,
                **({"required": ["spec"]} if "spec" in properties else {}),
            }
        },
    }
    if has_status:
        version["subresources"] = {"status": {}}
    if columns:
        version["additionalPrinterColumns"] = [
            {"name": name, "type": type_, "jsonPath": path} for name, type_, path in columns
        ]
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{API_GROUP}"},
        "spec": {
            "group": API_GROUP,
            "names": {
                "kind": kind,
                "listKind": f"{kind}List",
                "plural": plural,
                "singular": kind.lower(),
                "shortNames": [short],
            },
            "scope": scope,
            "versions": [version],
        },
    }
