"""Errors of the expression layer (`workflow_engine.expr`).

Raised by the parser, the evaluator, the `{{...}}` substitution and the `when` and
`depends` evaluators; lint turns them into `SpecError`s with a field path.

    WorkflowEngineError
     └── ExprError
          ├── ExprSyntaxError(message, position)   the text cannot be parsed
          └── ExprEvalError                        it parsed, but evaluating it failed
               └── UnresolvedError(name)           a variable or tag has no value
"""

from __future__ import annotations

from workflow_engine.errors import WorkflowEngineError

QUOTE_CUT = 120  # characters of a user's text repeated in one error message


def quoted(text: str) -> str:
    """`text` as an error message shows it: repr'd, cut to QUOTE_CUT characters with
    its length named, so a 64 KiB expression does not make a 64 KiB message."""
    if len(text) <= QUOTE_CUT:
        return repr(text)
    return f"{text[:QUOTE_CUT]!r}... ({len(text)} characters)"


def shown_tag(inner: str) -> str:
    """A `{{...}}` tag as an error message shows it, cut like `quoted`."""
    if len(inner) <= QUOTE_CUT:
        return f"{{{{{inner}}}}}"
    return f"{{{{{inner[:QUOTE_CUT]}...}}}} ({len(inner) + 4} characters)"


class ExprError(WorkflowEngineError):
    """Base of every error of the expression layer."""


class ExprSyntaxError(ExprError):
    """The text is malformed; `position` is the 0-based offset where it went wrong."""

    def __init__(self, message: str, position: int = 0) -> None:
        self.message = message
        self.position = position
        super().__init__(f"{message} (at offset {position})")


class ExprEvalError(ExprError):
    """Evaluation failed: unknown name, wrong type, division by zero, a bound exceeded."""


class UnresolvedError(ExprEvalError):
    """A `{{tag}}` or an expression variable has no value in the scope."""

    def __init__(self, name: str, message: str | None = None) -> None:
        self.name = name
        super().__init__(message or f"unresolved variable {name!r}")
