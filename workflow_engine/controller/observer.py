"""What the controller tells an observer as it works (the metrics' port).

The reconciler calls these at the points that matter to an
operator; `NoObserver` is the default, `metrics.PrometheusObserver` the real one.
Kept free of any client library so the loop never imports one.
"""

from __future__ import annotations

from typing import Protocol


class ControllerObserver(Protocol):
    def pod_created(self) -> None: ...

    def node_completed(self, phase: str, seconds: float | None) -> None:
        """A pod or suspend node ended in `phase` after `seconds` (None: not timed)."""

    def write_conflict(self) -> None:
        """A status write met a newer version (HTTP 409): re-read and decided again."""


class NoObserver:
    def pod_created(self) -> None:
        pass

    def node_completed(self, phase: str, seconds: float | None) -> None:
        pass

    def write_conflict(self) -> None:
        pass
