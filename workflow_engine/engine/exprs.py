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


class FieldError(ExprError):
    """An expression or substitution that failed at a field of a step, task or
    template: the message starts with the field's path (`when: ...`,
    `arguments.parameters[0].value: ...`), so a node's message says what to fix.
    An `ExprError`, so every place that handles those handles it unchanged."""

    def __init__(self, path: str, cause: Exception) -> None:
        self.path = path
        super().__init__(f"{path}: {cause}")


def at_field(path: str, err: ExprError) -> ExprError:
    """`err` with `path` in front, unless it already names a field."""
    return err if isinstance(err, FieldError) else FieldError(path, err)


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
    """A step's or task's `when`; an error names the field."""
    try:
        return bool(_expr.evaluate_when(text))
    except ExprError as err:
        raise at_field("when", err) from err


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
