"""The engine's door to the expression layer: `{{...}}` substitution, `when`, `depends`
and expr-lang expressions (retryStrategy.expression, valueFrom.expression).

Everything the engine evaluates goes through these five functions, so the
expression layer (`workflow_engine.expr`) is used in exactly one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

try:
    from workflow_engine import expr as _expr
    from workflow_engine.expr import substitute as _probe  # noqa: F401
except ImportError:  # the expression package has not landed yet
    from workflow_engine.engine import _fallback_expr as _expr  # type: ignore[no-redef]

UnresolvedError = _expr.UnresolvedError
ExprError = _expr.ExprError


@dataclass(frozen=True)
class Outcome:
    """A finished dependency as `depends` sees it (Argo's TaskResults)."""

    phase: str
    daemoned: bool = False
    any_succeeded: bool = False
    all_failed: bool = False


def substitute(text: str, scope: Mapping[str, Any], strict: bool = True) -> str:
    return _expr.substitute(text, scope, strict=strict)


def evaluate(source: str, env: Mapping[str, Any]) -> Any:
    return _expr.evaluate(source, env)


def evaluate_when(text: str) -> bool:
    return bool(_expr.evaluate_when(text))


def depends_names(text: str) -> list[str]:
    return list(_expr.parse_depends(text).task_names)


def evaluate_depends(text: str, outcomes: Mapping[str, Outcome]) -> bool:
    return bool(_expr.parse_depends(text).evaluate(_expr_outcomes(outcomes)))


def depends_from_dependencies(names: list[str]) -> str:
    return _expr.depends_from_dependencies(names)


def _expr_outcomes(outcomes: Mapping[str, Outcome]) -> Mapping[str, Any]:
    make = _expr.TaskOutcome
    return {
        name: make(
            phase=o.phase,
            daemoned=o.daemoned,
            any_succeeded=o.any_succeeded,
            all_failed=o.all_failed,
        )
        for name, o in outcomes.items()
    }
