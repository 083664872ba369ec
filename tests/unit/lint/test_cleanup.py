"""Lint of podGC's delay and label selector, of ttlStrategy and of the volume claims
(volumeClaimGC's strategy, volumeClaimTemplates' names): each bad value is an error at
its field path (the engine would otherwise delete nothing, silently)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from workflow_engine.lint import lint_text

BASE: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Workflow",
    "metadata": {"generateName": "gc-"},
    "spec": {
        "entrypoint": "main",
        "templates": [{"name": "main", "container": {"image": "busybox", "command": ["true"]}}],
    },
}


def errors(**spec: Any) -> list[str]:
    doc = {**BASE, "spec": {**BASE["spec"], **spec}}
    return [f"{e.path}: {e.reason}" for e in lint_text(yaml.safe_dump(doc))]


def test_valid_cleanup_fields_pass() -> None:
    selector = {"matchLabels": {"a": "b"}, "matchExpressions": [{"key": "c", "operator": "Exists"}]}
    pod_gc = {"strategy": "OnPodSuccess", "deleteDelayDuration": "30s", "labelSelector": selector}
    ttl = {"secondsAfterCompletion": 0, "secondsAfterFailure": 60}
    claims = [{"metadata": {"name": "work"}, "spec": {"accessModes": ["ReadWriteOnce"]}}]
    claim_gc = {"strategy": "OnWorkflowCompletion"}
    assert errors(podGC=pod_gc, ttlStrategy=ttl) == []
    assert errors(volumeClaimTemplates=claims, volumeClaimGC=claim_gc) == []


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            {"podGC": {"strategy": "OnPodSuccess", "deleteDelayDuration": "soon"}},
            'spec.podGC.deleteDelayDuration: "soon" is not a duration',
        ),
        (
            {"podGC": {"labelSelector": {"matchExpressions": [{"key": "a", "operator": "Near"}]}}},
            'spec.podGC.labelSelector.matchExpressions[0].operator: unknown operator "Near"',
        ),
        (
            {"podGC": {"labelSelector": {"matchExpressions": [{"key": "a", "operator": "In"}]}}},
            "spec.podGC.labelSelector.matchExpressions[0].values: required for In",
        ),
        (
            {"podGC": {"labelSelector": {"matchExpressions": [{"operator": "Exists"}]}}},
            "spec.podGC.labelSelector.matchExpressions[0].key: required field is missing",
        ),
        (
            {"ttlStrategy": {"secondsAfterSuccess": -1}},
            "spec.ttlStrategy.secondsAfterSuccess: must not be negative",
        ),
        (
            {"volumeClaimGC": {"strategy": "OnWorkflowFailure"}},
            'spec.volumeClaimGC.strategy: unknown strategy "OnWorkflowFailure"',
        ),
        (
            {"volumeClaimTemplates": [{"spec": {"accessModes": ["ReadWriteOnce"]}}]},
            "spec.volumeClaimTemplates[0].metadata.name: required",
        ),
        (
            {"volumeClaimTemplates": [{"metadata": {"name": "w"}}, {"metadata": {"name": "w"}}]},
            'spec.volumeClaimTemplates[1].metadata.name: duplicate name "w"',
        ),
    ],
)
def test_bad_cleanup_fields(spec: dict[str, Any], expected: str) -> None:
    found = errors(**spec)
    assert len(found) == 1 and found[0].startswith(expected), found
