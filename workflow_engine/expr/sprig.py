"""The Sprig functions Argo exposes as `sprig.<name>(...)` in expressions
(`workflow_engine.expr`), with Sprig's forgiving conversions: a bad number becomes 0,
as in Go. Time, randomness and environment functions are left out on purpose.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import math
import re
from collections.abc import Callable
from typing import Any

from workflow_engine.expr import values as v
from workflow_engine.expr.context import ReadOnlyMap
from workflow_engine.expr.errors import ExprEvalError
from workflow_engine.expr.regex import (
    RegexError,
    compile_regex,
    go_find_all,
    go_quote_meta,
    go_split,
)

# `\d+(\.\d*)?`, not `\d+\.?\d*`: with the dot optional, a run of digits splits between
# the two in n ways, and a failing match tries them all (quadratic)
_FLOAT_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def strval(x: Any) -> str:
    return v.go_str(x)


def to_int64(x: Any) -> int:
    """Go `cast.ToInt64`: ints, truncated floats, bools, numeric strings; else 0."""
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, int):
        return x
    if isinstance(x, float):
        return int(x) if x == x and abs(x) < 2**63 else 0
    if isinstance(x, str):
        s = x[:-2] if x.endswith(".0") else x
        body = s.lstrip("+-")
        try:
            if body[:2].lower() in ("0x", "0o", "0b"):
                n = int(body, 0)
            elif len(body) > 1 and body.startswith("0"):
                n = int(body, 8)
            else:
                n = int(body, 10) if body.isdigit() else 0
        except ValueError:
            return 0
        return -n if s.startswith("-") else n
    return 0


def to_float64(x: Any) -> float:
    if isinstance(x, bool | int | float):
        return float(x)
    if isinstance(x, str) and _FLOAT_RE.fullmatch(x):
        return float(x)
    return 0.0


def _strslice(x: Any) -> list[str]:
    if isinstance(x, list | tuple):
        return [strval(e) for e in x if e is not None]
    return [] if x is None else [strval(x)]


def _div(a_: Any, b_: Any) -> int:
    a, b = to_int64(a_), to_int64(b_)
    if b == 0:
        raise ExprEvalError("sprig.div: division by zero")
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _mod(a_: Any, b_: Any) -> int:
    a, b = to_int64(a_), to_int64(b_)
    if b == 0:
        raise ExprEvalError("sprig.mod: division by zero")
    r = abs(a) % abs(b)
    return r if a >= 0 else -r


def _mul(a: Any, *rest: Any) -> int:
    out = to_int64(a)
    for b in rest:
        out = int(v.check_int(out * to_int64(b)))
    return out


def _trunc(n_: Any, s_: Any) -> str:
    n, s = to_int64(n_), strval(s_)
    if n < 0 and len(s) + n > 0:
        return s[len(s) + n :]
    if n >= 0 and len(s) > n:
        return s[:n]
    return s


def _repeat(n_: Any, s_: Any) -> str:
    n, s = to_int64(n_), strval(s_)
    if n < 0 or len(s) * n > v.MAX_STRING:
        raise ExprEvalError(f"sprig.repeat: count {n} is negative or makes too long a string")
    return s * n


def _substr(start_: Any, end_: Any, s_: Any) -> str:
    start, end, s = to_int64(start_), to_int64(end_), strval(s_)
    if start < 0:
        return s[:end]
    if end < 0 or end > len(s):
        return s[start:]
    return s[start:end]


def _b64dec(s: Any) -> str:
    try:
        return base64.b64decode(strval(s), validate=True).decode()
    except (ValueError, UnicodeDecodeError) as e:
        return str(e)  # Sprig returns the error text instead of failing


def _from_json(s: Any) -> Any:
    try:
        return json.loads(strval(s))
    except ValueError:
        return None


def _default(d: Any, *given: Any) -> Any:
    return d if not given or v.truthy_empty(given[0]) else given[0]


def _coalesce(*xs: Any) -> Any:
    return next((x for x in xs if not v.truthy_empty(x)), None)


def _dict(*kv: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i in range(0, len(kv), 2):
        out[strval(kv[i])] = kv[i + 1] if i + 1 < len(kv) else ""
    return out


def _until(n: Any) -> list[int]:
    n = to_int64(n)
    v.check_list(abs(n))
    return list(range(n)) if n >= 0 else list(range(0, n, -1))


def _split(sep: Any, s: Any) -> dict[str, str]:
    return {f"_{i}": p for i, p in enumerate(strval(s).split(strval(sep)))}


def _round(x: Any, places: Any, *_: Any) -> float:
    f, p = to_float64(x), to_int64(places)
    if math.isinf(f) or math.isnan(f):
        return f
    try:
        scale = math.pow(10.0, max(-400, p))
    except OverflowError:  # more places than a float has: nothing to round
        return f
    scaled = abs(f) * scale + 0.5
    if math.isinf(scaled) or scale == 0:
        return f if math.isinf(scaled) else 0.0
    return float(int(scaled)) / scale * (1 if f >= 0 else -1)


def _indent(n: Any, s: Any, newline: str = "") -> str:
    pad = to_int64(n)
    if pad < 0 or pad > v.MAX_STRING:
        raise ExprEvalError(f"sprig.indent: {pad} is not a usable indentation")
    text = strval(s)
    if pad * (text.count("\n") + 1) + len(text) > v.MAX_STRING:
        raise ExprEvalError("sprig.indent: the indented string would be too long")
    return newline + " " * pad + text.replace("\n", "\n" + " " * pad)


def _whole(fn: Callable[[float], int], x: Any) -> float:
    f = to_float64(x)
    return f if math.isinf(f) or math.isnan(f) else float(fn(f))


def _regex(pattern: Any) -> Any:
    try:
        return compile_regex(strval(pattern))
    except RegexError as e:
        raise ExprEvalError(f"sprig: {e}") from None


def _regex_find_all(p: Any, s: Any, n: Any) -> list[str]:
    _regex(p)
    found = [m.group(0) for m in go_find_all(strval(p), strval(s))]
    n = to_int64(n)
    return found if n < 0 else found[:n]


def _regex_split(p: Any, s: Any, n: Any) -> list[str]:
    _regex(p)  # a bad pattern is the same error everywhere
    return go_split(strval(p), strval(s), to_int64(n))


def _quote(*xs: Any) -> str:
    return " ".join(json.dumps(strval(x), ensure_ascii=False) for x in xs if x is not None)


def _list_fn(fn: Callable[[list[Any]], Any]) -> Callable[[Any], Any]:
    def wrapped(x: Any) -> Any:
        if not isinstance(x, list | tuple):
            raise ExprEvalError(f"sprig: expected a list, got {v.type_name(x)}")
        return fn(list(x))

    return wrapped


def _sum(*xs: Any) -> int:
    return v.check_int(sum(to_int64(x) for x in xs))


def _hash(name: str) -> Callable[[Any], str]:
    return lambda s: hashlib.new(name, strval(s).encode()).hexdigest()


def _strs(fn: Callable[..., Any]) -> Callable[..., Any]:
    return lambda *a: fn(*(strval(x) for x in a))


@functools.cache
def table() -> ReadOnlyMap[str, Callable[..., Any]]:
    """Sprig name -> function (arguments in Sprig's order: the value usually last).
    Built once and shared, so read only."""
    return ReadOnlyMap(_functions())


def _functions() -> dict[str, Callable[..., Any]]:
    return {
        "trim": _strs(str.strip),
        "trimAll": _strs(lambda cut, s: s.strip(cut)),
        "trimPrefix": _strs(lambda p, s: s.removeprefix(p)),
        "trimSuffix": _strs(lambda p, s: s.removesuffix(p)),
        "upper": _strs(str.upper),
        "lower": _strs(str.lower),
        "title": _strs(
            lambda s: re.sub(r"(^|\s)(\S)", lambda m: m.group(1) + m.group(2).upper(), s)
        ),
        "nospace": _strs(lambda s: "".join(s.split())),
        "replace": _strs(lambda old, new, s: v.check_str(s.replace(old, new))),
        "contains": _strs(lambda sub, s: sub in s),
        "hasPrefix": _strs(lambda p, s: s.startswith(p)),
        "hasSuffix": _strs(lambda p, s: s.endswith(p)),
        "repeat": _repeat,
        "trunc": _trunc,
        "substr": _substr,
        "quote": _quote,
        "squote": lambda *xs: " ".join(f"'{strval(x)}'" for x in xs if x is not None),
        "cat": lambda *xs: " ".join(strval(x) for x in xs if x is not None),
        "indent": _indent,
        "nindent": lambda n, s: _indent(n, s, "\n"),
        "split": _split,
        "splitList": _strs(lambda sep, s: s.split(sep)),
        "join": lambda sep, xs: strval(sep).join(_strslice(xs)),
        "toString": strval,
        "toStrings": _strslice,
        "atoi": lambda s: int(s) if isinstance(s, str) and re.fullmatch(r"[+-]?\d+", s) else 0,
        "int": to_int64,
        "int64": to_int64,
        "float64": to_float64,
        "toDecimal": lambda s: int(strval(s), 8) if re.fullmatch(r"[0-7]+", strval(s)) else 0,
        "add": _sum,
        "add1": lambda x: v.check_int(to_int64(x) + 1),
        "sub": lambda a, b: v.check_int(to_int64(a) - to_int64(b)),
        "mul": _mul,
        "div": _div,
        "mod": _mod,
        "max": lambda a, *xs: max([to_int64(a), *(to_int64(x) for x in xs)]),
        "min": lambda a, *xs: min([to_int64(a), *(to_int64(x) for x in xs)]),
        "addf": lambda *xs: sum(to_float64(x) for x in xs),
        "subf": lambda a, *xs: to_float64(a) - sum(to_float64(x) for x in xs),
        "mulf": lambda a, *xs: _product(to_float64(a), xs),
        "divf": _divf,
        "maxf": lambda a, *xs: max([to_float64(a), *(to_float64(x) for x in xs)]),
        "minf": lambda a, *xs: min([to_float64(a), *(to_float64(x) for x in xs)]),
        "floor": lambda x: _whole(math.floor, x),
        "ceil": lambda x: _whole(math.ceil, x),
        "round": _round,
        "default": _default,
        "empty": v.truthy_empty,
        "coalesce": _coalesce,
        "ternary": lambda vt, vf, cond: vt if cond is True else vf,
        "toJson": lambda x: v.to_json(x),
        "toRawJson": lambda x: v.to_json(x, escape_html=False),
        "toPrettyJson": lambda x: v.to_json(x, indent=2),
        "fromJson": _from_json,
        "b64enc": lambda s: base64.b64encode(strval(s).encode()).decode(),
        "b64dec": _b64dec,
        "b32enc": lambda s: base64.b32encode(strval(s).encode()).decode(),
        "sha1sum": _hash("sha1"),
        "sha256sum": _hash("sha256"),
        "regexMatch": lambda p, s: _regex(p).search(strval(s)) is not None,
        "regexFind": lambda p, s: m.group(0) if (m := _regex(p).search(strval(s))) else "",
        "regexFindAll": _regex_find_all,
        "regexReplaceAll": lambda p, s, r: _regex(p).sub(_go_repl(strval(r)), strval(s)),
        "regexReplaceAllLiteral": lambda p, s, r: _regex(p).sub(lambda _: strval(r), strval(s)),
        "regexSplit": _regex_split,
        "regexQuoteMeta": _strs(go_quote_meta),
        "list": lambda *xs: list(xs),
        "first": _list_fn(lambda xs: xs[0] if xs else None),
        "last": _list_fn(lambda xs: xs[-1] if xs else None),
        "rest": _list_fn(lambda xs: xs[1:]),
        "initial": _list_fn(lambda xs: xs[:-1]),
        "append": lambda xs, x: [*_list_fn(list)(xs), x],
        "prepend": lambda xs, x: [x, *_list_fn(list)(xs)],
        "concat": lambda *ls: [e for xs in ls for e in _list_fn(list)(xs)],
        "reverse": _list_fn(lambda xs: xs[::-1]),
        "uniq": _list_fn(lambda xs: [x for i, x in enumerate(xs) if x not in xs[:i]]),
        "compact": _list_fn(lambda xs: [x for x in xs if not v.truthy_empty(x)]),
        "has": lambda needle, xs: needle in _list_fn(list)(xs),
        "without": lambda xs, *drop: [x for x in _list_fn(list)(xs) if x not in drop],
        "sortAlpha": lambda xs: sorted(_strslice(xs)),
        "until": _until,
        "dict": _dict,
        "get": lambda d, k: d.get(strval(k), "") if isinstance(d, dict) else "",
        "hasKey": lambda d, k: isinstance(d, dict) and strval(k) in d,
        "keys": lambda *ds: sorted({k for d in ds if isinstance(d, dict) for k in d}),
        "values": lambda d: list(d.values()) if isinstance(d, dict) else [],
        "pick": lambda d, *ks: (
            {k: d[k] for k in map(strval, ks) if k in d} if isinstance(d, dict) else {}
        ),
        "omit": lambda d, *ks: (
            {k: x for k, x in d.items() if k not in set(map(strval, ks))}
            if isinstance(d, dict)
            else {}
        ),
        "merge": _merge,
        "kindOf": _kind_of,
        "typeOf": _kind_of,
    }


def _product(a: float, xs: tuple[Any, ...]) -> float:
    for x in xs:
        a *= to_float64(x)
    return a


def _divf(a: Any, *xs: Any) -> float:
    out = to_float64(a)
    for x in xs:
        d = to_float64(x)
        if d == 0:
            raise ExprEvalError("sprig.divf: division by zero")
        out /= d
    return out


def _merge(dst: Any, *srcs: Any) -> dict[str, Any]:
    out = dict(dst) if isinstance(dst, dict) else {}
    for s in srcs:
        for k, x in s.items() if isinstance(s, dict) else ():
            out.setdefault(k, x)
    return out


def _kind_of(x: Any) -> str:
    names = {"nil": "invalid", "int": "int", "float": "float64", "array": "slice"}
    t = v.type_name(x)
    return names.get(t, t)


def _go_repl(r: str) -> Callable[[re.Match[str]], str]:
    """Go's `$1` / `${name}` replacement syntax."""

    def repl(m: re.Match[str]) -> str:
        def one(g: re.Match[str]) -> str:
            name = g.group(1) or g.group(2)
            try:
                return m.group(int(name) if name.isdigit() else name) or ""
            except IndexError:
                return ""

        return re.sub(r"\$\{(\w+)\}|\$(\w+)", one, r)

    return repl
