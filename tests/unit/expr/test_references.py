"""`references()` for lint: every tag with position, kind and the names it reads;
malformed tags and bad expressions raise ExprSyntaxError with an offset. Pure."""

from __future__ import annotations

import pytest

from workflow_engine.expr import ExprSyntaxError, Reference, references

CASES: list[tuple[str, str, list[tuple[str, str, tuple[str, ...]]]]] = [
    ("none", "plain", []),
    (
        "simple",
        "{{inputs.parameters.x}}",
        [("simple", "inputs.parameters.x", ("inputs.parameters.x",))],
    ),
    ("simple-spaces", "{{ a.b }}", [("simple", "a.b", ("a.b",))]),
    ("two", "{{a}} and {{b}}", [("simple", "a", ("a",)), ("simple", "b", ("b",))]),
    (
        "expr-dotted",
        "{{=inputs.parameters.x + 1}}",
        [("expression", "inputs.parameters.x + 1", ("inputs.parameters.x",))],
    ),
    (
        "expr-index-dash",
        "{{=steps['my-step'].outputs.result}}",
        [("expression", "steps['my-step'].outputs.result", ("steps.my-step.outputs.result",))],
    ),
    (
        "expr-functions-not-reads",
        "{{=sprig.trim(asInt(a.b) + len(c))}}",
        [("expression", "sprig.trim(asInt(a.b) + len(c))", ("a.b", "c"))],
    ),
    (
        "expr-closure-fields-skipped",
        "{{=map(items, #.name)}}",
        [("expression", "map(items, #.name)", ("items",))],
    ),
    (
        "expr-let-bound-skipped",
        "{{=let x = a.b; x + 1}}",
        [("expression", "let x = a.b; x + 1", ("a.b",))],
    ),
    ("expr-computed-index", "{{=a[b].c}}", [("expression", "a[b].c", ("a", "b"))]),
    ("expr-dedup", "{{=a.x + a.x}}", [("expression", "a.x + a.x", ("a.x",))]),
    ("expr-map-literal", "{{=toJson({k: v.w})}}", [("expression", "toJson({k: v.w})", ("v.w",))]),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_references(text: str, expected: list[tuple[str, str, tuple[str, ...]]]) -> None:
    refs = references(text)
    assert [(r.kind, r.name, r.reads) for r in refs] == expected


def test_positions() -> None:
    text = "x {{a}} y {{=b}}"
    assert references(text) == [
        Reference(2, 7, "simple", "a", ("a",)),
        Reference(10, 16, "expression", "b", ("b",)),
    ]
    assert [text[r.start : r.end] for r in references(text)] == ["{{a}}", "{{=b}}"]


ERRORS: list[tuple[str, str, int, str]] = [
    ("unclosed", "echo {{a", 5, "unclosed"),
    ("bad-expression", "ab {{=1 +}}", 9, "unexpected end"),
    ("bad-token", "{{=a b}}", 5, "unexpected 'b'"),
    ("unknown-function", "{{=nope(1)}}", 3, "unknown function nope()"),
]


@pytest.mark.parametrize(
    ("text", "position", "message"), [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS]
)
def test_reference_errors(text: str, position: int, message: str) -> None:
    with pytest.raises(ExprSyntaxError) as info:
        references(text)
    assert info.value.position == position
    assert message in info.value.message
