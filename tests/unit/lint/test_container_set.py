"""Lint of containerSet templates: the errors Argo's validation gives a bad set, each
at its field path (tests/data/container_set/lint-errors.yaml); a good set lints clean
(tests/data/lint/good/container-set.yaml, run by test_files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from workflow_engine.lint import document_warnings, lint_documents, lint_files
from workflow_engine.lint.templates import PLUGIN_REFUSED
from workflow_engine.spec.resolver import MappingResolver

BAD = Path(__file__).resolve().parents[2] / "data" / "container_set" / "lint-errors.yaml"
T = "spec.templates"
EXPECTED = [
    (f"{T}[0].containerSet.containers[0].dependencies[0]", 'unknown container "ghost"'),
    (f"{T}[1].containerSet.containers[0].dependencies", "dependency cycle: a -> main -> b -> a"),
    (f"{T}[2].containerSet.containers", 'a container named "main" is needed'),
    (f"{T}[3].containerSet.containers[0].image", "required: the image to run"),
    (f"{T}[3].containerSet.containers[1].name", 'duplicate container name "main"'),
    (f"{T}[3].containerSet.containers[2].name", "required field is missing"),
    (f"{T}[3].containerSet.retryStrategy.retries", '"lots" is not a whole number'),
    (f"{T}[3].containerSet.retryStrategy.duration", ""),
    (f"{T}[4].containerSet.containers", "list at least one container"),
]


def test_every_error_of_a_bad_set_at_its_path() -> None:
    [errors] = lint_files([BAD], MappingResolver()).values()
    found = [(e.path, e.reason) for e in errors]
    for path, reason in EXPECTED:
        assert any(p == path and reason in r for p, r in found), (path, reason, found)
    assert len(found) == len(EXPECTED), found


@pytest.mark.parametrize(
    ("template", "path"),
    [
        ({"name": "main", "plugin": {"hello": {}}}, "spec.templates[0].plugin"),
        (
            {"name": "main", "steps": [[{"name": "a", "inline": {"plugin": {"p": {}}}}]]},
            "spec.templates[0].steps[0][0].inline.plugin",
        ),
    ],
    ids=["template", "inline"],
)
def test_plugin_templates_are_refused(template: dict[str, Any], path: str) -> None:
    """We run no executor plugins: a plugin node would wait for ever, so lint refuses it."""
    doc = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "w"},
        "spec": {"entrypoint": "main", "templates": [template]},
    }
    errors = [(e.path, e.reason) for e in lint_documents([doc])]
    assert errors == [(path, PLUGIN_REFUSED)]
    assert document_warnings([doc]) == []
