"""Durations as Argo writes them: a number of seconds or a Go duration ("1m30s"),
and the humanized form Argo prints in messages ("1 minute 30 seconds")."""

from __future__ import annotations

import re

from workflow_engine.errors import WorkflowEngineError

_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)")


class BadDuration(WorkflowEngineError):
    pass


def parse_duration(text: str | int | float) -> float:
    """Seconds in `text`: "30" (seconds), "30s", "1m30s", "2h", "1d"."""
    if isinstance(text, int | float):
        return float(text)
    value = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    pos, total = 0, 0.0
    for match in _PART.finditer(value):
        if match.start() != pos:
            raise BadDuration(f"invalid duration {text!r}")
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(value) or not value:
        raise BadDuration(f"invalid duration {text!r}")
    return total


def humanize(seconds: float) -> str:
    """Like the durafmt text Argo prints: "2 seconds", "1 minute 30 seconds"."""
    whole = round(seconds)
    parts = []
    for name, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, whole = divmod(whole, size)
        if count:
            parts.append(f"{count} {name}{'' if count == 1 else 's'}")
    return " ".join(parts) or "0 seconds"
