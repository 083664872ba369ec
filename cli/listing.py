"""The rows of `wf list` as plain strings, and long listings as padded columns.

Sits under `cli.list_workflows` and `cli.format` (which draws short listings as a
rich table from the same rows). Nothing here imports rich: a listing of thousands of
workflows prints plain columns, and its cost is the per-row work below, so times are
parsed once per distinct text (a listing's timestamps repeat: second precision).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

WORKFLOW_COLUMNS = ("NAME", "STATUS", "AGE", "DURATION", "PROGRESS", "MESSAGE")


def human_duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds}s" if seconds else f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes}m" if minutes else f"{hours}h"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours}h" if hours else f"{days}d"


class _Times:
    """RFC 3339 texts -> aware datetimes, each distinct text parsed once."""

    def __init__(self) -> None:
        self._parsed: dict[str, datetime] = {}

    def __call__(self, value: str) -> datetime:
        found = self._parsed.get(value)
        if found is None:
            found = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
            self._parsed[value] = found
        return found


def workflow_rows(
    items: Iterable[dict[str, Any]], now: datetime, wide: bool = False
) -> tuple[list[str], list[list[str]]]:
    """The columns of `wf list` and each workflow's cells as plain strings (the STATUS
    cell is the phase: `cli.format.workflow_table` draws it with its symbol)."""
    columns = list(WORKFLOW_COLUMNS)
    if wide:
        columns[1:1] = ["NAMESPACE"]
        columns.append("LABELS")
    parse = _Times()
    rows = []
    for obj in items:
        meta, status = obj["metadata"], obj.get("status") or {}
        created, started = meta.get("creationTimestamp"), status.get("startedAt")
        finished = status.get("finishedAt")
        age = human_duration((now - parse(created)).total_seconds()) if created else ""
        took = (
            human_duration(
                ((parse(finished) if finished else now) - parse(started)).total_seconds()
            )
            if started
            else ""
        )
        row = [
            meta["name"],
            status.get("phase") or "Pending",
            age,
            took,
            status.get("progress") or "",
            status.get("message") or "",
        ]
        if wide:
            row.insert(1, meta.get("namespace") or "default")
            labels = meta.get("labels") or {}
            row.append(",".join(f"{k}={v}" for k, v in sorted(labels.items())))
        rows.append(row)
    return columns, rows


def plain_table(columns: list[str], rows: list[list[str]]) -> str:
    """Columns padded to their widest cell, no colour and no wrapping: what `wf list`
    prints for long listings, where laying out a rich table costs about a millisecond
    per row."""
    widths = [len(c) for c in columns]
    if rows:
        widths = [
            max(w, *map(len, cells))
            for w, cells in zip(widths, zip(*rows, strict=True), strict=True)
        ]
    last = len(columns) - 1
    # one format string per listing: each cell padded to its column, the last not at all
    pattern = "  ".join(f"{{:<{w}}}" for w in widths[:last]) + ("  {}" if last else "{}")
    return "\n".join(pattern.format(*line).rstrip() for line in [columns, *rows])
