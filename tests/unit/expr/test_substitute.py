"""`{{...}}` substitution (`workflow_engine.expr.substitute`): simple tags, item fields,
JSON values, expression tags, strict and non-strict unresolved tags. Pure."""

from __future__ import annotations

from typing import Any

import pytest

from workflow_engine.expr import (
    ExprEvalError,
    ExprSyntaxError,
    UnresolvedError,
    build_env,
    substitute,
)

SCOPE: dict[str, Any] = {
    "inputs.parameters.msg": "hello",
    "inputs.parameters.my-param": "dashed",
    "inputs.parameters": '[{"name":"msg","value":"hello"}]',
    "workflow.name": "wf-x",
    "workflow.parameters.count": "3",
    "steps.gen.outputs.result": "out",
    "steps.my-step.outputs.result": "step-out",
    "tasks.A.status": "Succeeded",
    "item": {"a": 1, "b": {"c": [10, 20]}, "s": "x y", "f": 2.5},
    "num": 7,
    "flt": 3.0,
    "yes": True,
    "lst": [1, "a", {"k": None}],
    "unicode": "héllo\nworld",
}

CASES: list[tuple[str, str, str]] = [
    ("no-tags", "plain text", "plain text"),
    ("single-braces", "{not a tag}", "{not a tag}"),
    ("simple", "{{inputs.parameters.msg}}", "hello"),
    ("spaces", "{{ inputs.parameters.msg }}", "hello"),
    ("embedded", "say {{inputs.parameters.msg}} to {{workflow.name}}!", "say hello to wf-x!"),
    ("dash-name", "{{inputs.parameters.my-param}}", "dashed"),
    ("exact-key-wins", "{{inputs.parameters}}", '[{"name":"msg","value":"hello"}]'),
    ("item-dict-json", "{{item}}", '{"a":1,"b":{"c":[10,20]},"f":2.5,"s":"x y"}'),
    ("item-field-int", "{{item.a}}", "1"),
    ("item-field-string", "{{item.s}}", "x y"),
    ("item-nested", "{{item.b.c}}", "[10,20]"),
    ("item-list-index", "{{item.b.c.1}}", "20"),
    ("int", "{{num}}", "7"),
    ("integral-float", "{{flt}}", "3"),
    ("bool", "{{yes}}", "true"),
    ("list-json", "{{lst}}", '[1,"a",{"k":null}]'),
    ("newline-kept", "{{unicode}}", "héllo\nworld"),
    ("adjacent", "{{num}}{{num}}", "77"),
    ("expr-concat", "{{=inputs.parameters.msg + '!'}}", "hello!"),
    ("expr-dash-index", "{{=inputs.parameters['my-param']}}", "dashed"),
    ("expr-steps-dash", "{{=steps['my-step'].outputs.result}}", "step-out"),
    ("expr-item", "{{=item.a + 1}}", "2"),
    ("expr-asInt", "{{=asInt(workflow.parameters.count) * 2}}", "6"),
    ("expr-float", "{{=10 / 4}}", "2.5"),
    ("expr-integral-float", "{{=10 / 2}}", "5"),
    ("expr-big-float-go-style", "{{=1000000 * 1.0}}", "1e+06"),
    ("expr-bool", "{{=tasks.A.status == 'Succeeded'}}", "true"),
    ("expr-list-go-style", "{{=filter([1, 2, 3], # > 1)}}", "[2 3]"),
    ("expr-string-list-go-style", "{{=split('a,b c', ',')}}", "[a b c]"),
    (
        "expr-map-go-style",
        "{{={b: [1.5, nil], a: {'x y': true}}}}",
        "map[a:map[x y:true] b:[1.5 <nil>]]",
    ),
    ("expr-nested-list-float", "{{=[[1], [2000000.0]]}}", "[[1] [2e+06]]"),
    ("expr-toJson-braces", "{{=toJson({a: {b: 1}})}}", '{"a":{"b":1}}'),
    ("expr-string-with-braces", "{{='}}' + 'x'}}", "}}x"),
    ("expr-sprig", "{{=sprig.upper(workflow.name)}}", "WF-X"),
    ("expr-ternary", "{{=num > 5 ? 'big' : 'small'}}", "big"),
    ("expr-spaces", "{{= num + 1 }}", "8"),
    ("mixed", "{{workflow.name}}-{{=num * 2}}", "wf-x-14"),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_substitute(text: str, expected: str) -> None:
    assert substitute(text, SCOPE) == expected
    assert substitute(text, SCOPE, strict=False) == expected


UNRESOLVED: list[tuple[str, str, str]] = [
    ("unknown-simple", "a {{nope}} b", "nope"),
    ("unknown-field", "{{item.zzz}}", "item.zzz"),
    ("field-of-scalar", "{{num.x}}", "num.x"),
    ("empty-tag", "{{}}", ""),
    ("expr-unknown-name", "{{=nope + 1}}", "nope"),
    ("expr-nil", "{{=inputs.parameters.zzz}}", "inputs.parameters.zzz"),
]


@pytest.mark.parametrize(
    ("text", "name"), [c[1:] for c in UNRESOLVED], ids=[c[0] for c in UNRESOLVED]
)
def test_unresolved_strict_raises_naming_the_tag(text: str, name: str) -> None:
    with pytest.raises(UnresolvedError) as info:
        substitute(text, SCOPE)
    assert info.value.name == name


@pytest.mark.parametrize(
    ("text", "name"), [c[1:] for c in UNRESOLVED], ids=[c[0] for c in UNRESOLVED]
)
def test_unresolved_non_strict_keeps_the_tag(text: str, name: str) -> None:
    assert substitute(text, SCOPE, strict=False) == text


def test_non_strict_resolves_what_it_can() -> None:
    out = substitute("{{workflow.name}} {{tasks.B.status}}", SCOPE, strict=False)
    assert out == "wf-x {{tasks.B.status}}"


@pytest.mark.parametrize("text", ["{{=1 / 0}}", "{{=num + 'a'}}"], ids=["div-zero", "type-error"])
def test_expression_errors(text: str) -> None:
    with pytest.raises(ExprEvalError) as info:
        substitute(text, SCOPE)
    assert text[2:-2] in str(info.value)
    assert substitute(text, SCOPE, strict=False) == text


@pytest.mark.parametrize("strict", [True, False], ids=["strict", "non-strict"])
def test_unclosed_tag_is_a_syntax_error(strict: bool) -> None:
    with pytest.raises(ExprSyntaxError) as info:
        substitute("echo {{inputs.parameters.msg", SCOPE, strict=strict)
    assert info.value.position == 5


def test_expression_syntax_error_strict() -> None:
    with pytest.raises(ExprSyntaxError):
        substitute("{{=1 +}}", SCOPE)
    assert substitute("{{=1 +}}", SCOPE, strict=False) == "{{=1 +}}"


def test_text_without_tags_is_returned_as_is() -> None:
    text = "no tags here " * 10
    assert substitute(text, SCOPE) is text


def test_build_env_nests_and_prefers_specific_keys() -> None:
    env = build_env(SCOPE)
    assert env["inputs"]["parameters"] == {"msg": "hello", "my-param": "dashed"}
    assert env["steps"]["my-step"]["outputs"]["result"] == "step-out"
    assert env["item"]["b"] == {"c": [10, 20]}


def test_build_env_merges_dict_value_without_mutating_scope() -> None:
    scope = {"item": {"a": 1}, "item.b": 2}
    env = build_env(scope)
    assert env["item"] == {"a": 1, "b": 2}
    assert scope["item"] == {"a": 1}


def test_build_env_takes_only_requested_roots() -> None:
    assert set(build_env(SCOPE, frozenset({"workflow"}))) == {"workflow"}


@pytest.mark.parametrize(
    ("text", "strict_result"),
    [
        ("{{=workflow.status == 'Succeeded'}}", "false"),
        ("{{=inputs.parameters.zzz ?? 'd'}}", "d"),
        ("{{=item?.zzz ?? 'none'}}", "none"),
    ],
    ids=["workflow-status-later", "coalesce-missing", "optional-missing"],
)
def test_non_strict_leaves_expressions_reading_missing_variables(
    text: str, strict_result: str
) -> None:
    assert substitute(text, SCOPE, strict=False) == text
    assert substitute(text, SCOPE) == strict_result
