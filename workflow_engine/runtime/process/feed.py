"""Incremental observation of the process runtime's pods for one consumer.

Part of the process runtime: `ProcessRuntime.pod_feed()` hands one to a consumer (the
controller's pod sync) so that a wake-up costs the pods that may have changed, not a
list of every pod (`observe()`). A pod stays "unsettled" from its creation until its
record is final (`PodRecord.final`: it no longer changes) and that final observation
was taken once; only unsettled pods are observed again. The table calls `added` and
`removed` with the runtime's lock held.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from workflow_engine.runtime.base import PodChanges
from workflow_engine.runtime.process.records import PodRecord


class ProcessPodFeed:
    def __init__(self, lock: threading.Lock, pods: Iterable[PodRecord]) -> None:
        self._lock = lock
        self._unsettled: dict[tuple[str, str], PodRecord] = {p.key: p for p in pods}
        self._gone: set[tuple[str, str]] = set()

    def added(self, pod: PodRecord) -> None:
        self._unsettled[pod.key] = pod

    def removed(self, pod: PodRecord) -> None:
        if self._unsettled.get(pod.key) is pod:
            del self._unsettled[pod.key]
        self._gone.add(pod.key)

    def take(self) -> PodChanges:
        with self._lock:
            changed = []
            settled = []
            for key, pod in self._unsettled.items():
                changed.append(pod.observation())
                if pod.final is not None:
                    settled.append(key)
            for key in settled:
                del self._unsettled[key]
            gone, self._gone = self._gone, set()
        return PodChanges(changed, gone)
