"""The engine's door to the expression layer (`workflow_engine.expr`): `{{...}}`
substitution, `when`, `depends` and expr-lang expressions (retryStrategy.expression,
hook expressions, valueFrom.expression). The engine uses the layer only through here."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflow_engine import expr as _expr
from workflow_engine.expr import dates

NOW_KEY = dates.NOW_KEY

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


def evaluate_bool(source: str, env: Mapping[str, Any]) -> bool:
    """Argo's EvalBool: a result that is not a boolean is an error."""
    return _expr.evaluate_bool(source, env)


def evaluate_when(text: str) -> bool:
    return bool(_expr.evaluate_when(text))


def depends_names(text: str) -> list[str]:
    return list(_depends_names(text))


@functools.lru_cache(maxsize=4096)
def _depends_names(text: str) -> tuple[str, ...]:
    return tuple(sorted(_expr.parse_depends(text).task_names))


def evaluate_depends(text: str, outcomes: Mapping[str, Outcome]) -> bool:
    results = {
        name: _expr.TaskOutcome(
            phase=o.phase,
            daemoned=o.daemoned,
            any_succeeded=o.any_succeeded,
            all_failed=o.all_failed,
        )
        for name, o in outcomes.items()
    }
    return bool(_expr.parse_depends(text).evaluate(results))
