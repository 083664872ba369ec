"""expr-lang evaluation (`workflow_engine.expr.evaluate`): literals, precedence, member
access, builtins, closures, Argo additions and errors. Pure: nothing real but the code."""

from __future__ import annotations

from typing import Any

import pytest

from workflow_engine.expr import (
    ExprEvalError,
    ExprSyntaxError,
    UnresolvedError,
    evaluate,
    evaluate_bool,
)

ENV: dict[str, Any] = {
    "inputs": {"parameters": {"msg": "hi", "n": "3", "f": "2.5", "my-param": "dash"}},
    "steps": {"my-step": {"outputs": {"result": "ok"}}, "gen": {"outputs": {"result": "7"}}},
    "item": {"a": 1, "b": {"c": [10, 20]}},
    "xs": [1, 2, 3, 4],
    "users": [{"name": "a", "age": 30}, {"name": "b", "age": 10}],
    "doc": '{"a": {"b": 5}, "l": [1, 2], "s": "x"}',
    "nothing": None,
}

CASES: list[tuple[str, str, Any]] = [
    # literals
    ("int", "42", 42),
    ("hex", "0x2A", 42),
    ("underscore", "1_000", 1000),
    ("float", "2.5", 2.5),
    ("exp", "1e3", 1000.0),
    ("dq-string", '"a\\tb"', "a\tb"),
    ("sq-string", "'x\\'y'", "x'y"),
    ("raw-string", "`a\\n`", "a\\n"),
    ("unicode-escape", '"\\u00e9"', "é"),
    ("true", "true", True),
    ("nil", "nil", None),
    ("array", "[1, 'a', [2]]", [1, "a", [2]]),
    ("map", "{a: 1, 'b-c': 2}", {"a": 1, "b-c": 2}),
    ("empty-map", "{}", {}),
    # arithmetic and precedence
    ("mul-before-add", "1 + 2 * 3", 7),
    ("parens", "(1 + 2) * 3", 9),
    ("left-assoc-sub", "10 - 3 - 2", 5),
    ("div-is-float", "7 / 2", 3.5),
    ("div-exact", "8 / 2", 4.0),
    ("mod", "7 % 3", 1),
    ("mod-negative-like-go", "-7 % 3", -1),
    ("pow", "2 ** 10", 1024.0),
    ("caret-pow", "2 ^ 3", 8.0),
    ("pow-right-assoc", "2 ** 3 ** 2", 512.0),
    ("unary-minus-pow", "-2 ** 2", -4.0),
    ("int-float-mix", "1 + 0.5", 1.5),
    ("string-concat", "'a' + 'b'", "ab"),
    ("array-concat", "[1] + [2]", [1, 2]),
    # comparison and logic
    ("eq-int-float", "1 == 1.0", True),
    ("eq-types-differ", "1 == '1'", False),
    ("neq", "'a' != 'b'", True),
    ("lt-strings", "'a' < 'b'", True),
    ("ge", "3 >= 3", True),
    ("and-or-precedence", "true || false && false", True),
    ("word-ops", "true and not false", True),
    ("or-word", "false or true", True),
    ("not-binds-tight", "!false == true", True),
    ("short-circuit-and", "false && nothing.x", False),
    ("short-circuit-or", "true || nothing.x", True),
    ("ternary", "1 > 2 ? 'a' : 'b'", "b"),
    ("nested-ternary", "false ? 1 : true ? 2 : 3", 2),
    ("coalesce-nil", "nothing ?? 'd'", "d"),
    ("coalesce-value", "'v' ?? 'd'", "v"),
    ("coalesce-missing-key", "inputs.parameters.zzz ?? 'd'", "d"),
    # expr-lang: reads left of ?? are optional (a.b.c ?? d is a?.b?.c ?? d)
    ("coalesce-deep-nil", "inputs.zzz.parameters.x ?? 'd'", "d"),
    ("coalesce-deep-index", "inputs.zzz[0].x ?? 'd'", "d"),
    ("in-array", "2 in xs", True),
    ("not-in-array", "9 not in xs", True),
    ("in-map", "'a' in item", True),
    ("matches", "'abc' matches '^a.c$'", True),
    ("not-matches", "'abc' not matches 'z'", True),
    ("contains", "'hello' contains 'ell'", True),
    ("startsWith", "'hello' startsWith 'he'", True),
    ("endsWith", "'hello' endsWith 'lo'", True),
    ("range", "1..3", [1, 2, 3]),
    # member access
    ("dotted", "inputs.parameters.msg", "hi"),
    ("index-dash", "inputs.parameters['my-param']", "dash"),
    ("steps-dash", 'steps["my-step"].outputs.result', "ok"),
    ("item-field", "item.b.c[1]", 20),
    ("negative-index", "xs[-1]", 4),
    ("slice", "xs[1:3]", [2, 3]),
    ("slice-open-end", "xs[2:]", [3, 4]),
    ("slice-open-start", "xs[:1]", [1]),
    ("string-slice", "'hello'[1:3]", "el"),
    ("missing-key-nil", "item.zzz", None),
    ("optional-chain", "nothing?.a.b", None),
    # builtins
    ("len-array", "len(xs)", 4),
    ("len-string", "len('héllo')", 5),
    ("len-map", "len(item)", 2),
    ("asInt", "asInt(inputs.parameters.n) + 1", 4),
    ("int-of-float", "int(2.9)", 2),
    ("asFloat", "asFloat(inputs.parameters.f) * 2", 5.0),
    ("string-of-int", "string(1) + 'x'", "1x"),
    ("string-of-float", "string(2.0)", "2"),
    ("string-of-array", "string([1, 'a'])", "[1 a]"),
    ("toJson-compact", "toJson({b: [1, 2], a: 'x'})", '{"a":"x","b":[1,2]}'),
    ("toJson-html-escaped", "toJson('<a&b>')", '"\\u003ca\\u0026b\\u003e"'),
    ("toJSON-indented", "toJSON({a: 1})", '{\n  "a": 1\n}'),
    ("fromJSON", "fromJSON(doc).a.b", 5),
    ("jsonpath-single", "jsonpath(doc, '$.a.b')", 5),
    ("jsonpath-wildcard", "jsonpath(doc, '$.l[*]')", [1, 2]),
    ("jsonpath-string", "jsonpath(doc, '$.s')", "x"),
    ("lower", "lower('AbC')", "abc"),
    ("upper", "upper('abc')", "ABC"),
    ("trim", "trim('  x  ')", "x"),
    ("trim-chars", "trim('xxaxx', 'x')", "a"),
    ("trimPrefix", "trimPrefix('v1.2', 'v')", "1.2"),
    ("split", "split('a,b,c', ',')", ["a", "b", "c"]),
    ("split-n", "split('a,b,c', ',', 2)", ["a", "b,c"]),
    ("join", "join(['a', 'b'], '-')", "a-b"),
    ("replace", "replace('banana', 'a', 'o')", "bonono"),
    ("repeat", "repeat('ab', 3)", "ababab"),
    ("indexOf", "indexOf('hello', 'l')", 2),
    ("hasPrefix", "hasPrefix('hello', 'he')", True),
    ("max", "max(1, 7, 3)", 7),
    ("min-array", "min([4, 2, 8])", 2),
    ("abs", "abs(-3)", 3),
    ("ceil", "ceil(1.2)", 2.0),
    ("floor", "floor(1.8)", 1.0),
    ("round-half-away", "round(2.5)", 3.0),
    ("sum", "sum(xs)", 10),
    ("mean", "mean(xs)", 2.5),
    ("first", "first(xs)", 1),
    ("last", "last(xs)", 4),
    ("first-empty", "first([])", None),
    ("take", "take(xs, 2)", [1, 2]),
    ("reverse", "reverse(xs)", [4, 3, 2, 1]),
    ("sort-desc", "sort([2, 3, 1], 'desc')", [3, 2, 1]),
    ("uniq", "uniq([1, 1, 2])", [1, 2]),
    ("concat", "concat([1], [2, 3])", [1, 2, 3]),
    ("flatten", "flatten([1, [2, [3]]])", [1, 2, 3]),
    ("keys", "keys({b: 1, a: 2})", ["a", "b"]),
    ("values", "values({b: 1, a: 2})", [2, 1]),
    ("type", "type(1.5)", "float"),
    ("get-missing", "get(item, 'zzz')", None),
    ("toBase64", "toBase64('hi')", "aGk="),
    ("fromBase64", "fromBase64('aGk=')", "hi"),
    # closures
    ("filter", "filter(xs, # > 2)", [3, 4]),
    ("filter-braces", "filter(xs, {# % 2 == 0})", [2, 4]),
    ("map", "map(xs, # * 10)", [10, 20, 30, 40]),
    ("map-field", "map(users, .name)", ["a", "b"]),
    ("map-pointer-field", "map(users, #.age)", [30, 10]),
    ("all", "all(xs, # > 0)", True),
    ("any", "any(xs, # > 3)", True),
    ("one", "one(xs, # == 2)", True),
    ("none", "none(xs, # > 9)", True),
    ("count", "count(xs, # > 1)", 3),
    ("find", "find(users, .age < 20).name", "b"),
    ("findIndex", "findIndex(xs, # == 3)", 2),
    ("findLast", "findLast(xs, # < 3)", 2),
    ("index-var", "map(['a', 'b'], #index)", [0, 1]),
    ("reduce", "reduce(xs, #acc + #, 0)", 10),
    ("sortBy", "map(sortBy(users, .age), .name)", ["b", "a"]),
    ("groupBy", "groupBy(xs, # % 2 == 0)[true]", [2, 4]),
    ("nested-closures", "map([1, 2], filter(xs, # > 3))", [[4], [4]]),
    ("pipe", "xs | filter(# > 2) | map(# * 2)", [6, 8]),
    ("let", "let y = 2; y * y", 4),
    ("sprig-in-expr", "sprig.upper(inputs.parameters.msg)", "HI"),
    ("comment", "1 + /* two */ 2 // end", 3),
]


