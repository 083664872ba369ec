"""`when:` conditions (`workflow_engine.expr.evaluate_when`) with govaluate's rules as
Argo applies them, after `{{...}}` substitution. Pure."""

from __future__ import annotations

import pytest

from workflow_engine.expr import ExprEvalError, ExprSyntaxError, evaluate_when, when

CASES: list[tuple[str, str, bool]] = [
    ("coin-heads", "heads == heads", True),
    ("coin-tails", "tails == heads", False),
    ("not-equal-words", "tails != heads", True),
    ("quoted-single", "'a b' == 'a b'", True),
    ("quoted-double", '"a" == "b"', False),
    ("quoted-vs-bare", "x == 'x'", True),
    ("escaped-quote", "'it\\'s' == \"it's\"", True),
    ("number-gt", "5 > 3", True),
    ("number-lt", "5 < 3", False),
    ("number-float-eq", "5 == 5.0", True),
    ("numbers-not-strings", "10 > 9", True),
    ("strings-compare-lexically", "'10' > '9'", False),
    ("number-vs-string-unequal", "5 == '5'", False),
    ("ge", "3 >= 3", True),
    ("le", "2 <= 1", False),
    ("true", "true", True),
    ("false", "false", False),
    ("empty-is-true", "", True),
    ("blank-is-true", "   ", True),
    ("and", "true && false", False),
    ("or", "false || true", True),
    ("and-before-or", "true || false && false", True),
    ("not", "!false", True),
    ("not-parens", "!(a == b)", True),
    ("parens", "(a == a) && (b == b)", True),
    ("regex-match", "hello =~ '^he'", True),
    ("regex-no-match", "hello =~ '^x'", False),
    ("regex-not", "hello !~ 'z'", True),
    ("regex-quoted-item", "'tails-3' =~ '^tails'", True),
    ("in-list", "b in (a, b, c)", True),
    ("not-in-list", "d in (a, b, c)", False),
    ("in-numbers", "5 in (4, 5)", True),
    ("in-single", "a in (a)", True),
    ("arithmetic", "1 + 1 == 2", True),
    ("precedence", "2 + 3 * 4 == 14", True),
    ("negative", "-1 < 0", True),
    ("exit-code", "1 != 0", True),
    ("phase-words", "Succeeded == Succeeded && Failed != Succeeded", True),
    ("dotted-word", "v1.2 == v1.2", True),
    ("bracketed-variable", "[hello world] == [hello world]", True),
    ("string-concat", "a + b == ab", True),
    ("ternary", "true ? true : false", True),
    ("unicode-word", "héllo == héllo", True),
    ("date-like-is-arithmetic", "2024-01-01 == 2022", True),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_when(text: str, expected: bool) -> None:
    assert evaluate_when(text) is expected


SYNTAX: list[tuple[str, str, int]] = [
    ("two-words", "hello world == x", 6),
    ("dangling", "heads ==", 8),
    ("unclosed-paren", "(a == b", 7),
    ("bad-char", "a @ b", 2),
    ("bad-operator", "a === b", 2),
    ("unclosed-string", "'abc", 4),
    ("bad-number", "1.2.3 == 1", 0),
    ("number-then-word", "3abc == 3abc", 1),
    ("missing-colon", "true ? a", 8),
]


@pytest.mark.parametrize(("text", "position"), [c[1:] for c in SYNTAX], ids=[c[0] for c in SYNTAX])
def test_when_syntax_errors(text: str, position: int) -> None:
    with pytest.raises(ExprSyntaxError) as info:
        evaluate_when(text)
    assert info.value.position == position


EVAL: list[tuple[str, str, str]] = [
    ("not-boolean-number", "5", "not a boolean"),
    ("not-boolean-word", "heads", "not a boolean"),
    ("word-gt-number", "a > 5", "not a number"),
    ("dash-word-minus", "my-value == my-value", "hint"),
    ("and-non-bool", "a && true", "not a boolean"),
    ("bad-regex", "a =~ '('", "invalid regular expression"),
]


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in EVAL], ids=[c[0] for c in EVAL])
def test_when_eval_errors(text: str, message: str) -> None:
    with pytest.raises(ExprEvalError) as info:
        evaluate_when(text)
    assert message in str(info.value)


def test_short_circuit_skips_bad_right_side() -> None:
    assert evaluate_when("false && (a > 5)") is False
    assert evaluate_when("true || (a > 5)") is True


def test_deep_nesting_is_a_syntax_error() -> None:
    with pytest.raises(ExprSyntaxError, match="nested too deeply"):
        evaluate_when("(" * 3000 + "true" + ")" * 3000)


@pytest.mark.parametrize(
    "text", [c[1] for c in CASES if c[1].strip()], ids=[c[0] for c in CASES if c[1].strip()]
)
def test_shared_shape_parses_as_the_full_parser(text: str) -> None:
    """A condition's tree built from its token shape's tree is the full parse's tree."""
    when.parse_when.cache_clear()
    assert when.parse_when(text) == when._parse_text(text)


@pytest.mark.parametrize(("text", "position"), [c[1:] for c in SYNTAX], ids=[c[0] for c in SYNTAX])
def test_shared_shape_keeps_syntax_errors(text: str, position: int) -> None:
    when.parse_when.cache_clear()
    with pytest.raises(ExprSyntaxError) as info:
        when.parse_when(text)
    assert info.value.position == position


def test_conditions_of_a_loop_parse_one_shape() -> None:
    """`{{item}} > 3` substituted per item: one parse of the shape, each value its own."""
    when.parse_when.cache_clear()
    when._shape.cache_clear()
    results = [evaluate_when(f"{i} > 3 && {i} != 7") for i in range(1000)]
    assert results == [i > 3 and i != 7 for i in range(1000)]
    assert when._shape.cache_info().misses == 1
