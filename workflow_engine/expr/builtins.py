"""expr-lang's builtin functions plus Argo's additions (`asInt`, `asFloat`, `toJson`,
`jsonpath`), called from compiled expressions (`workflow_engine.expr.compiler`).

Every function takes the evaluation `Ctx` first; predicate arguments (`{# > 1}`) arrive
as compiled bodies and run through `ctx.call`, which counts steps.
"""

from __future__ import annotations

import base64
import functools
import math
import re
import statistics
from collections.abc import Callable, Mapping
from typing import Any

from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
from jsonpath_ng.ext.parser import parse as parse_jsonpath

from workflow_engine.expr import values as v
from workflow_engine.expr.context import Ctx, Fn, ReadOnlyMap
from workflow_engine.expr.errors import ExprEvalError
from workflow_engine.expr.predicates import (
    all_of,
    any_of,
    count_of,
    filter_of,
    find_index,
    find_last,
    find_of,
    group_by,
    map_of,
    none_of,
    one_of,
    reduce_of,
    sort_by,
    sort_key,
    sort_order,
)

Builtin = Callable[..., Any]
_INT_RE = re.compile(r"[+-]?\d+")


def _arr(name: str, x: Any) -> list[Any]:
    if isinstance(x, list | tuple):
        return list(x)
    raise ExprEvalError(f"{name}() expects an array, got {v.type_name(x)}")


def _str(name: str, x: Any) -> str:
    if isinstance(x, str):
        return x
    raise ExprEvalError(f"{name}() expects a string, got {v.type_name(x)}")


def to_int(x: Any) -> int:
    if isinstance(x, bool):
        raise ExprEvalError("int() cannot convert a bool")
    if isinstance(x, int):
        return x
    if isinstance(x, float):
        if math.isnan(x) or math.isinf(x):
            raise ExprEvalError(f"int() cannot convert {v.go_float(x)}")
        return v.check_int(int(x))
    if isinstance(x, str):
        if _INT_RE.fullmatch(x):
            return v.check_int(int(x))
        raise ExprEvalError(f"int() cannot parse {x!r} as an integer")
    raise ExprEvalError(f"int() cannot convert {v.type_name(x)}")


def to_float(x: Any) -> float:
    if isinstance(x, bool):
        raise ExprEvalError("float() cannot convert a bool")
    if isinstance(x, int | float):
        return float(x)
    if isinstance(x, str):
        if x == x.strip() and "_" not in x:
            try:
                return float(x)
            except ValueError:
                pass
        raise ExprEvalError(f"float() cannot parse {x!r} as a number")
    raise ExprEvalError(f"float() cannot convert {v.type_name(x)}")


def _len(ctx: Ctx, x: Any) -> int:
    if isinstance(x, str | list | tuple | Mapping):
        return len(x)
    raise ExprEvalError(f"len() expects a string, array or map, got {v.type_name(x)}")


def _numbers(name: str, xs: Any) -> list[int | float]:
    out = []
    for x in xs:
        if isinstance(x, list | tuple):
            out.extend(_numbers(name, x))
        elif v.is_number(x):
            out.append(x)
        else:
            raise ExprEvalError(f"{name}() expects numbers, got {v.type_name(x)}")
    return out


def _sum(ctx: Ctx, arr: Any, body: Fn | None = None) -> int | float:
    items = map_of(ctx, arr, body) if body else _arr("sum", arr)
    total = sum(_numbers("sum", items))
    return v.check_int(total) if isinstance(total, int) else total


def _max(ctx: Ctx, *xs: Any) -> Any:
    nums = _numbers("max", xs)
    if not nums:
        raise ExprEvalError("max() needs at least one number")
    return max(nums)


def _min(ctx: Ctx, *xs: Any) -> Any:
    nums = _numbers("min", xs)
    if not nums:
        raise ExprEvalError("min() needs at least one number")
    return min(nums)


def _mean(ctx: Ctx, *xs: Any) -> float:
    nums = _numbers("mean", xs)
    return float(statistics.fmean(nums)) if nums else 0.0


def _median(ctx: Ctx, *xs: Any) -> float:
    nums = _numbers("median", xs)
    return float(statistics.median(nums)) if nums else 0.0


