"""The object rules shared by the stores (`store/_objects.py`): pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from workflow_engine.errors import SpecError
from workflow_engine.store import _objects as o


@pytest.mark.parametrize(
    ("labels", "selector", "expected"),
    [
        ({"a": "b"}, None, True),
        ({"a": "b"}, {}, True),
        ({"a": "b"}, {"a": "b"}, True),
        ({"a": "b"}, {"a": "c"}, False),
        ({"a": "b"}, {"a": None}, True),
        ({}, {"a": None}, False),
        ({"a": ""}, {"a": None}, True),
        ({"a": "b", "c": "d"}, {"a": "b", "c": "x"}, False),
    ],
    ids=["none", "empty", "equal", "different", "exists", "absent", "exists-empty", "all-must"],
)
def test_label_matching(
    labels: dict[str, str], selector: dict[str, str | None] | None, expected: bool
) -> None:
    assert o.matches(labels, selector) is expected


@pytest.mark.parametrize(
    "selector",
    [{'a"b': "c"}, {"": "x"}, {"a": 1}],
    ids=["quote-in-key", "empty-key", "non-string-value"],
)
def test_bad_selectors_are_refused(selector: dict[str, object]) -> None:
    with pytest.raises(SpecError):
        o.check_selector(selector)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 1, 2, 3, 4, 5, 999_999, tzinfo=UTC), "2026-01-02T03:04:05Z"),
        (datetime(2026, 1, 2, 3, 4, 5), "2026-01-02T03:04:05Z"),
        (
            datetime(2026, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2))),
            "2026-01-02T03:04:05Z",
        ),
    ],
    ids=["utc-drops-fraction", "naive-is-utc", "offset-converted"],
)
def test_timestamps_are_rfc3339_utc_seconds(moment: datetime, expected: str) -> None:
    assert o.timestamp(moment) == expected


@pytest.mark.parametrize("value", ["", "abc", "-1", "1.5"], ids=["empty", "word", "neg", "float"])
def test_parse_version_refuses_foreign_versions(value: str) -> None:
    with pytest.raises(ValueError, match="not a resourceVersion"):
        o.parse_version(value)
