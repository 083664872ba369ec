"""Dates and durations in expressions: now()/date()/duration(), methods, arithmetic, and
the way Argo (Go's %v) prints them into a `{{=...}}` tag."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from workflow_engine.expr import ExprError, substitute
from workflow_engine.expr.dates import NOW_KEY, go_duration, parse_duration
from workflow_engine.expr.golayout import RFC3339, parse

NOW = datetime(2026, 12, 7, 5, 9, 3, 120000, tzinfo=UTC)
SCOPE = {NOW_KEY: NOW, "workflow.creationTimestamp": "2026-12-07T05:00:00Z", "d": "90m"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{=now()}}", "2026-12-07 05:09:03.12 +0000 UTC"),
        ("{{=now().Year()}}-{{=now().Month()}}-{{=now().Day()}}", "2026-12-7"),
        ("{{=now().Format('2006-01-02T15:04:05Z07:00')}}", "2026-12-07T05:09:03Z"),
        ("{{=now().Format('Mon Jan _2 3:04PM .000')}}", "Mon Dec  7 5:09AM .120"),
        ("{{=now() - date(workflow.creationTimestamp)}}", "9m3.12s"),
        ("{{=(now() - date(workflow.creationTimestamp)).Seconds()}}", "543.12"),
        ("{{=now().Unix()}}", "1796620143"),
        ("{{=date('2023-08-14')}}", "2023-08-14 00:00:00 +0000 UTC"),
        ("{{=date('2023-08-14T10:11:12.5+02:00')}}", "2023-08-14 10:11:12.5 +0200 +0200"),
        ("{{=date('14/08/2023', '02/01/2006').YearDay()}}", "226"),
        (
            "{{=date('2023-08-14 00:00:00', '2006-01-02 15:04:05', 'Europe/Zurich').UTC()}}",
            "2023-08-13 22:00:00 +0000 UTC",
        ),
        ("{{=date('2023-08-14') < now()}}", "true"),
        ("{{=date('2023-08-14') == date('2023-08-14T00:00:00Z')}}", "true"),
        ("{{=now() + duration('1h30m')}}", "2026-12-07 06:39:03.12 +0000 UTC"),
        ("{{=duration(d)}}", "1h30m0s"),
        ("{{=duration(d).Hours()}}", "1.5"),
        ("{{=duration('1.5s') * 2}}", "3s"),
        ("{{=duration('1m') > duration('59s')}}", "true"),
        ("{{=[duration('300ms'), duration('0s')]}}", "[300ms 0s]"),
        (
            "{{=toJson({at: date('2023-08-14'), took: duration('1s')})}}",
            '{"at":"2023-08-14T00:00:00Z","took":1000000000}',
        ),
        ("{{=type(now())}} {{=type(duration('1s'))}}", "time.Time time.Duration"),
    ],
)
def test_dates_in_tags(text: str, expected: str) -> None:
    assert substitute(text, SCOPE) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{=now()}}", "now() is not available"),  # no NOW_KEY in this scope
        ("{{=date('yesterday')}}", "cannot parse 'yesterday'"),
        ("{{=date('2023-08-14', 5)}}", "layout must be a string"),
        ("{{=date('2023-08-14', '2006-01-02', 'Mars/Olympus')}}", "unknown time zone"),
        ("{{=duration('5 minutes')}}", "invalid duration"),
        ("{{=duration('1h') + 1}}", "invalid operation"),
        ("{{=date('2023-08-14').Fly()}}", "unknown method Fly()"),
        ("{{='x'.Year()}}", "not a date"),
    ],
)
def test_date_errors(text: str, message: str) -> None:
    scope = {k: val for k, val in SCOPE.items() if "now()" not in text or k != NOW_KEY}
    with pytest.raises(ExprError, match=re.escape(message)):
        substitute(text, scope)


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(0), "0s"),
        (timedelta(hours=1), "1h0m0s"),
        (timedelta(seconds=90), "1m30s"),
        (timedelta(milliseconds=1500), "1.5s"),
        (timedelta(microseconds=250), "250µs"),
        (timedelta(milliseconds=-20), "-20ms"),
        (timedelta(days=2, seconds=5), "48h0m5s"),
    ],
)
def test_go_duration(duration: timedelta, text: str) -> None:
    assert go_duration(duration) == text
    assert parse_duration(text) == duration


def test_rfc3339_takes_fractions_and_offsets() -> None:
    parsed = parse(RFC3339, "2023-08-14T10:11:12.123456789-03:30", UTC)
    assert parsed is not None
    assert parsed.utcoffset() == -timedelta(hours=3, minutes=30)
    assert parsed.microsecond == 123456
    assert parse(RFC3339, "2023-08-14", UTC) is None
