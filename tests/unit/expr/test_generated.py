"""Every well-formed expression, whatever its functions do with whatever values, ends
in a value or an ExprError: no OverflowError, TypeError, IndexError... escapes from a
builtin, a sprig function or an operator. Hypothesis generates them; pure."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from tests.unit.expr.generated import ENV, EXPRESSIONS
from workflow_engine.expr import ExprError, ExprEvalError, evaluate, evaluate_when, substitute


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(EXPRESSIONS)
def test_generated_expressions_raise_only_expr_errors(source: str) -> None:
    try:
        evaluate(source, ENV)
    except ExprError as e:
        assert str(e)  # a message the workflow's status can show
    try:
        evaluate_when(substitute(f"{{{{={source}}}}} == true", {}, strict=False))
    except ExprError as e:
        assert str(e)


@pytest.mark.parametrize(
    "source",
    [
        "fromPairs([[]])",
        "[1] in {'a': 1}",
        "{'a': 1}[[1]]",
        "sprig.indent(1000000000000, 'x')",
        "sprig.add1(9223372036854775807)",
        "sprig.keys({'a': 1}, {1: 2})",
    ],
    ids=[
        "fromPairs-short",
        "in-unhashable",
        "index-unhashable",
        "indent-huge",
        "add1-overflow",
        "keys-mixed",
    ],
)
def test_python_failures_of_builtins_are_eval_errors(source: str) -> None:
    with pytest.raises(ExprEvalError):
        evaluate(source, {})


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("floor(1e308 * 10)", float("inf")),
        ("ceil(-1e308 * 10)", float("-inf")),
        ("round(1e308 * 10)", float("inf")),
        ("sprig.floor('1e400')", float("inf")),
        ("sprig.round(1e308 * 10, 2)", float("inf")),
        ("sprig.round(1.25, 1)", 1.3),
        ("sprig.round(1.25, 400)", 1.25),
    ],
    ids=[
        "floor-inf",
        "ceil-minus-inf",
        "round-inf",
        "sprig-floor-inf",
        "sprig-round-inf",
        "sprig-round",
        "sprig-round-places",
    ],
)
def test_rounding_infinities_gives_them_back_as_go_does(source: str, value: float) -> None:
    assert evaluate(source, {}) == value
