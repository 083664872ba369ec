"""Container planning of the process runtime: pure functions, no processes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from workflow_engine.runtime.process.containers import (
    PodContext,
    build_env,
    expand,
    plan_container,
    pod_volumes,
    sidecar_names,
)
from workflow_engine.vocabulary import SIDECARS_ANNOTATION

POD = PodContext("p1", "ns1", {"app": "x"}, {"note": "n"}, {"work": "/state/work"}, {"cm": "no"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$(A)", "1"),
        ("x$(A)y$(B)", "x1y2"),
        ("$(MISSING)", "$(MISSING)"),
        ("$$(A)", "$(A)"),
        ("$$", "$"),
        ("$A", "$A"),
        ("$(A", "$(A"),
        ("", ""),
    ],
    ids=[
        "ref",
        "two-refs",
        "unknown-stays",
        "escaped-ref",
        "escaped-dollar",
        "shell-var",
        "unclosed",
        "empty",
    ],
)
def test_expand_follows_kubernetes(text: str, expected: str) -> None:
    assert expand(text, {"A": "1", "B": "2"}) == expected


@pytest.mark.parametrize(
    ("env", "expected", "noted"),
    [
        ([{"name": "A", "value": "a"}, {"name": "B", "value": "$(A)b"}], {"A": "a", "B": "ab"}, 0),
        (
            [{"name": "B", "value": "$(A)b"}, {"name": "A", "value": "a"}],
            {"A": "a", "B": "$(A)b"},
            0,
        ),
        (
            [{"name": "N", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
            {"N": "p1"},
            0,
        ),
        (
            [{"name": "L", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}}],
            {"L": "x"},
            0,
        ),
        ([{"name": "S", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}], {}, 1),
        ([{"name": "E", "value": None}], {"E": ""}, 0),
    ],
    ids=[
        "earlier-var",
        "later-var-not-seen",
        "field-name",
        "field-label",
        "secret-ignored",
        "null-value",
    ],
)
def test_build_env(env: list[dict[str, Any]], expected: dict[str, str], noted: int) -> None:
    got, notes = build_env({"env": env}, {}, POD)
    assert (got, len(notes)) == (expected, noted)


@pytest.mark.parametrize(
    ("annotations", "names", "expected"),
    [
        ({}, ["main"], set()),
        ({}, ["main", "proxy", "wait"], {"proxy", "wait"}),
        ({}, ["a", "b"], set()),
        ({SIDECARS_ANNOTATION: "b, c"}, ["a", "b", "c"], {"b", "c"}),
        ({SIDECARS_ANNOTATION: ""}, ["main", "proxy"], set()),
    ],
    ids=["main-only", "others-beside-main", "no-main", "annotation", "empty-annotation"],
)
def test_sidecar_names(annotations: dict[str, str], names: list[str], expected: set[str]) -> None:
    assert sidecar_names(annotations, names) == expected


@pytest.mark.parametrize(
    ("spec", "argv", "error"),
    [
        ({"command": ["sh", "-c"], "args": ["echo $(X)"]}, ("sh", "-c", "echo x"), ""),
        ({"args": ["echo"]}, ("echo",), ""),
        ({}, (), "neither command nor args"),
        (
            {"command": ["true"], "volumeMounts": [{"name": "cm", "mountPath": "/c"}]},
            ("true",),
            "no",
        ),
        (
            {"command": ["true"], "volumeMounts": [{"name": "zz", "mountPath": "/c"}]},
            ("true",),
            "not defined",
        ),
    ],
    ids=["command-args-expanded", "args-only", "nothing", "unsupported-volume", "unknown-volume"],
)
def test_plan_container(spec: dict[str, Any], argv: tuple[str, ...], error: str) -> None:
    plan = plan_container({"name": "main", "env": [{"name": "X", "value": "x"}], **spec}, POD, {})
    assert plan.argv == argv
    assert (error in plan.error) if error else plan.error == ""


def test_plan_runs_a_known_entrypoint_with_the_args() -> None:
    spec = {"name": "side", "image": "argoproj/argosay:v2", "args": ["echo", "$(X)"]}
    plan = plan_container(
        {**spec, "env": [{"name": "X", "value": "x"}]}, POD, {}, entrypoint=("argosay",)
    )
    assert (plan.argv, plan.error) == (("argosay", "echo", "x"), "")


def test_plan_mounts_resolve_volumes_and_sub_paths() -> None:
    mounts = [{"name": "work", "mountPath": "/w", "subPath": "a", "readOnly": True}]
    plan = plan_container({"name": "main", "command": ["true"], "volumeMounts": mounts}, POD, {})
    assert [(m.host, m.path, m.read_only) for m in plan.mounts] == [("/state/work/a", "/w", True)]


def test_pod_volumes() -> None:
    spec = {
        "volumes": [
            {"name": "e", "emptyDir": {}},
            {"name": "h", "hostPath": {"path": "/data"}},
            {"name": "c", "configMap": {"name": "x"}},
        ]
    }
    dirs, errors = pod_volumes(spec, Path("/pod/volumes"))
    assert dirs == {"e": "/pod/volumes/e", "h": "/data"}
    assert list(errors) == ["c"] and "configMap" in errors["c"]
