"""Node ids, pod names and display names follow Argo v3.4+ exactly."""

from __future__ import annotations

import pytest

from workflow_engine.engine.naming import (
    display_name,
    fnv32a,
    loop_node_name,
    node_id,
    pod_name,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", 0x811C9DC5, id="empty"),
        pytest.param("a", 0xE40C292C, id="a"),
        pytest.param("foobar", 0xBF9CF968, id="foobar"),
    ],
)
def test_fnv32a_matches_the_reference_vectors(text: str, expected: int) -> None:
    assert fnv32a(text) == expected


@pytest.mark.parametrize(
    ("wf", "node", "expected"),
    [
        pytest.param("hello", "hello", "hello", id="root-is-the-workflow-name"),
        pytest.param("wf", "a", f"wf-{0xE40C292C}", id="child-is-name-dash-fnv"),
        pytest.param("dag-diamond", "dag-diamond.A", "dag-diamond-2601828679", id="dag-task"),
    ],
)
def test_node_ids(wf: str, node: str, expected: str) -> None:
    assert node_id(wf, node) == expected


@pytest.mark.parametrize(
    ("wf", "node", "template", "expected"),
    [
        pytest.param("hello", "hello", "whalesay", "hello", id="root-pod-is-workflow-name"),
        pytest.param("wf", "a", "echo", f"wf-echo-{0xE40C292C}", id="v2-with-template"),
        pytest.param(
            "wf", "wf.inline", "x", f"wf-{fnv32a('wf.inline')}", id="inline-has-no-template"
        ),
        pytest.param("w" * 300, "a", "t", "w" * 242 + f"-{0xE40C292C}", id="prefix-truncated"),
    ],
)
def test_pod_names_v2(wf: str, node: str, template: str, expected: str) -> None:
    assert pod_name(wf, node, template) == expected


@pytest.mark.parametrize(
    ("name", "boundary", "expected"),
    [
        pytest.param("wf", None, "wf", id="root"),
        pytest.param("wf[0]", "wf", "[0]", id="step-group"),
        pytest.param("wf[0].hello", "wf", "hello", id="step"),
        pytest.param("wf[0].hello(1)", "wf", "hello(1)", id="retry-attempt"),
        pytest.param("wf.A", "wf", "A", id="dag-task"),
        pytest.param("wf.onExit", None, "wf.onExit", id="exit-handler"),
    ],
)
def test_display_names(name: str, boundary: str | None, expected: str) -> None:
    assert display_name(name, boundary) == expected


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        pytest.param("a", "s(0:a)", id="string"),
        pytest.param(3, "s(0:3)", id="number"),
        pytest.param(True, "s(0:true)", id="bool"),
        pytest.param({"os": "debian", "v": 9}, "s(0:os:debian,v:9)", id="map-sorted"),
        pytest.param([1, "x"], "s(0:[1 x])", id="list"),
    ],
)
def test_loop_node_names(item: object, expected: str) -> None:
    assert loop_node_name("s", 0, item) == expected


def test_later_candidates_differ_and_the_root_has_only_one() -> None:
    plain = node_id("wf", "wf.a")
    assert node_id("wf", "wf.a", 0) == plain
    assert len({plain, node_id("wf", "wf.a", 1), node_id("wf", "wf.a", 2)}) == 3
    assert node_id("wf", "wf", 3) == "wf"


def test_pod_name_takes_the_hash_of_the_node_id_when_given() -> None:
    moved = node_id("wf", "wf.a", 1)
    assert pod_name("wf", "wf.a", "echo", node_id("wf", "wf.a")) == pod_name("wf", "wf.a", "echo")
    assert pod_name("wf", "wf.a", "echo", moved) == f"wf-echo-{moved.removeprefix('wf-')}"
    assert pod_name("wf", "wf", "echo", "wf") == "wf"


def test_an_id_not_derived_from_the_name_leaves_the_pod_name_argos() -> None:
    assert pod_name("wf", "wf.a", "echo", "wf-0") == pod_name("wf", "wf.a", "echo")
