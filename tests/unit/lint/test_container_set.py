"""Lint of containerSet templates: the errors Argo's validation gives a bad set, each
at its field path (tests/data/container_set/lint-errors.yaml); a good set lints clean
(tests/data/lint/good/container-set.yaml, run by test_files)."""

from __future__ import annotations

from pathlib import Path

from workflow_engine.lint import lint_files
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
