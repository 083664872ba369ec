"""`wf logs` on a cluster: the pods/log API, read through the Kubernetes runtime.

Sits beside `logs.FileLogs` (the embedded log files) as the other `LogSource` that
`logs.workflow_logs` reads. The controller creates a node's pod a moment after it
records the node, so a follower may ask for a pod that does not exist yet: while its
node is not finished, `ClusterLogs` waits for the pod instead of giving up on it (as
`FileLogs` waits for a log file). A finished node whose pod is gone is NotFound (its
logs went with it; `workflow_logs` says so).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime

from workflow_engine.controller.logs import LogSource
from workflow_engine.errors import NotFound

_WAIT = 0.5  # seconds between looks for a pod not created yet


class ClusterLogs:
    """`runtime`: anything with the Runtime port's `logs` (the KubernetesRuntime);
    `finished(pod)`: true once the pod's node is fulfilled or the workflow completed."""

    def __init__(
        self,
        runtime: LogSource,
        finished: Callable[[str], bool],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._runtime = runtime
        self._finished = finished
        self._sleep = sleep

    def logs(
        self,
        name: str,
        namespace: str = "default",
        container: str = "main",
        follow: bool = False,
        timestamps: bool = False,
        since: datetime | None = None,
    ) -> Iterator[bytes]:
        while True:
            try:
                return self._runtime.logs(name, namespace, container, follow, timestamps, since)
            except NotFound:
                if not follow or self._finished(name):
                    raise
            self._sleep(_WAIT)
