"""The expression layer: Argo's `{{...}}` templating, the expr-lang subset of `{{=...}}`
and `*.expression` fields, `when` conditions and DAG `depends` logic.

Pure (no I/O, no clock); imports only the stdlib, lark, jsonpath-ng and
`workflow_engine.errors`. The engine calls it per node; everything parsed is cached.

    substitute(text, scope, strict=True) -> str      fill `{{...}}` tags from a flat scope
    references(text) -> list[Reference]              the tags in a text, for lint
    evaluate(source, env) -> Any                     one expr-lang expression
    evaluate_bool(source, env) -> bool               one that must give a boolean
    evaluate_when(text) -> bool                      a `when:` condition (govaluate rules)
    parse_depends(text) -> DependsExpr               a `depends:` condition

`now()` in an expression reads the `datetime` its caller puts in the scope/env under
`expr.dates.NOW_KEY` (the engine: operate()'s `now`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflow_engine.expr.compiler import run
from workflow_engine.expr.depends import (
    DependsExpr,
    TaskOutcome,
    depends_from_dependencies,
    parse_depends,
)
from workflow_engine.expr.errors import (
    ExprError,
    ExprEvalError,
    ExprSyntaxError,
    UnresolvedError,
    quoted,
)
from workflow_engine.expr.template import Reference, build_env, references, substitute
from workflow_engine.expr.when import evaluate_when


def evaluate(source: str, env: Mapping[str, Any]) -> Any:
    """Evaluate one expr-lang expression against `env` (nested: {"inputs": {...}}).

    Raises ExprSyntaxError when it does not parse, ExprEvalError (UnresolvedError for an
    unknown name) when evaluation fails or exceeds its bounds."""
    return run(source, env)


def evaluate_bool(source: str, env: Mapping[str, Any]) -> bool:
    """Evaluate a condition (retryStrategy.expression, hooks, depends-like fields) as
    Argo's EvalBool does: a result that is not a boolean is an ExprEvalError."""
    result = run(source, env)
    if not isinstance(result, bool):
        raise ExprEvalError(f"expression {quoted(source)} gave {result!r}, not a boolean")
    return result


__all__ = [
    "DependsExpr",
    "ExprError",
    "ExprEvalError",
    "ExprSyntaxError",
    "Reference",
    "TaskOutcome",
    "UnresolvedError",
    "build_env",
    "depends_from_dependencies",
    "evaluate",
    "evaluate_bool",
    "evaluate_when",
    "parse_depends",
    "references",
    "substitute",
]
