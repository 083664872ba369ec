"""Prometheus metrics of the controller, on an HTTP endpoint (`/metrics`).

One `ControllerMetrics` per process (its own registry: two controllers in one process,
as tests run them, share nothing), served by `MetricsServer` when a port is given, and
`attach`ed to each controller the process builds: Kubernetes mode (`kube.py`, where a
standby replica serves too) and embedded mode (`serve_controller`). Measured while
reconciling (the loop's reconcile hooks, the reconciler's `ControllerObserver` calls)
or read at scrape time from what the controller already holds:

    wf_workflows{phase}                     workflows in the controller's cache, by phase
    wf_queue_depth                          workflows waiting for a worker
    wf_reconcile_duration_seconds           histogram of one reconcile's time
    wf_reconcile_errors_total{error}        reconciles that raised, by error type
                                            (TransientError: the API server or a
                                            connection failed; Conflict, NotFound...)
    wf_status_write_conflicts_total         status writes that met a newer version (409),
                                            decided again
    wf_pods_created_total                   pods created
    wf_node_duration_seconds{phase}         histogram of pod and suspend nodes, at their end
    wf_kube_api_errors_total{verb,resource,code}
                                            Kubernetes API requests that failed, by
                                            verb, resource and HTTP code ("none": no
                                            answer), in Kubernetes mode (api_metrics.py)
    wf_leader                               1 while this replica leads (or runs without
                                            an election), 0 while it waits
    argo_workflows_*                        the templates' and workflows' own `metrics`
                                            (custom_metrics.py), as Argo's controller
                                            serves them
"""

from __future__ import annotations

import logging
from collections import Counter as Tally
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from workflow_engine.controller.loop import Controller
from workflow_engine.controller.observer import NoObserver
from workflow_engine.errors import SpecError

log = logging.getLogger(__name__)

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
NODE_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 4 * 3600.0)


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
        if controller is not None:  # the workflows' custom metrics, from their registry
            yield from controller.reconciler.metrics.collect()


class ControllerMetrics:
    """The controller's metrics, in a registry of their own; the reconciler's
    `ControllerObserver` while attached."""

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
        self.conflicts = Counter(
            "wf_status_write_conflicts",
            "Status writes that met a newer version of the workflow, decided again",
            registry=self.registry,
        )
        self.pods_created = Counter("wf_pods_created", "Pods created", registry=self.registry)
        self.api_errors = Counter(
            "wf_kube_api_errors",
            "Kubernetes API requests that failed, by verb, resource and HTTP code",
            ["verb", "resource", "code"],
            registry=self.registry,
        )
        self.node_seconds = Histogram(
            "wf_node_duration_seconds",
            "Duration of pod and suspend nodes, observed when they end",
            ["phase"],
            buckets=NODE_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_StateCollector(self))

    def attach(self, controller: Controller) -> None:
        """Measure `controller` from now on (replacing any earlier one)."""
        self.controller = controller
        controller.reconcile_hooks.append(self.observe)
        controller.reconciler.observer = self

    def detach(self) -> None:
        if self.controller is not None:
            self.controller.reconciler.observer = NoObserver()
        self.controller = None

    def observe(self, seconds: float, failure: Exception | None) -> None:
        self.reconcile_seconds.observe(seconds)
        if failure is not None:
            self.reconcile_errors.labels(type(failure).__name__).inc()

    def api_error(self, verb: str, resource: str, code: str) -> None:
        self.api_errors.labels(verb=verb, resource=resource, code=code).inc()

    # -- ControllerObserver ------------------------------------------------------------

    def pod_created(self) -> None:
        self.pods_created.inc()

    def node_completed(self, phase: str, seconds: float | None) -> None:
        if seconds is not None:
            self.node_seconds.labels(phase=phase).observe(seconds)

    def write_conflict(self) -> None:
        self.conflicts.inc()


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


def serve_controller(controller: Controller, port: int, address: str) -> MetricsServer:
    """Embedded mode: metrics of `controller` served on address:port, logged."""
    metrics = ControllerMetrics()
    metrics.attach(controller)
    server = MetricsServer(metrics, port, address)
    log.info("metrics on %s:%d", address, server.port)
    return server


__all__ = ["BUCKETS", "ControllerMetrics", "MetricsServer", "serve_controller"]
