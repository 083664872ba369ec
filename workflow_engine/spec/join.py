"""Argo's JoinWorkflowSpec: a workflow run from a `workflowTemplateRef` runs the
WorkflowTemplate's spec with the workflow's own fields over it. Pure dict logic, in the
spec room so that the engine and the pod builder share it."""

from __future__ import annotations

from typing import Any

from workflow_engine.spec.models import Workflow, WorkflowSpec


def merge_dicts(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """A JSON merge of `patch` over `base`; lists of named objects merge by name."""
    out = dict(base)
    for key, value in patch.items():
        old = out.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            out[key] = merge_dicts(old, value)
        elif isinstance(old, list) and isinstance(value, list) and _named(old) and _named(value):
            merged = {item["name"]: item for item in old}
            for item in value:
                prev = merged.get(item["name"])
                merged[item["name"]] = merge_dicts(prev, item) if prev else item
            out[key] = list(merged.values())
        else:
            out[key] = value
    return out


def _named(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(i, dict) and "name" in i for i in items)


def exec_spec(wf: Workflow, template_spec: dict[str, Any] | None) -> WorkflowSpec:
    """Argo's JoinWorkflowSpec: the workflow's own fields win, templates and arguments
    merge by name."""
    if template_spec is None:
        return wf.spec
    own = wf.spec.to_dict()
    own.pop("workflowTemplateRef", None)
    return WorkflowSpec.model_validate(merge_dicts(template_spec, own))
