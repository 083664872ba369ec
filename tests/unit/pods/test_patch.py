"""Strategic merge as podSpecPatch applies it (pure function, no fakes)."""

from __future__ import annotations

from typing import Any

import pytest

from workflow_engine.podbuilder import strategic_merge

BASE: dict[str, Any] = {
    "containers": [
        {"name": "main", "image": "a", "env": [{"name": "X", "value": "1"}]},
        {"name": "side", "image": "b"},
    ],
    "volumes": [{"name": "v", "emptyDir": {}}],
    "tolerations": [{"key": "t1"}],
    "nodeSelector": {"a": "1", "b": "2"},
    "restartPolicy": "Never",
}

CASES = [
    ("scalar-replaced", {"restartPolicy": "OnFailure"}, "restartPolicy", "OnFailure"),
    ("map-merged", {"nodeSelector": {"c": "3"}}, "nodeSelector", {"a": "1", "b": "2", "c": "3"}),
    ("null-deletes-key", {"nodeSelector": {"a": None}}, "nodeSelector", {"b": "2"}),
    ("unkeyed-list-replaced", {"tolerations": [{"key": "t2"}]}, "tolerations", [{"key": "t2"}]),
    (
        "container-merged-by-name",
        {"containers": [{"name": "main", "image": "z"}]},
        "containers",
        [
            {"name": "main", "image": "z", "env": [{"name": "X", "value": "1"}]},
            {"name": "side", "image": "b"},
        ],
    ),
    (
        "env-merged-by-name",
        {"containers": [{"name": "main", "env": [{"name": "Y", "value": "2"}]}]},
        "containers.0.env",
        [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}],
    ),
    (
        "new-container-appended",
        {"containers": [{"name": "extra", "image": "c"}]},
        "containers.2",
        {"name": "extra", "image": "c"},
    ),
    (
        "patch-delete-item",
        {"containers": [{"name": "side", "$patch": "delete"}]},
        "containers.1",
        None,
    ),
    (
        "patch-replace-list",
        {"volumes": [{"name": "w", "hostPath": {"path": "/x"}}, {"$patch": "replace"}]},
        "volumes",
        [{"name": "w", "hostPath": {"path": "/x"}}],
    ),
    (
        "patch-replace-map",
        {"nodeSelector": {"z": "9", "$patch": "replace"}},
        "nodeSelector",
        {"z": "9"},
    ),
    ("new-key-added", {"hostNetwork": True}, "hostNetwork", True),
]


def _get(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(obj, list):
            index = int(part)
            obj = obj[index] if index < len(obj) else None
        else:
            obj = obj.get(part)
        if obj is None:
            return None
    return obj


@pytest.mark.parametrize(
    ("patch", "path", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_strategic_merge(patch: dict[str, Any], path: str, expected: Any) -> None:
    assert _get(strategic_merge(BASE, patch), path) == expected


def test_inputs_are_not_changed() -> None:
    patch = {"containers": [{"name": "main", "image": "z"}], "nodeSelector": {"a": None}}
    strategic_merge(BASE, patch)
    assert BASE["containers"][0]["image"] == "a"
    assert BASE["nodeSelector"] == {"a": "1", "b": "2"}
    assert patch["nodeSelector"] == {"a": None}
