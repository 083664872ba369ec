"""Go-compatible value formatting (`workflow_engine.expr.values`): what Argo users see
when numbers, lists and maps are written into strings. Pure."""

from __future__ import annotations

from typing import Any

import pytest

from workflow_engine.expr.values import go_float, go_str, json_float, render, to_json


@pytest.mark.parametrize(
    ("value", "go", "json"),
    [
        (2.0, "2", "2"),
        (2.5, "2.5", "2.5"),
        (-0.5, "-0.5", "-0.5"),
        (123456.0, "123456", "123456"),
        (1e6, "1e+06", "1000000"),
        (1234567.0, "1.234567e+06", "1234567"),
        (1e-5, "1e-05", "0.00001"),
        (1e-7, "1e-07", "1e-7"),
        (1e21, "1e+21", "1e+21"),
        (float("inf"), "+Inf", "+Inf"),
    ],
    ids=[
        "integral",
        "half",
        "negative",
        "below-1e6",
        "1e6",
        "1.2e6",
        "1e-5",
        "1e-7",
        "1e21",
        "inf",
    ],
)
def test_floats(value: float, go: str, json: str) -> None:
    assert go_float(value) == go
    assert json_float(value) == json


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "<nil>"),
        (True, "true"),
        ([1, "a", [2.5]], "[1 a [2.5]]"),
        ({"b": 1, "a": "x"}, "map[a:x b:1]"),
    ],
    ids=["nil", "bool", "list", "map"],
)
def test_go_str(value: Any, expected: str) -> None:
    assert go_str(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("s", "s"),
        (1, "1"),
        (False, "false"),
        (None, "null"),
        ({"b": [1.0, None], "a": "é"}, '{"a":"é","b":[1,null]}'),
        (["<&>"], '["\\u003c\\u0026\\u003e"]'),
    ],
    ids=["string", "int", "bool", "none", "map-sorted-compact", "html-escaped"],
)
def test_render(value: Any, expected: str) -> None:
    assert render(value) == expected


def test_to_json_indent() -> None:
    assert to_json({"a": [1]}, indent=2) == '{\n  "a": [\n    1\n  ]\n}'
