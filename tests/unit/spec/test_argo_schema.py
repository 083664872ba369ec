"""Every field of Argo's schema is accepted: a Workflow, WorkflowTemplate,
ClusterWorkflowTemplate and CronWorkflow with every field set (walked from Hera's
models, which are generated from Argo's published OpenAPI schema) have no
structural error. Nothing is faked: the documents go through `wf lint`'s own parser."""

from __future__ import annotations

from typing import Any

import pytest
from hera.workflows.models.io.argoproj.workflow import v1alpha1 as argo

from tests.support.argo_schema import field_paths, model_value
from workflow_engine.lint import structural_errors

OBJECT_META = argo.Workflow.model_fields["metadata"].annotation
SPECS = {
    "Workflow": argo.WorkflowSpec,
    "WorkflowTemplate": argo.WorkflowSpec,
    "ClusterWorkflowTemplate": argo.WorkflowSpec,
    "CronWorkflow": argo.CronWorkflowSpec,
}


def full_document(kind: str) -> dict[str, Any]:
    metadata = model_value(OBJECT_META) | {"name": "every-field"}  # type: ignore[arg-type]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": kind,
        "metadata": metadata,
        "spec": model_value(SPECS[kind]),
    }


@pytest.mark.parametrize("kind", list(SPECS))
def test_every_field_of_argos_schema_is_accepted(kind: str) -> None:
    doc = full_document(kind)
    assert structural_errors([doc]) == []


def test_the_walk_reaches_the_fields_the_issue_named() -> None:
    paths = set(field_paths(full_document("Workflow")))
    for path in (
        "spec.templates[0].annotations.key",
        "spec.templates[0].archiveLocation.plugin.name",
        "spec.templates[0].script.source",
        "spec.templates[0].synchronization.mutexes[0].name",
        "spec.podGC.strategy",
        "spec.ttlStrategy.secondsAfterCompletion",
        "spec.volumeClaimTemplates[0].spec.storageClassName",
    ):
        assert path in paths
    assert len(paths) > 3000


@pytest.mark.parametrize(
    ("template", "field"),
    [
        ({"script": {"image": "python:3.11", "command": ["python", "-c", "print(1)"]}}, "source"),
        ({"container": {"image": "alpine"}, "podResources": {"limits": {"cpu": "1"}}}, "pod"),
        ({"container": {"image": "alpine"}, "resourceClaims": [{"name": "gpu"}]}, "claims"),
        ({"container": {"image": "alpine"}, "annotations": {"a": "b"}}, "annotations"),
    ],
    ids=["script-without-source", "podResources", "resourceClaims", "template-annotations"],
)
def test_fields_newer_or_optional_in_argo_are_accepted(
    template: dict[str, Any], field: str
) -> None:
    doc = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "x-"},
        "spec": {"entrypoint": "main", "templates": [{"name": "main", **template}]},
    }
    assert structural_errors([doc]) == [], field
