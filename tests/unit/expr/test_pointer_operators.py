"""`#` followed by a word operator is the closure's pointer, then the operator (expr-lang
reads `{# endsWith "x"}` so; Argo's data-template example uses it), while `#index`
and `#acc`, written together, stay the named pointers."""

from __future__ import annotations

from typing import Any

import pytest

from workflow_engine.expr import evaluate


@pytest.mark.parametrize(
    "source,expected",
    [
        pytest.param('filter(data, {# endsWith ".log"})', ["a/main.log"], id="endsWith"),
        pytest.param('filter(data, {# startsWith "b"})', ["b/x.txt"], id="startsWith"),
        pytest.param('filter(data, {# contains "main"})', ["a/main.log"], id="contains"),
        pytest.param('filter(data, {# matches "x[.]txt$"})', ["b/x.txt"], id="matches"),
        pytest.param("map(data, {#index})", [0, 1], id="index-pointer"),
        pytest.param("reduce([1, 2, 3], #acc + #, 0)", 6, id="acc-pointer"),
    ],
)
def test_pointer_then_word_operator(source: str, expected: Any) -> None:
    assert evaluate(source, {"data": ["a/main.log", "b/x.txt"]}) == expected
