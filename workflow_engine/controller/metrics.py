"""Prometheus metrics of the controller (Kubernetes mode), on an HTTP endpoint.

Sits beside `kube.py`, which makes one `ControllerMetrics` per process (its own
registry: no global one), serves it with `MetricsServer` when a port is given, and
`attach`es each controller it builds. Measured while reconciling (the loop's reconcile
hooks) or read at scrape time from what the controller already holds:

    wf_workflows{phase}                     workflows in the controller's cache, by phase
    wf_queue_depth                          workflows waiting for a worker
    wf_reconcile_duration_seconds           histogram of one reconcile's time
    wf_reconcile_errors_total{error}        reconciles that raised, by error type
                                            (TransientError: the API server or a
                                            connection failed; Conflict, NotFound...)
    wf_leader                               1 while this replica leads (or runs without
                                            an election), 0 while it waits
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from workflow_engine.controller.loop import Controller
from workflow_engine.errors import SpecError

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _StateCollector(Collector):
    """What the attached controller holds, read at each scrape."""

    def __init__(self, metrics: ControllerMetrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        controller = self.metrics.controller
        phases = GaugeMetricFamily(
            "wf_workflows", "Workflows known to the controller, by phase", labels=["phase"]
        )
        depth = GaugeMetricFamily("wf_queue_depth", "Workflows waiting for a worker")
        if controller is not None:
            tally = Tally(
                (obj.get("status") or {}).get("phase") or "Pending"
                for obj in controller.reconciler.cache.objects()
            )
            for phase, count in sorted(tally.items()):
                phases.add_metric([phase], count)
            depth.add_metric([], controller.queue.depth())
        yield phases
        yield depth
        leader = GaugeMetricFamily("wf_leader", "1 while this replica acts, 0 while it waits")
        leader.add_metric([], 1.0 if self.metrics.leading() else 0.0)
        yield leader


class ControllerMetrics:
    """The controller's metrics, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.controller: Controller | None = None
        self.leading: Callable[[], bool] = lambda: self.controller is not None
        self.reconcile_seconds = Histogram(
            "wf_reconcile_duration_seconds",
            "Time of one reconcile of one workflow",
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.reconcile_errors = Counter(
            "wf_reconcile_errors",
            "Reconciles that raised, by error type",
            ["error"],
            registry=self.registry,
        )
        self.registry.register(_StateCollector(self))

    def attach(self, controller: Controller) -> None:
        """Measure `controller` from now on (replacing any earlier one)."""
        self.controller = controller
        controller.reconcile_hooks.append(self.observe)

    def detach(self) -> None:
        self.controller = None

    def observe(self, seconds: float, failure: Exception | None) -> None:
        self.reconcile_seconds.observe(seconds)
        if failure is not None:
            self.reconcile_errors.labels(type(failure).__name__).inc()


class MetricsServer:
    """The HTTP endpoint (`/metrics`, any path) until `close()`."""

    def __init__(self, metrics: ControllerMetrics, port: int, address: str) -> None:
        try:
            self._server, self._thread = start_http_server(port, address, metrics.registry)
        except OSError as exc:
            raise SpecError("metrics-port", f"cannot serve on {address}:{port}: {exc}") from None
        self.port = int(self._server.server_port)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)


__all__ = ["BUCKETS", "ControllerMetrics", "MetricsServer"]
