"""Cron schedules as times: one CronWorkflow schedule string (five cron fields, an
`@hourly`-style descriptor, `@every 5m`, optionally prefixed `CRON_TZ=Zone`) in a time
zone -> the instants it fires at.

Pure (no clock, no I/O): callers pass every instant. Part of the scheduler
(`workflow_engine.cron`), which the controller's cron loop drives.

Time zones, DST included: cron fields are matched against naive wall-clock times of
the zone (croniter never sees a zone, so it never meets a DST transition), and each
wall time is then placed in the zone with `fold=0`:
- a wall time that happens twice (autumn) fires once, at its first occurrence;
- a wall time that does not exist (spring) fires once, shifted forward by the gap
  (02:30 on a day that jumps from 02:00 to 03:00 fires at 03:30 local), and an
  instant reached by two wall times fires once.
So a daily schedule fires exactly once on every day, transition days included.
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import CroniterError, croniter

from workflow_engine.spec.zones import zone_named

_CRON_TZ = re.compile(r"^(CRON_TZ|TZ)=(\S+)\s+")
_EVERY = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
# Past this many candidates without an instant after the bound, the schedule never
# fires (e.g. "0 0 30 2 *": February 30th).
_MAX_STEPS = 64
_MAX_BACK_STEPS = 256
_SLACK = timedelta(hours=1)
_STEP = timedelta(minutes=1)


class ScheduleError(ValueError):
    """A schedule string or time zone that cannot be used."""


def _zone(name: str) -> ZoneInfo:
    zone = zone_named(name)
    if zone is None:
        raise ScheduleError(f"unknown time zone {name[:80]!r}")
    return zone


def _every(text: str) -> timedelta:
    """Go's duration syntax, as `@every` takes it: 1h30m, 90s, 5m."""
    rest, total = text.strip(), 0.0
    if not rest:
        raise ScheduleError("@every needs an interval such as 5m")
    while rest:
        match = _EVERY.match(rest)
        if not match:
            raise ScheduleError(f"bad @every interval {text.strip()!r}")
        total += float(match.group(1)) * _UNITS[match.group(2)]
        rest = rest[match.end() :]
    if total < 1:
        raise ScheduleError(f"@every interval {text.strip()!r} is shorter than a second")
    return timedelta(seconds=total)


@dataclass(frozen=True)
class Schedule:
    """One schedule string, resolved: `expression` (cron fields) or `interval`
    (`@every`), in `zone`. `anchor` is where an `@every` count starts."""

    text: str
    zone: ZoneInfo
    expression: str | None = None
    interval: timedelta | None = None

    @classmethod
    def parse(cls, text: str, timezone: str | None = None) -> Schedule:
        body = text.strip()
        zone_name = timezone or "UTC"
        prefix = _CRON_TZ.match(body)
        if prefix:
            zone_name, body = prefix.group(2), body[prefix.end() :]
        zone = _zone(zone_name)
        if body.startswith("@every"):
            return cls(text, zone, interval=_every(body.removeprefix("@every")))
        if not croniter.is_valid(body):
            raise ScheduleError(f"{text!r} is not a cron schedule")
        return cls(text, zone, expression=body)

    def next_after(self, after: datetime, anchor: datetime | None = None) -> datetime | None:
        """The first instant strictly after `after` (aware) this schedule fires at,
        in UTC; None when it never fires again."""
        if self.interval is not None:
            return _next_interval(self.interval, after, anchor or after)
        assert self.expression is not None
        wall = after.astimezone(self.zone).replace(tzinfo=None)
        try:
            candidates = _iterator(self.expression, wall)
            for _ in range(_MAX_STEPS):
                naive = candidates.get_next(datetime)
                instant = naive.replace(tzinfo=self.zone, fold=0).astimezone(UTC)
                if instant > after:
                    return instant
        except CroniterError:
            return None
        return None

    def latest_in(
        self, after: datetime, until: datetime, anchor: datetime | None = None
    ) -> datetime | None:
        """The last instant in (after, until] (None: none), found by stepping back
        from `until`, so a long downtime costs no more than a short one."""
        first = self.next_after(after, anchor)
        if first is None or first > until:
            return None  # the usual case, one step: nothing due
        if self.interval is not None:
            start = anchor or after
            if until < start:
                return None
            latest = start + ((until - start) // self.interval) * self.interval
            return latest.astimezone(UTC) if latest > after else None
        assert self.expression is not None
        # Step back from just after `until`; from an hour later when the clocks went back
        # within the last hour, where a later wall time can map to an earlier instant.
        local = until.astimezone(self.zone)
        went_back = (until - _SLACK).astimezone(self.zone).utcoffset() != local.utcoffset()
        wall = local.replace(tzinfo=None) + (_SLACK if went_back else _STEP)
        try:
            candidates = _iterator(self.expression, wall)
            for _ in range(_MAX_BACK_STEPS):
                naive = candidates.get_prev(datetime)
                instant = naive.replace(tzinfo=self.zone, fold=0).astimezone(UTC)
                if instant <= until:
                    return instant if instant > after else None
        except CroniterError:
            return None
        return None


def _next_interval(interval: timedelta, after: datetime, anchor: datetime) -> datetime:
    if after < anchor:
        return anchor.astimezone(UTC)
    steps = (after - anchor) // interval + 1
    return (anchor + steps * interval).astimezone(UTC)


@dataclass(frozen=True)
class Schedules:
    """All the schedules of one CronWorkflow: it fires when any of them does."""

    items: tuple[Schedule, ...]

    @classmethod
    def parse(cls, texts: list[str], timezone: str | None = None) -> Schedules:
        """Parsed once per distinct (schedules, zone): the cron loop plans every
        CronWorkflow every few seconds, and validating a cron expression costs about
        a millisecond."""
        return _parse_schedules(tuple(texts), timezone)

    def next_after(self, after: datetime, anchor: datetime | None = None) -> datetime | None:
        found = [s.next_after(after, anchor) for s in self.items]
        times = [t for t in found if t is not None]
        return min(times) if times else None

    def latest_in(
        self, after: datetime, until: datetime, anchor: datetime | None = None
    ) -> datetime | None:
        """The last instant in (after, until] any schedule fires at (None: none)."""
        found = [s.latest_in(after, until, anchor) for s in self.items]
        times = [t for t in found if t is not None]
        return max(times) if times else None


@functools.lru_cache(maxsize=1024)
def _parsed(expression: str) -> croniter:
    return croniter(expression, datetime(2000, 1, 1))


def _iterator(expression: str, wall: datetime) -> croniter:
    """A croniter at `wall`: a copy of one parsed once (parsing costs most of a step;
    the copy shares only the parsed fields, which croniter never changes)."""
    candidates = copy.copy(_parsed(expression))
    candidates.set_current(wall, force=True)
    return candidates


@functools.lru_cache(maxsize=1024)
def _parse_schedules(texts: tuple[str, ...], timezone: str | None) -> Schedules:
    if not texts:
        raise ScheduleError("no schedule: set spec.schedule or spec.schedules")
    return Schedules(tuple(Schedule.parse(t, timezone) for t in texts))


__all__ = ["Schedule", "ScheduleError", "Schedules"]
