"""Time zone names are bounded before zoneinfo sees them (found by the submit fuzzer:
a repeated `Europe/Paris...` name recursed through zoneinfo's package imports)."""

from __future__ import annotations

import pytest

from workflow_engine.spec.zones import zone_named


@pytest.mark.parametrize(
    "name", ["Europe/Paris", "UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+5"]
)
def test_real_zones_are_found(name: str) -> None:
    zone = zone_named(name)
    assert zone is not None and zone.key == name


@pytest.mark.parametrize(
    "name",
    ["Europe/Paris" * 2000, "Europe/" * 500 + "Paris", "", "../etc/passwd", "Nowhere/Atlantis"],
    ids=["very-long", "very-deep", "empty", "path", "unknown"],
)
def test_other_names_are_no_zone(name: str) -> None:
    assert zone_named(name) is None
