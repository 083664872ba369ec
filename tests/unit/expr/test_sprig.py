"""Sprig functions as Argo exposes them (`sprig.<name>(...)` in expressions), including
Sprig's forgiving conversions. Pure: nothing real but the code."""

from __future__ import annotations

from typing import Any

import pytest

from workflow_engine.expr import ExprEvalError, evaluate

CASES: list[tuple[str, str, Any]] = [
    ("trim", "sprig.trim('  a  ')", "a"),
    ("trimAll", "sprig.trimAll('$', '$5.00$')", "5.00"),
    ("trimPrefix", "sprig.trimPrefix('v', 'v1')", "1"),
    ("upper", "sprig.upper('a')", "A"),
    ("lower", "sprig.lower('A')", "a"),
    ("title", "sprig.title('hello world')", "Hello World"),
    ("replace", "sprig.replace('a', 'b', 'banana')", "bbnbnb"),
    ("contains", "sprig.contains('ell', 'hello')", True),
    ("hasPrefix", "sprig.hasPrefix('he', 'hello')", True),
    ("hasSuffix", "sprig.hasSuffix('lo', 'hello')", True),
    ("repeat", "sprig.repeat(3, 'ab')", "ababab"),
    ("trunc", "sprig.trunc(3, 'hello')", "hel"),
    ("trunc-negative", "sprig.trunc(-3, 'hello')", "llo"),
    ("substr", "sprig.substr(1, 3, 'hello')", "el"),
    ("quote", "sprig.quote('a\"b', 'c')", '"a\\"b" "c"'),
    ("squote", "sprig.squote('a')", "'a'"),
    ("cat", "sprig.cat('a', 1, nil, 'b')", "a 1 b"),
    ("indent", "sprig.indent(2, 'a\\nb')", "  a\n  b"),
    ("nospace", "sprig.nospace(' a b ')", "ab"),
    ("split", "sprig.split(',', 'a,b')", {"_0": "a", "_1": "b"}),
    ("splitList", "sprig.splitList(',', 'a,b')", ["a", "b"]),
    ("join", "sprig.join('-', ['a', 1, 'b'])", "a-1-b"),
    ("toString-int", "sprig.toString(5)", "5"),
    ("toString-float", "sprig.toString(2.5)", "2.5"),
    ("toStrings", "sprig.toStrings([1, 'a'])", ["1", "a"]),
    ("int-string", "sprig.int('42')", 42),
    ("int-bad-is-zero", "sprig.int('x')", 0),
    ("int-float", "sprig.int(3.9)", 3),
    ("int-octal-like-go", "sprig.int('010')", 8),
    ("int-hex", "sprig.int('0x1f')", 31),
    ("atoi", "sprig.atoi('12')", 12),
    ("float64", "sprig.float64('2.5')", 2.5),
    ("float64-bad-is-zero", "sprig.float64('x')", 0.0),
    ("add", "sprig.add(1, '2', 3)", 6),
    ("add1", "sprig.add1(1)", 2),
    ("sub", "sprig.sub(5, 7)", -2),
    ("mul", "sprig.mul(2, 3, 4)", 24),
    ("div-truncates", "sprig.div(7, 2)", 3),
    ("div-negative-truncates", "sprig.div(-7, 2)", -3),
    ("mod", "sprig.mod(7, 3)", 1),
    ("max", "sprig.max(1, '9', 3)", 9),
    ("min", "sprig.min(4, 2, 3)", 2),
    ("addf", "sprig.addf(1.5, 1)", 2.5),
    ("divf", "sprig.divf(1, 4)", 0.25),
    ("round", "sprig.round(2.345, 2)", 2.35),
    ("floor", "sprig.floor(1.5)", 1.0),
    ("default-empty", "sprig.default('d', '')", "d"),
    ("default-set", "sprig.default('d', 'v')", "v"),
    ("default-zero", "sprig.default(5, 0)", 5),
    ("empty-string", "sprig.empty('')", True),
    ("empty-list", "sprig.empty([])", True),
    ("empty-nonzero", "sprig.empty(1)", False),
    ("coalesce", "sprig.coalesce('', nil, 'x')", "x"),
    ("ternary", "sprig.ternary('y', 'n', true)", "y"),
    ("toJson", "sprig.toJson({b: 1, a: [1]})", '{"a":[1],"b":1}'),
    ("toRawJson", "sprig.toRawJson('<')", '"<"'),
    ("toPrettyJson", "sprig.toPrettyJson([1])", "[\n  1\n]"),
    ("fromJson", "sprig.fromJson('{\"a\": 1}').a", 1),
    ("fromJson-bad-is-nil", "sprig.fromJson('{')", None),
    ("b64enc", "sprig.b64enc('hello')", "aGVsbG8="),
    ("b64dec", "sprig.b64dec('aGVsbG8=')", "hello"),
    ("b32enc", "sprig.b32enc('a')", "ME======"),
    (
        "sha256sum",
        "sprig.sha256sum('')",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ),
    ("regexMatch", "sprig.regexMatch('^a+$', 'aaa')", True),
    ("regexFind", "sprig.regexFind('[0-9]+', 'ab12cd34')", "12"),
    ("regexFindAll", "sprig.regexFindAll('[0-9]', 'a1b2c3', 2)", ["1", "2"]),
    ("regexReplaceAll", "sprig.regexReplaceAll('a(x*)b', '-ab-axxb-', '${1}W')", "-W-xxW-"),
    ("regexReplaceAllLiteral", "sprig.regexReplaceAllLiteral('a', 'aba', '$1')", "$1b$1"),
    ("regexSplit", "sprig.regexSplit('z+', 'pizza', -1)", ["pi", "a"]),
    ("list", "sprig.list(1, 'a')", [1, "a"]),
    ("first", "sprig.first([3, 4])", 3),
    ("last", "sprig.last([3, 4])", 4),
    ("rest", "sprig.rest([3, 4, 5])", [4, 5]),
    ("initial", "sprig.initial([3, 4, 5])", [3, 4]),
    ("append", "sprig.append([1], 2)", [1, 2]),
    ("has", "sprig.has(2, [1, 2])", True),
    ("uniq", "sprig.uniq([1, 1, 2])", [1, 2]),
    ("without", "sprig.without([1, 2, 3], 2)", [1, 3]),
    ("sortAlpha", "sprig.sortAlpha(['b', 'a'])", ["a", "b"]),
    ("until", "sprig.until(3)", [0, 1, 2]),
    ("dict", "sprig.dict('a', 1, 'b', 2)", {"a": 1, "b": 2}),
    ("get", "sprig.get({a: 1}, 'a')", 1),
    ("get-missing-empty", "sprig.get({a: 1}, 'z')", ""),
    ("hasKey", "sprig.hasKey({a: 1}, 'a')", True),
    ("keys", "sprig.keys({b: 1, a: 2})", ["a", "b"]),
    ("pick", "sprig.pick({a: 1, b: 2}, 'a')", {"a": 1}),
    ("omit", "sprig.omit({a: 1, b: 2}, 'a')", {"b": 2}),
    ("merge", "sprig.merge({a: 1}, {a: 2, b: 3})", {"a": 1, "b": 3}),
    ("kindOf", "sprig.kindOf([1])", "slice"),
]


@pytest.mark.parametrize(("source", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_sprig(source: str, expected: Any) -> None:
    result = evaluate(source, {})
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("sprig.div(1, 0)", "division by zero"),
        ("sprig.regexMatch('(' + '', 'a')", "invalid regular expression"),
        ("sprig.repeat(100000000, 'ab')", "too long"),
        ("sprig.trim()", "wrong arguments"),
    ],
    ids=["div-zero", "bad-regex", "repeat-too-long", "wrong-arity"],
)
def test_sprig_errors(source: str, message: str) -> None:
    with pytest.raises(ExprEvalError) as info:
        evaluate(source, {})
    assert message in str(info.value)