def _sort(ctx: Ctx, arr: Any, order: str = "asc") -> list[Any]:
    items = _arr("sort", arr)
    return sorted(items, key=sort_key("sort", items), reverse=sort_order("sort", order))


def _uniq(ctx: Ctx, arr: Any) -> list[Any]:
    out: list[Any] = []
    for e in _arr("uniq", arr):
        if not any(v.values_equal(e, o) for o in out):
            out.append(e)
    return out


def _flatten(ctx: Ctx, arr: Any) -> list[Any]:
    out: list[Any] = []
    for e in _arr("flatten", arr):
        out.extend(_flatten(ctx, e) if isinstance(e, list | tuple) else [e])
    v.check_list(len(out))
    return out


def _concat(ctx: Ctx, *arrs: Any) -> list[Any]:
    out: list[Any] = []
    for a in arrs:
        out.extend(_arr("concat", a))
    v.check_list(len(out))
    return out


def _join(ctx: Ctx, arr: Any, sep: str = "") -> str:
    parts = _arr("join", arr)
    return v.check_str(_str("join", sep).join(_str("join", p) for p in parts))


def _take(ctx: Ctx, arr: Any, n: Any) -> list[Any]:
    return _arr("take", arr)[: max(0, to_int(n))]


def _keys(ctx: Ctx, m: Any) -> list[Any]:
    if not isinstance(m, dict):
        raise ExprEvalError(f"keys() expects a map, got {v.type_name(m)}")
    return sorted(m.keys(), key=str)


def _values(ctx: Ctx, m: Any) -> list[Any]:
    return [m[k] for k in _keys(ctx, m)]


def _get(ctx: Ctx, obj: Any, key: Any) -> Any:
    if isinstance(obj, dict):
        return obj.get(key)
    if isinstance(obj, list | tuple) and v.is_int(key):
        return obj[key] if -len(obj) <= key < len(obj) else None
    return None


def _split(ctx: Ctx, s_: Any, sep_: Any, n: int = -1, after: bool = False) -> list[str]:
    s, sep = _str("split", s_), _str("split", sep_)
    if n == 0:
        return []
    if sep == "":
        parts = list(s)
        return parts if n < 0 or len(parts) <= n else [*parts[: n - 1], "".join(parts[n - 1 :])]
    parts = s.split(sep, n - 1) if n > 0 else s.split(sep)
    if after:
        parts = [p + sep for p in parts[:-1]] + parts[-1:]
    v.check_list(len(parts))
    return parts


def _trim(ctx: Ctx, s_: Any, chars: Any = None) -> str:
    s = _str("trim", s_)
    return s.strip() if chars is None else s.strip(_str("trim", chars))


def _repeat(ctx: Ctx, s_: Any, n_: Any) -> str:
    s, n = _str("repeat", s_), to_int(n_)
    if n < 0:
        raise ExprEvalError("repeat() count must not be negative")
    if len(s) * n > v.MAX_STRING:
        raise ExprEvalError(f"string too long: repeat() would make {len(s) * n} characters")
    return s * n


def _round(ctx: Ctx, x: Any) -> float:
    f = to_float(x)
    return float(math.floor(abs(f) + 0.5)) * (1 if f >= 0 else -1)


def _abs(ctx: Ctx, x: Any) -> Any:
    if not v.is_number(x):
        raise ExprEvalError(f"abs() expects a number, got {v.type_name(x)}")
    return abs(x)


def _from_base64(ctx: Ctx, s: Any) -> str:
    try:
        return base64.b64decode(_str("fromBase64", s), validate=True).decode()
    except (ValueError, UnicodeDecodeError) as e:
        raise ExprEvalError(f"fromBase64(): invalid input: {e}") from None


@functools.lru_cache(maxsize=256)
def _jsonpath_parse(path: str) -> Any:
    try:
        return parse_jsonpath(path)
    except (JsonPathLexerError, JsonPathParserError, Exception) as e:
        raise ExprEvalError(f"jsonpath(): invalid path {path!r}: {e}") from None


_INDEFINITE = re.compile(r"\*|\.\.|\[\?|,|:")


