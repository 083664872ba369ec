"""The controller's Prometheus metrics, served over HTTP (`/metrics`).

`PrometheusObserver` is the `ControllerObserver` that counts and times what the loop
reports; workflows by phase and the queue's depth are read from the controller when
scraped, so they are never stale and cost nothing between scrapes. Each controller
has a registry of its own (two controllers in one process, as tests run them, do not
share counters).

    wf_workflows{phase}                      workflows the controller knows, by phase
    wf_workqueue_depth                       workflows waiting for a worker
    wf_reconcile_duration_seconds            histogram of one reconcile
    wf_reconcile_errors_total                reconciles that raised (retried with backoff)
    wf_status_write_conflicts_total          status writes that met a newer version (409)
    wf_pods_created_total                    pods created
    wf_node_duration_seconds{phase}          histogram of pod and suspend nodes, when they end
"""

from __future__ import annotations

import logging
import socket
import threading
from collections import Counter as Tally
from collections.abc import Iterator
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import make_wsgi_app
from prometheus_client.registry import Collector

from workflow_engine.controller.loop import Controller

log = logging.getLogger(__name__)

PHASES = ("Pending", "Running", "Succeeded", "Failed", "Error")
_NODE_BUCKETS = (0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600)


class PrometheusObserver:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.reconcile_seconds = Histogram(
            "wf_reconcile_duration_seconds", "Time of one reconcile", registry=registry
        )
        self.reconcile_errors = Counter(
            "wf_reconcile_errors", "Reconciles that raised and are retried", registry=registry
        )
        self.conflicts = Counter(
            "wf_status_write_conflicts",
            "Status writes that met a newer version of the workflow",
            registry=registry,
        )
        self.pods_created = Counter("wf_pods_created", "Pods created", registry=registry)
        self.node_seconds = Histogram(
            "wf_node_duration_seconds",
            "Duration of pod and suspend nodes, observed when they end",
            ["phase"],
            buckets=_NODE_BUCKETS,
            registry=registry,
        )

    def reconciled(self, seconds: float, failed: bool) -> None:
        self.reconcile_seconds.observe(seconds)
        if failed:
            self.reconcile_errors.inc()

    def pod_created(self) -> None:
        self.pods_created.inc()

    def node_completed(self, phase: str, seconds: float | None) -> None:
        if seconds is not None:
            self.node_seconds.labels(phase=phase).observe(seconds)

    def write_conflict(self) -> None:
        self.conflicts.inc()


class _ControllerState(Collector):
    """Read at scrape time: workflows by phase and the queue's depth."""

    def __init__(self, controller: Controller) -> None:
        self.controller = controller

    def collect(self) -> Iterator[Metric]:
        phases = Tally(
            (obj.get("status") or {}).get("phase") or "Pending"
            for obj in self.controller.reconciler.cache.objects()
        )
        workflows = GaugeMetricFamily(
            "wf_workflows", "Workflows the controller knows, by phase", labels=["phase"]
        )
        for phase in sorted(set(PHASES) | set(phases)):
            workflows.add_metric([phase], phases.get(phase, 0))
        yield workflows
        yield GaugeMetricFamily(
            "wf_workqueue_depth",
            "Workflows waiting for a worker",
            value=self.controller.queue.depth(),
        )


@dataclass
class MetricsServer:
    server: WSGIServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def parse_address(text: str) -> tuple[str, int]:
    """`HOST:PORT`, `:PORT` (every interface) or `PORT` (loopback only)."""
    host, sep, port = text.rpartition(":")
    if not sep:
        host = "127.0.0.1"
    elif not host:
        host = "0.0.0.0"  # asked for with ":PORT", as Argo's controller serves
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{text!r} is not HOST:PORT, :PORT or PORT")
    return host.strip("[]"), int(port)


def start_metrics(controller: Controller, address: str) -> MetricsServer:
    """`serve_metrics` at an address as `parse_address` reads it, logged."""
    host, port = parse_address(address)
    server = serve_metrics(controller, host, port)
    log.info("metrics at http://%s:%d/metrics", host, server.port)
    return server


def instrument(controller: Controller) -> CollectorRegistry:
    """Attach a PrometheusObserver to `controller`; its registry."""
    registry = CollectorRegistry()
    controller.reconciler.observer = PrometheusObserver(registry)
    registry.register(_ControllerState(controller))
    return registry


def serve_metrics(controller: Controller, host: str, port: int) -> MetricsServer:
    """Instrument `controller` and serve `/metrics` on host:port (0: a free port)."""
    registry = instrument(controller)

    server_class = _Server6 if ":" in host else _Server
    httpd = make_server(host, port, make_wsgi_app(registry), server_class, handler_class=_Quiet)
    thread = threading.Thread(target=httpd.serve_forever, name="wf-metrics", daemon=True)
    thread.start()
    return MetricsServer(httpd, thread)


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass  # scrapes every few seconds would flood the controller's log


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Server6(_Server):
    address_family = socket.AF_INET6
