"""Dates and durations in expressions: expr-lang's `now()`, `date()` and `duration()`,
their methods (`.Year()`, `.Format(layout)`, `.Hours()`...) and Go's way of printing them.

Part of the expression evaluator (`workflow_engine.expr`), pure like the rest of it:
`now()` reads the instant its caller put in the env under `NOW_KEY` (the engine passes
operate()'s `now`), never a clock. Dates are timezone-aware `datetime`s (UTC unless a
zone was given), durations `timedelta`s; layouts are Go's (`2006-01-02 15:04:05`,
see `golayout`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

from workflow_engine.expr import golayout
from workflow_engine.expr.context import Ctx
from workflow_engine.expr.errors import ExprEvalError, quoted
from workflow_engine.spec.zones import zone_named

NOW_KEY = "__now__"  # the env key holding the evaluation's `now()` (no dots: one root)

_UNITS_US = {
    "ns": 0.001,
    "us": 1.0,
    "µs": 1.0,
    "μs": 1.0,
    "ms": 1e3,
    "s": 1e6,
    "m": 6e7,
    "h": 3.6e9,
}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
# expr-lang's date() tries these layouts when none is given
_DEFAULT_LAYOUTS = (
    golayout.RFC3339,
    "2006-01-02 15:04:05",
    "2006-01-02",
    "15:04:05",
    "02 Jan 06 15:04 MST",  # RFC822
    "Monday, 02-Jan-06 15:04:05 MST",  # RFC850
    "Mon, 02 Jan 2006 15:04:05 MST",  # RFC1123
)


def parse_duration(text: Any) -> timedelta:
    """Go's time.ParseDuration (`1h30m`, `-1.5s`, `300ms`)."""
    if not isinstance(text, str):
        raise ExprEvalError(f"duration() expects a string, got {type(text).__name__}")
    sign, body = (-1, text[1:]) if text.startswith("-") else (1, text.removeprefix("+"))
    if body == "0":
        return timedelta(0)
    pos, micros = 0, 0.0
    while pos < len(body):
        match = _PART.match(body, pos)
        if match is None:
            break
        micros += float(match.group(1)) * _UNITS_US[match.group(2)]
        pos = match.end()
    if not body or pos != len(body):
        raise ExprEvalError(f"time: invalid duration {quoted(text)}")
    return sign * timedelta(microseconds=round(micros))


def _zone(name: Any) -> tzinfo:
    if not isinstance(name, str):
        raise ExprEvalError("date(): the timezone must be a string")
    if name in ("", "UTC"):
        return UTC
    zone = zone_named(name)
    if zone is None:
        raise ExprEvalError(f"date(): unknown time zone {name[:80]!r}")
    return zone


def _now(ctx: Ctx) -> datetime:
    value = ctx.env.get(NOW_KEY) if isinstance(ctx.env, Mapping) else None
    if not isinstance(value, datetime):
        raise ExprEvalError("now() is not available here: no clock is given to this evaluation")
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _date(ctx: Ctx, text: Any, layout: Any = None, zone: Any = None) -> datetime:
    if isinstance(text, datetime):
        return text
    if not isinstance(text, str):
        raise ExprEvalError(f"date() expects a string, got {type(text).__name__}")
    where = _zone(zone) if zone is not None else UTC
    if layout is not None and not isinstance(layout, str):
        raise ExprEvalError("date(): the layout must be a string")
    for candidate in (layout,) if layout is not None else _DEFAULT_LAYOUTS:
        parsed = golayout.parse(candidate, text, where)
        if parsed is not None:
            return parsed
    raise ExprEvalError(
        f"date(): cannot parse {quoted(text)}" + (f" as {layout!r}" if layout else "")
    )


def _duration(ctx: Ctx, text: Any) -> timedelta:
    return text if isinstance(text, timedelta) else parse_duration(text)


BUILTINS: dict[str, Callable[..., Any]] = {"now": _now, "date": _date, "duration": _duration}


def go_duration(d: timedelta) -> str:
    """Go's Duration.String(): `1h0m0s`, `1m30s`, `1.5s`, `300ms`, `0s`."""
    micros = d // timedelta(microseconds=1)
    sign, micros = ("-", -micros) if micros < 0 else ("", micros)
    if micros == 0:
        return "0s"
    if micros < 1_000_000:
        unit, scale = ("µs", 1) if micros < 1000 else ("ms", 1000)
        return sign + _decimal(micros, scale) + unit
    out = _decimal(micros % 60_000_000, 1_000_000) + "s"
    minutes = micros // 60_000_000
    if minutes:
        out = f"{minutes % 60}m{out}"
        if minutes >= 60:
            out = f"{minutes // 60}h{out}"
    return sign + out


