"""Evaluation state shared by compiled expressions and builtins (`workflow_engine.expr`).

One `Ctx` lives for one `evaluate()` call: the variables, the stack of `#` closure
frames, and the step budget that bounds loops (`filter`, `map`, ranges, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from workflow_engine.expr.errors import ExprEvalError

MAX_STEPS = 500_000

K = TypeVar("K")
V = TypeVar("V")


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


class ReadOnlyMap(Mapping[K, V]):
    """A mapping with no way to change it: the function tables built once and shared
    by every compiled expression."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[K, V]) -> None:
        self._data = dict(data)

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def get(self, key: K, default: Any = None) -> Any:
        return self._data.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)
