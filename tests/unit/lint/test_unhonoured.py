"""Fields accepted but not honoured give warnings (never errors) at their field paths:
one per table entry, found wherever such a field may sit (workflow specs, every
template including inline ones and templateDefaults, every container)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.spec.test_argo_schema import full_document
from workflow_engine.errors import SpecWarning
from workflow_engine.lint import (
    UNHONOURED,
    document_warnings,
    lint_documents,
    lint_text,
    lint_warnings,
)

HELLO = {"name": "main", "container": {"image": "alpine", "command": ["echo"]}}
PROBED = {"image": "alpine", "command": ["echo"], "livenessProbe": {}}


def workflow(spec: dict[str, Any], kind: str = "Workflow") -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": kind,
        "metadata": {"name": "w"},
        "spec": {"entrypoint": "main", "templates": [HELLO], **spec},
    }


def test_every_table_entry_warns_on_a_document_with_every_field() -> None:
    """Argo's schema walk sets every field: each entry of the table is found in it."""
    warned = {
        (w.path.rsplit(".", 1)[-1], w.reason.split(" ", 1)[0])
        for w in document_warnings([full_document("Workflow")])
    }
    fields = {w[1] for w in warned}
    assert {entry.field for entry in UNHONOURED} <= fields


@pytest.mark.parametrize(
    ("spec", "path", "field"),
    [
        ({"podDisruptionBudget": {"minAvailable": 1}}, "spec", "podDisruptionBudget"),
        (
            {"templates": [{**HELLO, "container": {"image": "alpine", "livenessProbe": {}}}]},
            "spec.templates[0].container",
            "livenessProbe",
        ),
        (
            {"templates": [{**HELLO, "sidecars": [{"name": "s", "readinessProbe": {}}]}]},
            "spec.templates[0].sidecars[0]",
            "readinessProbe",
        ),
        (
            {"templateDefaults": {"container": {"image": "alpine", "livenessProbe": {}}}},
            "spec.templateDefaults.container",
            "livenessProbe",
        ),
        (
            {
                "templates": [
                    {
                        "name": "main",
                        "steps": [[{"name": "a", "inline": {"container": PROBED}}]],
                    }
                ]
            },
            "spec.templates[0].steps[0][0].inline.container",
            "livenessProbe",
        ),
    ],
    ids=["pdb", "probe", "sidecar-probe", "defaults", "inline-probe"],
)
def test_warning_at_the_fields_path(spec: dict[str, Any], path: str, field: str) -> None:
    [warning] = document_warnings([workflow(spec)])
    assert isinstance(warning, SpecWarning) and warning.severity == "warning"
    assert warning.path == path
    assert warning.reason.startswith(f"{field} is accepted but not honoured (")


@pytest.mark.parametrize(
    "spec",
    [
        {"synchronization": {"mutex": {"name": "m"}}},
        {"podGC": {"strategy": "OnPodSuccess"}},
        {"ttlStrategy": {"secondsAfterCompletion": 10}},
        {"metrics": {"prometheus": []}},
        {"templates": [{**HELLO, "memoize": {"key": "k", "cache": {"configMap": {"name": "c"}}}}]},
        {"templates": [{"name": "main", "http": {"url": "http://x"}}]},
        {"templates": [{"name": "main", "containerSet": {"containers": [HELLO["container"]]}}]},
        {"templates": [{**HELLO, "container": {**HELLO["container"], "tty": True}}]},
        {"templates": [{**HELLO, "container": {**HELLO["container"], "stdin": True}}]},
        {"templates": [{**HELLO, "container": {**HELLO["container"], "stdinOnce": True}}]},
    ],
    ids=[
        "synchronization",
        "podGC",
        "ttl",
        "metrics",
        "memoize",
        "http",
        "containerSet",
        "tty",
        "stdin",
        "stdinOnce",
    ],
)
def test_honoured_fields_do_not_warn(spec: dict[str, Any]) -> None:
    assert document_warnings([workflow(spec)]) == []


def test_warnings_are_not_errors() -> None:
    doc = workflow({"podDisruptionBudget": {"minAvailable": 1}})
    assert lint_documents([doc]) == []
    assert len(document_warnings([doc])) == 1


def test_cron_workflows_and_several_documents() -> None:
    text = """
apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata: {name: c}
spec:
  schedule: "* * * * *"
  workflowSpec:
    entrypoint: main
    podDisruptionBudget: {minAvailable: 1}
    templates: [{name: main, container: {image: alpine, command: [echo]}}]
---
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: t}
spec:
  templates: [{name: main, container: {image: alpine, command: [echo], livenessProbe: {}}}]
"""
    assert lint_text(text) == []
    assert [(w.path, w.reason.split()[0]) for w in lint_warnings(text)] == [
        ("[0].spec.workflowSpec", "podDisruptionBudget"),
        ("[1].spec.templates[0].container", "livenessProbe"),
    ]


def test_a_document_that_does_not_load_has_no_warnings() -> None:
    assert lint_warnings("a: [") == []


def test_the_table_has_one_entry_per_field_and_place() -> None:
    keys = [(e.where, e.field) for e in UNHONOURED]
    assert len(keys) == len(set(keys))
