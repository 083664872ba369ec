"""The bound on expression text: `WF_MAX_EXPRESSION_LENGTH` characters.

Every parser of the expression layer (`{{=...}}`, `when`, `depends`) checks its text
here before doing any work, so the cost of a hostile expression is bounded before it
is parsed. The bound itself is process-wide state of `spec.limits`: the CLI sets it
from its `DocumentLimits` and the embedded controller from its
`--max-expression-length` argument, so a workflow that lint accepted is evaluated
under the same bound.
"""

from __future__ import annotations

from workflow_engine.expr.errors import ExprSyntaxError
from workflow_engine.spec.limits import (
    ENV_NAMES,
    forget_on_expression_bound_change,
    max_expression_length,
)

forget_on_bound_change = forget_on_expression_bound_change


def check_length(text: str, what: str = "expression") -> None:
    bound = max_expression_length()
    if len(text) > bound:
        raise ExprSyntaxError(
            f"{what} is {len(text)} characters, over the limit "
            f"({ENV_NAMES['max_expression_length']}={bound})",
            bound,
        )
