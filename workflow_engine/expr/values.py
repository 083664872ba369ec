"""Value helpers shared by the evaluator, sprig and substitution (`workflow_engine.expr`).

Go formats values in ways users see in Argo's output (`%v`, `json.Marshal`); these
functions reproduce them so a substituted string reads the same as under Argo.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

from workflow_engine.expr.errors import ExprEvalError

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
MAX_STRING = 4 * 1024 * 1024
MAX_LIST = 100_000


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def type_name(v: Any) -> str:
    """The type names expr-lang's `type()` returns."""
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list | tuple):
        return "array"
    if isinstance(v, dict):
        return "map"
    return "unknown"


def check_int(v: int) -> int:
    if v < INT64_MIN or v > INT64_MAX:
        raise ExprEvalError(f"integer overflow: result does not fit in 64 bits ({v})")
    return v


def check_str(s: str) -> str:
    if len(s) > MAX_STRING:
        raise ExprEvalError(f"string too long: {len(s)} characters (limit {MAX_STRING})")
    return s


def check_list(n: int) -> int:
    if n > MAX_LIST:
        raise ExprEvalError(f"list too long: {n} elements (limit {MAX_LIST})")
    return n


def _float_text(f: float, lo: int, hi: int, json_exp: bool) -> str:
    if math.isnan(f) or math.isinf(f):
        return "NaN" if math.isnan(f) else ("+Inf" if f > 0 else "-Inf")
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 and not json_exp else "0"
    sign, digits, exp = Decimal(repr(f)).normalize().as_tuple()
    ds = "".join(map(str, digits))
    point = len(ds) + int(exp)  # position of the decimal point in ds
    x = point - 1
    prefix = "-" if sign else ""
    if x < lo or x >= hi:
        mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
        width = 1 if json_exp else 2
        return f"{prefix}{mant}e{'-' if x < 0 else '+'}{abs(x):0{width}d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{ds}"
    if point >= len(ds):
        return f"{prefix}{ds}{'0' * (point - len(ds))}"
    return f"{prefix}{ds[:point]}.{ds[point:]}"


def go_float(f: float) -> str:
    """Go's `%v` of a float64: shortest digits, exponent form outside [1e-4, 1e6)."""
    return _float_text(f, -4, 6, False)


def json_float(f: float) -> str:
    """Go's `json.Marshal` of a float64: exponent form outside [1e-6, 1e21)."""
    return _float_text(f, -6, 21, True)


def go_str(v: Any) -> str:
    """Go's `fmt.Sprintf("%v", v)` for the values expressions produce."""
    if isinstance(v, str):
        return v
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return go_float(v)
    if isinstance(v, list | tuple):
        return "[" + " ".join(go_str(e) for e in v) + "]"
    if isinstance(v, dict):
        items = sorted((str(k), go_str(val)) for k, val in v.items())
        return "map[" + " ".join(f"{k}:{val}" for k, val in items) + "]"
    return str(v)


def _normalise(v: Any) -> Any:
    """Integral floats become ints so JSON reads `2`, as Go writes a float64 2."""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e21:
        return int(v)
    if isinstance(v, list | tuple):
        return [_normalise(e) for e in v]
    if isinstance(v, dict):
        return {str(k): _normalise(e) for k, e in v.items()}
    return v


def to_json(v: Any, *, escape_html: bool = True, indent: int | None = None) -> str:
    """Go's `json.Marshal`: sorted map keys, compact, `<>&` escaped unless asked not to."""
    try:
        seps = (",", ": ") if indent else (",", ":")
        out = json.dumps(
            _normalise(v), sort_keys=True, separators=seps, ensure_ascii=False, indent=indent
        )
    except (TypeError, ValueError) as e:
        raise ExprEvalError(f"cannot convert to JSON: {e}") from None
    if escape_html:
        out = out.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return out.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def from_json(s: Any) -> Any:
    if not isinstance(s, str):
        raise ExprEvalError(f"fromJSON expects a string, got {type_name(s)}")
    try:
        return json.loads(s)
    except ValueError as e:
        raise ExprEvalError(f"invalid JSON: {e}") from None


def render(v: Any) -> str:
    """How a value is written into a `{{...}}` tag: strings as they are, numbers and
    booleans in their JSON form, lists and maps as compact JSON."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return json_float(v)
    if v is None:
        return "null"
    return to_json(v)


def truthy_empty(v: Any) -> bool:
    """Sprig's `empty`: the zero value of its type."""
    if v is None:
        return True
    if isinstance(v, bool):
        return not v
    if isinstance(v, int | float):
        return v == 0
    if isinstance(v, str | list | tuple | dict):
        return len(v) == 0
    return False


def values_equal(a: Any, b: Any) -> bool:
    """expr-lang `==`: numbers compare by value across int/float; other types must match."""
    if is_number(a) and is_number(b):
        return bool(a == b)
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(values_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b
