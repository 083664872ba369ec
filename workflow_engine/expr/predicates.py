"""expr-lang's predicate builtins (`filter`, `map`, `all`, ... with `#` closures),
called from compiled expressions (`workflow_engine.expr.builtins.table`).

A predicate arrives as a compiled body; `ctx.call` binds `#`, `#index` and `#acc`
for it and counts a step, so nested loops stay within the evaluation budget.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from workflow_engine.expr import values as v
from workflow_engine.expr.context import Ctx, Fn
from workflow_engine.expr.errors import ExprEvalError


def _arr(name: str, x: Any) -> list[Any]:
    if isinstance(x, list | tuple):
        return list(x)
    raise ExprEvalError(f"{name}() expects an array, got {v.type_name(x)}")


def _bool(name: str, x: Any) -> bool:
    if isinstance(x, bool):
        return x
    raise ExprEvalError(f"{name}() predicate must return a bool, got {v.type_name(x)}")


def _each(ctx: Ctx, name: str, arr: Any, body: Fn) -> Iterator[tuple[Any, Any]]:
    for i, e in enumerate(_arr(name, arr)):
        yield e, ctx.call(body, e, i)


def all_of(ctx: Ctx, arr: Any, body: Fn) -> bool:
    return all(_bool("all", r) for _, r in _each(ctx, "all", arr, body))


def any_of(ctx: Ctx, arr: Any, body: Fn) -> bool:
    return any(_bool("any", r) for _, r in _each(ctx, "any", arr, body))


def none_of(ctx: Ctx, arr: Any, body: Fn) -> bool:
    return not any(_bool("none", r) for _, r in _each(ctx, "none", arr, body))


def one_of(ctx: Ctx, arr: Any, body: Fn) -> bool:
    return sum(1 for _, r in _each(ctx, "one", arr, body) if _bool("one", r)) == 1


def filter_of(ctx: Ctx, arr: Any, body: Fn) -> list[Any]:
    return [e for e, r in _each(ctx, "filter", arr, body) if _bool("filter", r)]


def map_of(ctx: Ctx, arr: Any, body: Fn) -> list[Any]:
    return [r for _, r in _each(ctx, "map", arr, body)]


def count_of(ctx: Ctx, arr: Any, body: Fn | None = None) -> int:
    if body is None:
        return sum(1 for e in _arr("count", arr) if _bool("count", e))
    return sum(1 for _, r in _each(ctx, "count", arr, body) if _bool("count", r))


def find_index(ctx: Ctx, arr: Any, body: Fn, last: bool = False) -> int:
    items = list(enumerate(_arr("findIndex", arr)))
    for i, e in reversed(items) if last else items:
        if _bool("find", ctx.call(body, e, i)):
            return i
    return -1


def find_of(ctx: Ctx, arr: Any, body: Fn) -> Any:
    i = find_index(ctx, arr, body)
    return arr[i] if i >= 0 else None


def find_last(ctx: Ctx, arr: Any, body: Fn) -> Any:
    i = find_index(ctx, arr, body, last=True)
    return arr[i] if i >= 0 else None


def group_by(ctx: Ctx, arr: Any, body: Fn) -> dict[Any, list[Any]]:
    out: dict[Any, list[Any]] = {}
    for e, key in _each(ctx, "groupBy", arr, body):
        out.setdefault(v.go_str(key) if isinstance(key, list | dict) else key, []).append(e)
    return out


def reduce_of(ctx: Ctx, arr: Any, body: Fn, *init: Any) -> Any:
    items = _arr("reduce", arr)
    if not init and not items:
        raise ExprEvalError("reduce() of an empty array with no initial value")
    acc, start = (init[0], 0) if init else (items[0], 1)
    for i in range(start, len(items)):
        acc = ctx.call(body, items[i], i, acc)
    return acc


def sort_key(name: str, items: list[Any]) -> Callable[[Any], Any]:
    if all(v.is_number(x) for x in items) or all(isinstance(x, str) for x in items):
        return lambda x: x
    raise ExprEvalError(f"{name}() can only sort numbers or strings")


def sort_order(name: str, order: str) -> bool:
    if order not in ("asc", "desc"):
        raise ExprEvalError(f'{name}() order must be "asc" or "desc", got {order!r}')
    return order == "desc"


def sort_by(ctx: Ctx, arr: Any, body: Fn, order: str = "asc") -> list[Any]:
    pairs = list(_each(ctx, "sortBy", arr, body))
    keys = [k for _, k in pairs]
    sort_key("sortBy", keys)
    pairs.sort(key=lambda p: p[1], reverse=sort_order("sortBy", order))
    return [e for e, _ in pairs]
