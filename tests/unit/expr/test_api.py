"""The public surface of `workflow_engine.expr` is pinned, and it stays pure."""

from __future__ import annotations

import ast
import pathlib

import workflow_engine.expr as expr
from workflow_engine.errors import WorkflowEngineError

PACKAGE = pathlib.Path(expr.__file__).parent


def test_all_is_sorted_and_pinned() -> None:
    assert expr.__all__ == sorted(expr.__all__)
    assert expr.__all__ == [
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


def test_errors_belong_to_the_project_taxonomy() -> None:
    for error in (expr.ExprSyntaxError, expr.ExprEvalError, expr.UnresolvedError):
        assert issubclass(error, WorkflowEngineError)
    assert issubclass(expr.UnresolvedError, expr.ExprEvalError)


def test_imports_only_allowed_modules() -> None:
    allowed = {
        "__future__", "base64", "collections", "dataclasses", "decimal", "functools",
        "hashlib", "json", "math", "re", "statistics", "typing", "lark", "jsonpath_ng",
        "workflow_engine",
        "datetime", "zoneinfo",  # date values; never datetime.now(): now() is given
        "re2",  # Go's regexp semantics for matches, =~ and sprig regex*
    }  # fmt: skip
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            assert roots <= allowed, f"{path.name} imports {roots - allowed}"


def test_never_uses_python_eval() -> None:
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        calls = {
            n.func.id
            for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
        }
        assert not calls & {"eval", "exec", "compile", "__import__"}, path.name
