"""Go time layouts (`Mon Jan 2 15:04:05 MST 2006`) for expression dates: parse and format.

Part of the expression evaluator (`workflow_engine.expr`, used by `dates`): a layout is
split into Go's reference-time tokens the way Go's `nextStdChunk` does, then turned into
a regular expression (parse) or filled from a `datetime` (format). Pure.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

RFC3339 = "2006-01-02T15:04:05Z07:00"

_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
# Tokens by their first character, longest first (as Go tries them).
_TOKENS = {
    "J": ("January", "Jan"),
    "M": ("Monday", "Mon", "MST"),
    "0": ("002", "01", "02", "03", "04", "05", "06"),
    "1": ("15", "1"),
    "2": ("2006", "2"),
    "_": ("__2", "_2"),
    "3": ("3",),
    "4": ("4",),
    "5": ("5",),
    "P": ("PM",),
    "p": ("pm",),
    "-": ("-07:00:00", "-070000", "-07:00", "-0700", "-07"),
    "Z": ("Z07:00:00", "Z070000", "Z07:00", "Z0700", "Z07"),
}
_FRACTION = re.compile(r"[.,](0+|9+)(?!\d)")
_PATTERNS = {
    "January": r"(?P<month_name>[A-Za-z]+)",
    "Jan": r"(?P<month_abbr>[A-Za-z]{3})",
    "Monday": r"[A-Za-z]+",
    "Mon": r"[A-Za-z]{3}",
    "MST": r"(?P<zone_name>[A-Z]{3,5}|[+-]\d{4})",
    "002": r"(?P<yday>\d{3})",
    "01": r"(?P<month>\d{2})",
    "1": r"(?P<month>\d{1,2})",
    "02": r"(?P<day>\d{2})",
    "2": r"(?P<day>\d{1,2})",
    "_2": r" ?(?P<day>\d{1,2})",
    "__2": r" {0,2}(?P<yday>\d{1,3})",
    "15": r"(?P<hour>\d{1,2})",
    "03": r"(?P<hour12>\d{2})",
    "3": r"(?P<hour12>\d{1,2})",
    "04": r"(?P<minute>\d{2})",
    "4": r"(?P<minute>\d{1,2})",
    "05": r"(?P<second>\d{2})",
    "5": r"(?P<second>\d{1,2})",
    "2006": r"(?P<year>\d{4})",
    "06": r"(?P<year2>\d{2})",
    "PM": r"(?P<ampm>AM|PM)",
    "pm": r"(?P<ampm>am|pm)",
}


def tokens(layout: str) -> list[tuple[bool, str]]:
    """The layout as (is_token, text) chunks."""
    out: list[tuple[bool, str]] = []
    i = 0
    while i < len(layout):
        frac = _FRACTION.match(layout, i)
        if frac:
            out.append((True, frac.group(0)))
            i = frac.end()
            continue
        for token in _TOKENS.get(layout[i], ()):
            if layout.startswith(token, i):
                out.append((True, token))
                i += len(token)
                break
        else:
            out.append((False, layout[i]))
            i += 1
    return out


@functools.lru_cache(maxsize=64)
def _regex(layout: str) -> re.Pattern[str]:
    parts: list[str] = []
    seen: set[str] = set()
    chunks = tokens(layout)
    for index, (is_token, text) in enumerate(chunks):
        if not is_token:
            parts.append(re.escape(text))
            continue
        if text[0] in ".,":
            if "frac" not in seen:
                seen.add("frac")
                parts.append(r"(?:[.,](?P<frac>\d+))" + ("?" if text[1] == "9" else ""))
            continue
        if text[0] in "-Z":
            pattern = r"(?P<offset>Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)"
        else:
            pattern = _PATTERNS[text]
        group = re.search(r"\?P<(\w+)>", pattern)
        if group and group.group(1) in seen:  # a repeated field: match, do not capture
            pattern = re.sub(r"\?P<\w+>", "?:", pattern)
        elif group:
            seen.add(group.group(1))
        parts.append(pattern)
        after = chunks[index + 1][1][:1] if index + 1 < len(chunks) else ""
        if text in ("05", "5") and after not in (".", ",") and "frac" not in seen:
            seen.add("frac")  # Go reads a fraction after the seconds the layout lacks
            parts.append(r"(?:[.,](?P<frac>\d+))?")
    return re.compile("".join(parts) + r"\Z")


def parse(layout: str, text: str, zone: tzinfo) -> datetime | None:
    """`text` read with Go `layout` (None when it does not match); without a zone in
    the text, the time is in `zone`."""
    match = _regex(layout).match(text)
    if match is None:
        return None
    g = {k: v for k, v in match.groupdict().items() if v is not None}
    try:
        year = int(g["year"]) if "year" in g else (1900 + int(g["year2"]) if "year2" in g else 0)
        if "year2" in g and int(g["year2"]) < 69:
            year += 100
        month = _month(g)
        hour = int(g.get("hour", 0))
        if "hour12" in g:
            hour = int(g["hour12"]) % 12 + (12 if g.get("ampm", "").upper() == "PM" else 0)
        micro = int((g.get("frac", "") + "000000")[:6])
        when = datetime(
            max(year, 1),
            month,
            int(g.get("day", 1)),
            hour,
            int(g.get("minute", 0)),
            int(g.get("second", 0)),
            micro,
            tzinfo=_offset_zone(g["offset"]) if "offset" in g else zone,
        )
    except (ValueError, KeyError):
        return None
    if "yday" in g:
        when = when.replace(month=1, day=1) + timedelta(days=int(g["yday"]) - 1)
    return when


def _month(g: dict[str, str]) -> int:
    if "month" in g:
        return int(g["month"])
    for key, width in (("month_name", 0), ("month_abbr", 3)):
        if key in g:
            names = [m[:width] if width else m for m in _MONTHS]
            return names.index(g[key].capitalize()) + 1
    return 1


def _offset_zone(text: str) -> tzinfo:
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "").ljust(6, "0")
    seconds = int(digits[:2]) * 3600 + int(digits[2:4]) * 60 + int(digits[4:6])
    return UTC if seconds == 0 else timezone(timedelta(seconds=sign * seconds))


def format(t: datetime, layout: str) -> str:
    """`t` written with Go `layout`."""
    return "".join(_chunk(t, text) if is_token else text for is_token, text in tokens(layout))


def _offset_text(t: datetime, token: str) -> str:
    offset = t.utcoffset() or timedelta(0)
    if token.startswith("Z") and not offset:
        return "Z"
    total = int(offset.total_seconds())
    sign = "-" if total < 0 else "+"
    h, rem = divmod(abs(total), 3600)
    m, s = divmod(rem, 60)
    colon = ":" in token
    out = f"{sign}{h:02d}"
    if token.lstrip("Z-") != "07":
        out += (":" if colon else "") + f"{m:02d}"
    if token.lstrip("Z-") in ("07:00:00", "070000"):
        out += (":" if colon else "") + f"{s:02d}"
    return out


def zone_name(t: datetime) -> str:
    """Go's `MST`: the zone's abbreviation, or its offset (`+0200`) for a fixed zone."""
    if t.tzinfo is None or t.tzinfo is UTC:
        return "UTC"
    if isinstance(t.tzinfo, timezone):
        return _offset_text(t, "-0700")
    return t.tzname() or _offset_text(t, "-0700")


def _chunk(t: datetime, token: str) -> str:
    if token[0] in ".,":
        digits = f"{t.microsecond:06d}000"[: len(token) - 1]
        if token[1] == "9":
            digits = digits.rstrip("0")
            return token[0] + digits if digits else ""
        return token[0] + digits
    if token[0] in "-Z":
        return _offset_text(t, token)
    hour12 = t.hour % 12 or 12
    simple = {
        "January": _MONTHS[t.month - 1],
        "Jan": _MONTHS[t.month - 1][:3],
        "Monday": _DAYS[t.weekday()],
        "Mon": _DAYS[t.weekday()][:3],
        "MST": zone_name(t),
        "002": f"{t.timetuple().tm_yday:03d}",
        "__2": f"{t.timetuple().tm_yday:>3d}",
        "01": f"{t.month:02d}",
        "1": str(t.month),
        "02": f"{t.day:02d}",
        "2": str(t.day),
        "_2": f"{t.day:>2d}",
        "15": f"{t.hour:02d}",
        "03": f"{hour12:02d}",
        "3": str(hour12),
        "04": f"{t.minute:02d}",
        "4": str(t.minute),
        "05": f"{t.second:02d}",
        "5": str(t.second),
        "2006": f"{t.year:04d}",
        "06": f"{t.year % 100:02d}",
        "PM": "PM" if t.hour >= 12 else "AM",
        "pm": "pm" if t.hour >= 12 else "am",
    }
    return simple[token]
