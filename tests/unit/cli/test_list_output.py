"""`wf list` over many workflows prints plain padded columns. Real: the formatting
functions of `cli.format` over workflow summaries as the store returns them."""

from __future__ import annotations

from datetime import UTC, datetime

from cli.listing import plain_table, workflow_rows


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


def test_plain_columns_pad_every_cell_but_the_last() -> None:
    now = datetime(2026, 1, 2, 1, 0, 5, tzinfo=UTC)
    items = [
        {
            "metadata": {
                "name": "a-long-name",
                "namespace": "team",
                "creationTimestamp": "2026-01-01T00:00:00Z",
                "labels": {"b": "2", "a": "1"},
            },
            "status": {
                "phase": "Failed",
                "startedAt": "2026-01-01T00:00:00Z",
                "finishedAt": "2026-01-01T01:01:01Z",
                "message": "exit 1",
            },
        },
        {"metadata": {"name": "b", "creationTimestamp": "2026-01-02T01:00:00Z"}},
    ]
    columns, rows = workflow_rows(items, now, wide=True)
    assert rows == [
        ["a-long-name", "team", "Failed", "1d1h", "1h1m", "", "exit 1", "a=1,b=2"],
        ["b", "default", "Pending", "5s", "", "", "", ""],
    ]
    lines = plain_table(columns, rows).splitlines()
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]
    expected = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in [columns, *rows]
    ]
    assert lines == expected
