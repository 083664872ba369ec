"""The server says what lint warns about, as the Kubernetes API server does: one
`Warning: 299 - "<path>: <reason>"` header per field that is accepted but not honoured,
on every create, lint and update of a workflow, template or CronWorkflow, and on a
submit from a template (the template's fields). Real HTTP on 127.0.0.1, no controller."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.server.conftest import Served
from tests.integration.server.test_api import call, cron, hello, template

PDB = (
    "podDisruptionBudget is accepted but not honoured "
    "(embedded mode evicts no pods; the Kubernetes controller makes it)"
)


def guarded(doc: dict[str, Any]) -> dict[str, Any]:
    spec = doc["spec"].get("workflowSpec", doc["spec"])
    spec["podDisruptionBudget"] = {"minAvailable": 1}
    return doc


CASES = [
    pytest.param("/api/v1/workflows/argo", "workflow", guarded(hello()), "spec", id="workflow"),
    pytest.param(
        "/api/v1/workflows/argo/lint", "workflow", guarded(hello()), "spec", id="workflow-lint"
    ),
    pytest.param(
        "/api/v1/workflow-templates/argo", "template", guarded(template()), "spec", id="template"
    ),
    pytest.param(
        "/api/v1/cluster-workflow-templates",
        "template",
        guarded({**template("ct"), "kind": "ClusterWorkflowTemplate"}),
        "spec",
        id="cluster-template",
    ),
    pytest.param(
        "/api/v1/cron-workflows/argo",
        "cronWorkflow",
        guarded(cron()),
        "spec.workflowSpec",
        id="cron",
    ),
    pytest.param(
        "/api/v1/cron-workflows/argo/lint",
        "cronWorkflow",
        guarded(cron()),
        "spec.workflowSpec",
        id="cron-lint",
    ),
]


@pytest.mark.parametrize(("path", "field", "doc", "at"), CASES)
def test_every_write_and_lint_carries_warning_headers(
    quiet: Served, path: str, field: str, doc: dict[str, Any], at: str
) -> None:
    r = call(quiet, "POST", path, json={field: doc})
    assert r.status_code == 200, r.text
    assert r.headers.get_list("Warning") == [f'299 - "{at}: {PDB}"']


def test_submit_from_a_template_warns_about_the_template(quiet: Served) -> None:
    created = call(
        quiet, "POST", "/api/v1/workflow-templates/argo", json={"template": guarded(template("t"))}
    )
    assert created.status_code == 200, created.text
    body = {"resourceKind": "WorkflowTemplate", "resourceName": "t"}
    r = call(quiet, "POST", "/api/v1/workflows/argo/submit", json=body)
    assert r.status_code == 200, r.text
    assert r.headers.get_list("Warning") == [f'299 - "spec.workflowTemplateRef.spec: {PDB}"']


def test_nothing_to_warn_about_means_no_header(quiet: Served) -> None:
    r = call(quiet, "POST", "/api/v1/workflows/argo", json={"workflow": hello()})
    assert r.status_code == 200, r.text
    assert "Warning" not in r.headers
