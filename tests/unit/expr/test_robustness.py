"""Any text, however malformed, gets an ExprError (never a crash of another kind) from
every entry point of the expression layer. Hypothesis generates the texts; pure."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflow_engine.expr import (
    ExprError,
    evaluate,
    evaluate_when,
    parse_depends,
    references,
    substitute,
)

_PIECES = [*"ab1 .#[](){}:?!=<>&|+-*/%^'\"`\\,;$_e0x"]
_PIECES += ["in", "not", "let", "{{", "}}", "{{=", "sprig.", "filter(", "..", "**", "??"]
TEXT = st.lists(st.sampled_from(_PIECES), max_size=20).map("".join)
ENV: dict[str, Any] = {"a": {"b": [1, 2]}, "b": "x", "e": 1.5}
ENTRY_POINTS: list[Callable[[str], Any]] = [
    lambda t: evaluate(t, ENV),
    evaluate_when,
    parse_depends,
    references,
    lambda t: substitute(t, {"a": 1, "b.c": "x"}),
    lambda t: substitute(t, {}, strict=False),
]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(TEXT)
def test_only_expr_errors_escape(text: str) -> None:
    for entry in ENTRY_POINTS:
        with contextlib.suppress(ExprError):
            entry(text)
