"""Time zone names as users write them (`timezone:` of a CronWorkflow, `date(..., zone)`).

`zoneinfo` turns a name's path components into package imports when it looks for
the tz database, so a name thousands of characters long recurses until Python's
limit: names are bounded and shaped like IANA names before `ZoneInfo` sees them.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# IANA names: at most three `/`-separated parts of letters, digits, `_`, `+`, `-`
_NAME = re.compile(r"[A-Za-z0-9_+\-]{1,64}(?:/[A-Za-z0-9_+\-]{1,64}){0,3}")


def zone_named(name: str) -> ZoneInfo | None:
    """The zone called `name`, or None when there is no such zone."""
    if not _NAME.fullmatch(name):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, RecursionError):
        return None
