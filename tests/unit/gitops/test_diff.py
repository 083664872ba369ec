"""workflow_engine.gitops.diff: live vs desired, ignoring what the server owns (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from workflow_engine.gitops.diff import compare, field_changes, format_diffs, normalize, summary
from workflow_engine.gitops.drift import drifted
from workflow_engine.gitops.render import REVISION


def _deploy(replicas: int, **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "ns", **meta},
        "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": "m"}]}}},
    }


SERVER_FIELDS = {
    "resourceVersion": "42",
    "uid": "u-1",
    "generation": 3,
    "creationTimestamp": "2026-01-01T00:00:00Z",
    "managedFields": [{"manager": "kubectl"}],
    "annotations": {"deployment.kubernetes.io/revision": "3"},
}


def test_server_owned_fields_and_status_are_not_differences() -> None:
    live = {**_deploy(2, **SERVER_FIELDS), "status": {"replicas": 2}}
    assert compare("Deployment/ns/web", _deploy(2), live).action == "unchanged"
    assert "status" not in normalize(live)
    assert "annotations" not in normalize(live)["metadata"]


@pytest.mark.parametrize(
    ("desired", "live", "action", "changes"),
    [
        pytest.param(_deploy(1), None, "added", (), id="added"),
        pytest.param(None, _deploy(1), "removed", (), id="removed"),
        pytest.param(_deploy(1), _deploy(3), "changed", ("spec.replicas: 3 -> 1",), id="scaled"),
        pytest.param(
            _deploy(1, labels={"a": "b"}),
            _deploy(1),
            "changed",
            ('metadata.labels: (absent) -> {"a": "b"}',),
            id="label-added",
        ),
    ],
)
def test_compare(
    desired: dict[str, Any] | None,
    live: dict[str, Any] | None,
    action: str,
    changes: tuple[str, ...],
) -> None:
    d = compare("Deployment/ns/web", desired, live)
    assert (d.action, d.changes) == (action, changes)


def test_field_changes_name_each_leaf_by_path() -> None:
    live = {"spec": {"containers": [{"env": [{"name": "V", "value": "tampered"}]}]}}
    desired = {"spec": {"containers": [{"env": [{"name": "V", "value": "1"}]}]}}
    assert field_changes(live, desired) == ['spec.containers[0].env[0].value: "tampered" -> "1"']


def test_lists_of_other_lengths_differ_as_a_whole() -> None:
    assert field_changes({"a": [1]}, {"a": [1, 2]}) == ["a: [1] -> [1, 2]"]


def test_format_and_summary() -> None:
    diffs = [
        compare("ConfigMap/ns/a", {"kind": "ConfigMap"}, None),
        compare("Deployment/ns/web", _deploy(1), _deploy(3)),
        compare("ConfigMap/ns/b", None, {"kind": "ConfigMap"}),
        compare("ConfigMap/ns/c", {"kind": "ConfigMap"}, {"kind": "ConfigMap"}),
    ]
    assert summary(diffs) == {"added": 1, "changed": 1, "removed": 1, "unchanged": 1}
    assert format_diffs(diffs).splitlines() == [
        "+ ConfigMap/ns/a (added)",
        "~ Deployment/ns/web (changed)",
        "    spec.replicas: 3 -> 1",
        "- ConfigMap/ns/b (removed)",
    ]
    assert format_diffs(diffs[3:]) == "no differences"


def test_a_new_commit_alone_is_not_drift() -> None:
    old = {"metadata": {"name": "web", "annotations": {REVISION: "aaa"}}, "spec": {"replicas": 1}}
    moved = {"metadata": {"name": "web", "annotations": {REVISION: "bbb"}}, "spec": {"replicas": 1}}
    scaled = {
        "metadata": {"name": "web", "annotations": {REVISION: "aaa"}},
        "spec": {"replicas": 3},
    }
    only_commit = compare("Deployment/ns/web", moved, old)
    assert only_commit.action == "changed"  # a sync still stamps the new commit
    by_hand = compare("Deployment/ns/web", old, scaled)
    gone = compare("ConfigMap/ns/c", None, {"metadata": {"name": "c"}})
    assert drifted([only_commit, by_hand, gone]) == (by_hand, gone)
