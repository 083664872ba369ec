"""A `Drivers` mapping that builds each driver on its first lookup.

`default_drivers` offers every location kind a pod may meet, but most pods fetch and
save nothing, or only through one kind: building a driver imports its library (the s3
driver brings minio and urllib3), so each kind's driver is made, and its module
imported, only when an artifact of that kind asks for it. The keys are known up front,
so `sorted(drivers)` and `kind in drivers` never build anything.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping

from workflow_engine.artifacts.base import RetryingDriver


class LazyDrivers(Mapping[str, RetryingDriver]):
    def __init__(self, factories: Mapping[str, Callable[[], RetryingDriver]]) -> None:
        self._factories = dict(factories)
        self._built: dict[str, RetryingDriver] = {}
        self._lock = threading.Lock()

    def __getitem__(self, kind: str) -> RetryingDriver:
        driver = self._built.get(kind)
        if driver is not None:
            return driver
        factory = self._factories[kind]  # KeyError for an unknown kind, as a dict
        with self._lock:
            if kind not in self._built:
                self._built[kind] = factory()
            return self._built[kind]

    def __contains__(self, kind: object) -> bool:
        return kind in self._factories  # Mapping's default would build the driver

    def __iter__(self) -> Iterator[str]:
        return iter(self._factories)

    def __len__(self) -> int:
        return len(self._factories)

    def built(self) -> frozenset[str]:
        """The kinds whose driver exists so far."""
        return frozenset(self._built)