def _jsonpath(ctx: Ctx, doc: Any, path: Any) -> Any:
    data = v.from_json(doc) if isinstance(doc, str) else doc
    path = _str("jsonpath", path)
    found = [m.value for m in _jsonpath_parse(path).find(data)]
    if _INDEFINITE.search(path):
        return found
    if not found:
        raise ExprEvalError(f"jsonpath(): {path!r} matched nothing")
    return found[0]


def _s(fn: Callable[..., Any]) -> Builtin:
    """Adapt a plain function to the builtin calling convention (ctx first)."""
    return lambda ctx, *a: fn(*a)


def _str_fn(name: str, fn: Callable[..., Any]) -> Builtin:
    return lambda ctx, s, *a: fn(_str(name, s), *(_str(name, x) for x in a))


@functools.cache
def table() -> ReadOnlyMap[str, tuple[Builtin, frozenset[int]]]:
    """Name -> (function, positions of predicate arguments). Built once and shared, so
    read only."""
    pred = frozenset({1})
    plain: dict[str, Builtin] = {
        "len": _len,
        "int": _s(to_int),
        "asInt": _s(to_int),
        "float": _s(to_float),
        "asFloat": _s(to_float),
        "string": _s(v.go_str),
        "type": _s(v.type_name),
        "toJson": _s(v.to_json),
        "toJSON": _s(lambda x: v.to_json(x, escape_html=False, indent=2)),
        "fromJson": _s(v.from_json),
        "fromJSON": _s(v.from_json),
        "jsonpath": _jsonpath,
        "toBase64": _s(lambda s: base64.b64encode(_str("toBase64", s).encode()).decode()),
        "fromBase64": _from_base64,
        "trim": _trim,
        "trimPrefix": _str_fn("trimPrefix", str.removeprefix),
        "trimSuffix": _str_fn("trimSuffix", str.removesuffix),
        "upper": _str_fn("upper", str.upper),
        "lower": _str_fn("lower", str.lower),
        "split": _split,
        "splitAfter": lambda ctx, s, sep, n=-1: _split(ctx, s, sep, n, after=True),
        "replace": lambda ctx, s, a, b: v.check_str(
            _str("replace", s).replace(_str("replace", a), _str("replace", b))
        ),
        "repeat": _repeat,
        "indexOf": _str_fn("indexOf", str.find),
        "lastIndexOf": _str_fn("lastIndexOf", str.rfind),
        "hasPrefix": _str_fn("hasPrefix", str.startswith),
        "hasSuffix": _str_fn("hasSuffix", str.endswith),
        "abs": _abs,
        "ceil": _s(lambda x: float(math.ceil(to_float(x)))),
        "floor": _s(lambda x: float(math.floor(to_float(x)))),
        "round": _round,
        "max": _max,
        "min": _min,
        "mean": _mean,
        "median": _median,
        "first": _s(lambda a: _arr("first", a)[0] if a else None),
        "last": _s(lambda a: _arr("last", a)[-1] if a else None),
        "take": _take,
        "reverse": _s(lambda a: _arr("reverse", a)[::-1]),
        "sort": _sort,
        "uniq": _uniq,
        "concat": _concat,
        "flatten": _flatten,
        "join": _join,
        "keys": _keys,
        "values": _values,
        "toPairs": lambda ctx, m: [[k, m[k]] for k in _keys(ctx, m)],
        "fromPairs": _s(lambda ps: {p[0]: p[1] for p in _arr("fromPairs", ps)}),
        "get": _get,
    }
    with_pred: dict[str, Builtin] = {
        "all": all_of,
        "any": any_of,
        "one": one_of,
        "none": none_of,
        "filter": filter_of,
        "map": map_of,
        "find": find_of,
        "findIndex": find_index,
        "findLast": find_last,
        "findLastIndex": lambda ctx, a, b: find_index(ctx, a, b, last=True),
        "count": count_of,
        "sum": _sum,
        "groupBy": group_by,
        "sortBy": sort_by,
        "reduce": reduce_of,
    }
    out = {k: (f, frozenset[int]()) for k, f in plain.items()}
    out.update({k: (f, pred) for k, f in with_pred.items()})
    return ReadOnlyMap(out)