def _decimal(value: int, scale: int) -> str:
    whole, frac = divmod(value, scale)
    digits = str(frac).rjust(len(str(scale)) - 1, "0").rstrip("0") if scale > 1 else ""
    return f"{whole}.{digits}" if digits else str(whole)


def go_time(t: datetime) -> str:
    """Go's Time.String(): `2006-01-02 15:04:05.999999999 -0700 MST`."""
    return golayout.format(t, "2006-01-02 15:04:05.999999999 -0700 MST")


def arith(op: str, a: Any, b: Any) -> Any:
    """`+`/`-` on dates and durations, `*` of a duration by an int; NotImplemented else."""
    ta, tb = isinstance(a, datetime), isinstance(b, datetime)
    da, db = isinstance(a, timedelta), isinstance(b, timedelta)
    if op == "-" and ((ta and (tb or db)) or (da and db)):
        return a - b
    if op == "+" and ((ta and db) or (da and (tb or db))):
        return a + b
    if op == "*" and (da or db) and isinstance(b if da else a, int):
        return a * b
    return NotImplemented


def comparable(a: Any, b: Any) -> bool:
    return (isinstance(a, datetime) and isinstance(b, datetime)) or (
        isinstance(a, timedelta) and isinstance(b, timedelta)
    )


def _weekday(t: datetime) -> str:
    return t.strftime("%A")


_TIME_METHODS: dict[str, Callable[..., Any]] = {
    "Year": lambda t: t.year,
    "Month": lambda t: t.month,
    "Day": lambda t: t.day,
    "Hour": lambda t: t.hour,
    "Minute": lambda t: t.minute,
    "Second": lambda t: t.second,
    "Nanosecond": lambda t: t.microsecond * 1000,
    "YearDay": lambda t: t.timetuple().tm_yday,
    "Weekday": _weekday,
    "Unix": lambda t: int(t.timestamp() // 1),
    "UnixMilli": lambda t: (t - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1),
    "UTC": lambda t: t.astimezone(UTC),
    "Format": lambda t, layout: golayout.format(t, _layout(layout)),
    "Sub": lambda t, u: t - _time_arg("Sub", u),
    "Add": lambda t, d: t + _duration_arg("Add", d),
    "Before": lambda t, u: t < _time_arg("Before", u),
    "After": lambda t, u: t > _time_arg("After", u),
    "Equal": lambda t, u: t == _time_arg("Equal", u),
    "IsZero": lambda t: False,
    "String": go_time,
    "In": lambda t, zone: t.astimezone(_zone(zone)),
}
_DURATION_METHODS: dict[str, Callable[..., Any]] = {
    "Hours": lambda d: d / timedelta(hours=1),
    "Minutes": lambda d: d / timedelta(minutes=1),
    "Seconds": lambda d: d / timedelta(seconds=1),
    "Milliseconds": lambda d: d // timedelta(milliseconds=1),
    "Microseconds": lambda d: d // timedelta(microseconds=1),
    "Nanoseconds": lambda d: (d // timedelta(microseconds=1)) * 1000,
    "String": go_duration,
    "Abs": abs,
}


def _layout(layout: Any) -> str:
    if not isinstance(layout, str):
        raise ExprEvalError("Format(): the layout must be a string")
    return layout


def _time_arg(method: str, value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise ExprEvalError(f"{method}(): expects a date")
    return value


def _duration_arg(method: str, value: Any) -> timedelta:
    if not isinstance(value, timedelta):
        raise ExprEvalError(f"{method}(): expects a duration")
    return value


def call_method(obj: Any, name: str, args: list[Any]) -> Any:
    """`date.Year()`, `duration.Hours()`...: the methods expr-lang reaches on Go values."""
    table = (
        _TIME_METHODS
        if isinstance(obj, datetime)
        else _DURATION_METHODS
        if isinstance(obj, timedelta)
        else None
    )
    if table is None:
        raise ExprEvalError(f"cannot call method {name}() on a value that is not a date")
    method = table.get(name)
    if method is None:
        raise ExprEvalError(f"unknown method {name}() of {type_of(obj)}")
    try:
        return method(obj, *args)
    except TypeError:
        raise ExprEvalError(f"{name}(): wrong number of arguments") from None


def type_of(obj: Any) -> str:
    return "time.Time" if isinstance(obj, datetime) else "time.Duration"


def fixed_zone(offset_seconds: int) -> tzinfo:
    return UTC if offset_seconds == 0 else timezone(timedelta(seconds=offset_seconds))
