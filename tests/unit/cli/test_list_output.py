"""`wf list` over many workflows prints plain padded columns. Real: the formatting
functions of `cli.format` over workflow summaries as the store returns them."""

from __future__ import annotations

from datetime import UTC, datetime

from cli.format import plain_table, workflow_rows


def test_a_long_listing_prints_plain_columns() -> None:
    now = datetime(2026, 1, 1, 0, 1, tzinfo=UTC)
    items = [
        {
            "metadata": {"name": f"w-{i}", "creationTimestamp": "2026-01-01T00:00:00Z"},
            "status": {"phase": "Succeeded", "progress": "1/1"},
        }
        for i in range(12)
    ]
    lines = plain_table(*workflow_rows(items, now)).splitlines()
    assert lines[0].split() == ["NAME", "STATUS", "AGE", "DURATION", "PROGRESS", "MESSAGE"]
    assert lines[1].split() == ["w-0", "Succeeded", "1m", "1/1"]
    assert len(lines) == 13
    assert len({line.index("Succeeded") for line in lines[1:]}) == 1  # one column