@pytest.mark.parametrize(("source", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_evaluate(source: str, expected: Any) -> None:
    result = evaluate(source, ENV)
    assert result == expected
    assert type(result) is type(expected)


ERRORS: list[tuple[str, str, type[Exception], str]] = [
    ("unknown-name", "nope + 1", UnresolvedError, "unknown name 'nope'"),
    ("string-plus-int", "inputs.parameters.n + 1", ExprEvalError, "string + int"),
    ("div-zero", "1 / 0", ExprEvalError, "division by zero"),
    ("mod-zero", "1 % 0", ExprEvalError, "division by zero"),
    ("and-non-bool", "'a' && true", ExprEvalError, "needs a bool"),
    ("not-non-bool", "!1", ExprEvalError, "needs a bool"),
    ("ternary-non-bool", "1 ? 2 : 3", ExprEvalError, "needs a bool"),
    ("compare-mixed", "1 < 'a'", ExprEvalError, "int < string"),
    ("member-of-nil", "nothing.a", ExprEvalError, "of nil"),
    ("member-of-int", "item.a.b", ExprEvalError, "of int"),
    ("index-range", "xs[10]", ExprEvalError, "index out of range"),
    ("int-bad-string", "int('4.2')", ExprEvalError, "cannot parse '4.2'"),
    ("float-bad-string", "float('x')", ExprEvalError, "cannot parse 'x'"),
    ("len-of-int", "len(1)", ExprEvalError, "len() expects"),
    ("filter-non-bool", "filter(xs, # + 1)", ExprEvalError, "must return a bool"),
    ("pointer-outside", "# + 1", ExprEvalError, "inside a predicate"),
    # a pattern made at run time; a literal one is refused when compiled (ExprSyntaxError)
    ("bad-regex", "'a' matches ('(' + '')", ExprEvalError, "invalid regular expression"),
    ("bad-literal-regex", "'a' matches '('", ExprSyntaxError, "invalid regular expression"),
    ("jsonpath-bad-json", "jsonpath('{', '$.a')", ExprEvalError, "invalid JSON"),
    ("jsonpath-no-match", "jsonpath(doc, '$.zzz')", ExprEvalError, "matched nothing"),
    ("int-overflow", "9223372036854775807 + 1", ExprEvalError, "overflow"),
    ("range-too-long", "1..1000000000", ExprEvalError, "list too long"),
    ("repeat-too-long", "repeat('ab', 100000000)", ExprEvalError, "too long"),
    ("too-many-steps", "map(1..2000, map(1..2000, #))", ExprEvalError, "evaluation steps"),
    (
        "quadratic-concat",
        "reduce(1..90000, #acc + 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', '')",
        ExprEvalError,
        "too",
    ),
    ("wrong-arity", "upper()", ExprEvalError, "wrong arguments"),
]


@pytest.mark.parametrize(
    ("source", "error", "message"), [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS]
)
def test_evaluate_errors(source: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as info:
        evaluate(source, ENV)
    assert message in str(info.value)


SYNTAX: list[tuple[str, str, int]] = [
    ("dangling-operator", "1 +", 3),
    ("unclosed-paren", "(1", 2),
    ("two-values", "a b", 2),
    ("bad-char", "1 @ 2", 2),
    ("unclosed-string", "'abc", 0),
    ("double-operator", "1 == == 2", 5),
    ("empty", "  ", 0),
    ("unknown-function", "nope(1)", 0),
    ("unknown-sprig", "sprig.nope(1)", 0),
    ("closure-as-value", "{# > 1} ", 0),
]


@pytest.mark.parametrize(
    ("source", "position"), [c[1:] for c in SYNTAX], ids=[c[0] for c in SYNTAX]
)
def test_syntax_errors(source: str, position: int) -> None:
    with pytest.raises(ExprSyntaxError) as info:
        evaluate(source, ENV)
    assert info.value.position == position
    assert info.value.message


def test_source_over_64k_is_rejected() -> None:
    with pytest.raises(ExprSyntaxError, match="limit"):
        evaluate("1 + " * 20000 + "1", {})


def test_env_is_not_mutated_by_let() -> None:
    env = {"y": 5}
    assert evaluate("(let y = 1; y) + y", env) == 6
    assert env == {"y": 5}


@pytest.mark.parametrize(
    ("source", "env", "expected"),
    [
        ("asInt(lastRetry.exitCode) >= 2", {"lastRetry": {"exitCode": "3"}}, True),
        ("lastRetry.status == 'Error'", {"lastRetry": {"status": "Failed"}}, False),
    ],
    ids=["retry-exit-code", "retry-status"],
)
def test_evaluate_bool(source: str, env: dict[str, Any], expected: bool) -> None:
    assert evaluate_bool(source, env) is expected


def test_evaluate_bool_rejects_non_boolean() -> None:
    with pytest.raises(ExprEvalError, match="not a boolean"):
        evaluate_bool("'false'", {})


@pytest.mark.parametrize(
    "source",
    ["-" * 3000 + "1", "+".join(["1"] * 3000)],
    ids=["deep-unary", "long-chain"],
)
def test_deep_nesting_is_a_syntax_error(source: str) -> None:
    with pytest.raises(ExprSyntaxError, match="nested too deeply"):
        evaluate(source, {})


@pytest.mark.parametrize(
    ("source", "expected"),
    [("010", 8), ('"\\x41\\u00e9"', "Aé"), ('"\\U0001F600"', "\U0001f600")],
    ids=["octal-like-go", "hex-and-unicode-escapes", "long-unicode-escape"],
)
def test_go_literals(source: str, expected: Any) -> None:
    assert evaluate(source, {}) == expected


@pytest.mark.parametrize(
    ("source", "position"),
    [("09", 0), ('1 + "\\x4"', 4), ('"\\UFFFFFFFF"', 0), ('"\\q"', 0)],
    ids=["bad-octal", "short-hex-escape", "escape-out-of-range", "unknown-escape"],
)
def test_bad_literals(source: str, position: int) -> None:
    with pytest.raises(ExprSyntaxError) as info:
        evaluate(source, {})
    assert info.value.position == position
