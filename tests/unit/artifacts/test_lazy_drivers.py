"""`default_drivers` builds each kind's driver on its first lookup, once. Real drivers
(the local one on a tmp directory); what is counted is which kinds were built."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from workflow_engine.artifacts import default_drivers, driver_for, parse_repository
from workflow_engine.artifacts.lazy_drivers import LazyDrivers
from workflow_engine.artifacts.local import KeyOnlyS3ToLocal
from workflow_engine.spec.artifacts import Artifact


def test_listing_and_membership_build_nothing(tmp_path: Path) -> None:
    drivers = default_drivers(parse_repository(f'{{"local": {{"path": "{tmp_path}"}}}}'))
    assert isinstance(drivers, LazyDrivers)
    assert sorted(drivers) == ["git", "http", "local", "raw", "s3"] and len(drivers) == 5
    assert "s3" in drivers and "nfs" not in drivers
    assert drivers.built() == frozenset()


def test_a_lookup_builds_that_kind_once(tmp_path: Path) -> None:
    drivers = default_drivers(parse_repository(f'{{"local": {{"path": "{tmp_path}"}}}}'))
    first = driver_for(drivers, Artifact.model_validate({"name": "a", "s3": {"key": "k"}}))
    assert drivers.built() == {"s3"}
    assert drivers["s3"] is first
    # a key-only s3 location with the local repository is an object of the local one
    assert isinstance(drivers["s3"]._inner, KeyOnlyS3ToLocal)
    assert drivers.get("nfs") is None
    with pytest.raises(KeyError):
        drivers["nfs"]


def test_concurrent_first_lookups_build_one_driver() -> None:
    calls: list[int] = []
    gate = threading.Barrier(8)

    def build() -> object:
        calls.append(1)
        return object()

    drivers = LazyDrivers({"raw": build})  # type: ignore[dict-item]
    seen: list[object] = []

    def look() -> None:
        gate.wait()
        seen.append(drivers["raw"])

    threads = [threading.Thread(target=look) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len({id(d) for d in seen}) == 1
