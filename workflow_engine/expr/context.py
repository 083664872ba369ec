"""Evaluation state shared by compiled expressions and builtins (`workflow_engine.expr`).

One `Ctx` lives for one `evaluate()` call: the variables, the stack of `#` closure
frames, and the step budget that bounds loops (`filter`, `map`, ranges, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from workflow_engine.expr.errors import ExprEvalError

MAX_STEPS = 500_000


class Ctx:
    """Mutable per-call evaluation state (never shared between calls)."""

    __slots__ = ("env", "frames", "steps", "vars")

    def __init__(self, env: Mapping[str, Any]) -> None:
        self.env = env
        self.vars: dict[str, Any] = {}
        self.frames: list[tuple[Any, int, Any]] = []
        self.steps = 0

    def tick(self, n: int = 1) -> None:
        self.steps += n
        if self.steps > MAX_STEPS:
            raise ExprEvalError(f"expression too costly: over {MAX_STEPS} evaluation steps")

    def call(self, body: Fn, elem: Any, index: int, acc: Any = None) -> Any:
        """Run a predicate (`{# > 1}`) with `#` bound to `elem`."""
        self.tick()
        self.frames.append((elem, index, acc))
        try:
            return body(self)
        finally:
            self.frames.pop()


Fn = Callable[[Ctx], Any]
