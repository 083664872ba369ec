"""Schedules as instants: cron fields, descriptors, @every, CRON_TZ, and time zones
across DST transitions (pure; no clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workflow_engine.cron import Schedule, ScheduleError, Schedules


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "zone", "after", "expected"),
    [
        ("*/5 * * * *", None, utc(2025, 1, 1, 10, 2), utc(2025, 1, 1, 10, 5)),
        ("*/5 * * * *", None, utc(2025, 1, 1, 10, 5), utc(2025, 1, 1, 10, 10)),
        ("@hourly", None, utc(2025, 1, 1, 10, 0, 1), utc(2025, 1, 1, 11)),
        ("0 2 * * *", "Europe/Paris", utc(2025, 1, 1), utc(2025, 1, 1, 1)),
        ("CRON_TZ=Asia/Tokyo 0 9 * * *", None, utc(2024, 12, 31, 12), utc(2025, 1, 1, 0)),
        ("CRON_TZ=Asia/Tokyo 0 9 * * *", "Europe/Paris", utc(2024, 12, 31, 9), utc(2025, 1, 1)),
    ],
    ids=["step", "strictly-after", "descriptor", "timezone", "cron-tz", "cron-tz-wins"],
)
def test_next_after(text: str, zone: str | None, after: datetime, expected: datetime) -> None:
    assert Schedule.parse(text, zone).next_after(after) == expected


def _daily(text: str, zone: str, start: datetime, days: int) -> list[datetime]:
    schedule, out, at = Schedule.parse(text, zone), [], start
    while True:
        nxt = schedule.next_after(at)
        assert nxt is not None
        if nxt > start + timedelta(days=days):
            return out
        out.append(nxt)
        at = nxt


# New York: 2025-03-09 02:00 EST -> 03:00 EDT; 2025-11-02 02:00 EDT -> 01:00 EST.
@pytest.mark.parametrize(
    ("text", "start", "expected_utc"),
    [
        (
            "30 2 * * *",
            utc(2025, 3, 8),
            [utc(2025, 3, 8, 7, 30), utc(2025, 3, 9, 7, 30), utc(2025, 3, 10, 6, 30)],
        ),
        (
            "30 1 * * *",
            utc(2025, 11, 1),
            [utc(2025, 11, 1, 5, 30), utc(2025, 11, 2, 5, 30), utc(2025, 11, 3, 6, 30)],
        ),
        (
            "0 9 * * *",
            utc(2025, 3, 8),
            [utc(2025, 3, 8, 14), utc(2025, 3, 9, 13), utc(2025, 3, 10, 13)],
        ),
    ],
    ids=["spring-gap-shifted-once", "autumn-repeat-once", "offset-follows-dst"],
)
def test_daily_schedule_fires_once_a_day_across_dst(
    text: str, start: datetime, expected_utc: list[datetime]
) -> None:
    assert _daily(text, "America/New_York", start, 3) == expected_utc


def test_hourly_across_spring_gap_has_no_duplicate_instant() -> None:
    schedule = Schedule.parse("0 * * * *", "America/New_York")
    at, seen = utc(2025, 3, 9, 5), []
    for _ in range(4):
        at = schedule.next_after(at)
        seen.append(at)
    # 01:00 EST, 03:00 EDT (02:00 does not exist), 04:00 EDT, 05:00 EDT
    assert seen == [utc(2025, 3, 9, 6), utc(2025, 3, 9, 7), utc(2025, 3, 9, 8), utc(2025, 3, 9, 9)]


@pytest.mark.parametrize(
    ("after", "until", "expected"),
    [
        (utc(2025, 1, 1), utc(2025, 1, 1, 0, 4), None),
        (utc(2025, 1, 1), utc(2025, 1, 1, 0, 5), utc(2025, 1, 1, 0, 5)),
        (utc(2025, 1, 1), utc(2025, 1, 1, 0, 17), utc(2025, 1, 1, 0, 15)),
        (utc(2025, 1, 1), utc(2026, 6, 1, 0, 3), utc(2026, 6, 1, 0, 0)),
    ],
    ids=["none-due", "exactly-due", "latest-of-several", "after-long-downtime"],
)
def test_latest_in(after: datetime, until: datetime, expected: datetime | None) -> None:
    assert Schedules.parse(["*/5 * * * *"]).latest_in(after, until) == expected


def test_latest_of_several_schedules() -> None:
    schedules = Schedules.parse(["0 * * * *", "30 * * * *"])
    assert schedules.latest_in(utc(2025, 1, 1), utc(2025, 1, 1, 2, 45)) == utc(2025, 1, 1, 2, 30)
    assert schedules.next_after(utc(2025, 1, 1, 2, 45)) == utc(2025, 1, 1, 3)


def test_every_counts_from_its_anchor() -> None:
    anchor = utc(2025, 1, 1, 0, 0, 7)
    schedule = Schedule.parse("@every 90s")
    assert schedule.next_after(utc(2025, 1, 1, 0, 1), anchor) == utc(2025, 1, 1, 0, 1, 37)
    assert schedule.latest_in(anchor, utc(2025, 1, 1, 0, 5), anchor) == utc(2025, 1, 1, 0, 4, 37)


def test_never_firing_schedule_gives_none() -> None:
    assert Schedule.parse("0 0 30 2 *").next_after(utc(2025, 1, 1)) is None


@pytest.mark.parametrize(
    ("texts", "zone", "message"),
    [
        (["61 * * * *"], None, "is not a cron schedule"),
        (["0 * * * *"], "Mars/Base", "unknown time zone 'Mars/Base'"),
        (["CRON_TZ=Nowhere 0 * * * *"], None, "unknown time zone 'Nowhere'"),
        (["@every soon"], None, "bad @every interval"),
        ([], None, "no schedule"),
    ],
    ids=["bad-field", "bad-zone", "bad-cron-tz", "bad-every", "none"],
)
def test_bad_schedules(texts: list[str], zone: str | None, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        Schedules.parse(texts, zone)


def test_latest_in_during_the_repeated_autumn_hour() -> None:
    # 2025-11-02 in New York: 01:30 EDT is 05:30 UTC; at 06:10 UTC (01:10 EST, the
    # second 01:10) the wall clock reads earlier than 01:30, yet 01:30 EDT has passed.
    schedule = Schedule.parse("30 1 * * *", "America/New_York")
    assert schedule.latest_in(utc(2025, 11, 1, 12), utc(2025, 11, 2, 6, 10)) == utc(
        2025, 11, 2, 5, 30
    )
    assert schedule.latest_in(utc(2025, 11, 2, 5, 30), utc(2025, 11, 2, 6, 40)) is None
