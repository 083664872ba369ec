"""The controller's Prometheus endpoint (controller/metrics.py), scraped over HTTP on
loopback. Real: prometheus_client's server and text format, the controller loop with
its threads, the MemoryStore; fake: the runtime (pods end at once) and the engine
(`fakes.FAKE_ENGINE`), as in test_loop."""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.polling import poll
from tests.unit.controller.fakes import FAKE_ENGINE, FakeRuntime, workflow
from workflow_engine.controller.clock import SystemClock
from workflow_engine.controller.events import MemoryEventLog
from workflow_engine.controller.indexes import PodIndex, ResultIndex
from workflow_engine.controller.loop import Controller, LoopOptions
from workflow_engine.controller.metrics import ControllerMetrics, MetricsServer
from workflow_engine.controller.reconcile import Reconciler
from workflow_engine.engine.metrics import MetricSample
from workflow_engine.errors import SpecError, TransientError
from workflow_engine.store import MemoryStore


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp:
        text = resp.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@pytest.fixture
def served() -> Iterator[tuple[ControllerMetrics, MetricsServer]]:
    metrics = ControllerMetrics()
    server = MetricsServer(metrics, 0, "127.0.0.1")
    yield metrics, server
    server.close()


def test_workflows_by_phase_latency_and_queue_depth_are_scraped(
    served: tuple[ControllerMetrics, MetricsServer],
) -> None:
    metrics, server = served
    assert scrape(server.port)[("wf_leader", ())] == 0  # nothing attached: not acting
    store, clock = MemoryStore(), SystemClock()
    reconciler = Reconciler(
        store,
        FakeRuntime(auto=True),
        FAKE_ENGINE,
        clock,
        MemoryEventLog(),
        PodIndex(),
        ResultIndex(),
    )
    controller = Controller(reconciler, clock, LoopOptions(workers=2, watch_timeout=0.5))
    metrics.attach(controller)
    controller.start()
    try:
        for i in range(3):
            store.create(workflow(f"wf-{i}", "a", "b"))
        done = ("wf_workflows", (("phase", "Succeeded"),))
        seen = poll(lambda: (s := scrape(server.port)).get(done) == 3 and s, 20, "3 Succeeded")
    finally:
        controller.stop()
    assert seen[("wf_leader", ())] == 1
    assert seen[("wf_queue_depth", ())] >= 0
    reconciles = seen[("wf_reconcile_duration_seconds_count", ())]
    assert reconciles >= 3 * 3  # each workflow: start, each of two steps at least
    assert seen[("wf_reconcile_duration_seconds_bucket", (("le", "+Inf"),))] == reconciles


def test_reconcile_errors_are_counted_by_type(
    served: tuple[ControllerMetrics, MetricsServer],
) -> None:
    metrics, server = served
    metrics.observe(0.01, TransientError("API server unreachable"))
    metrics.observe(0.01, TransientError("again"))
    metrics.observe(0.02, None)
    seen = scrape(server.port)
    assert seen[("wf_reconcile_errors_total", (("error", "TransientError"),))] == 2
    assert seen[("wf_reconcile_duration_seconds_count", ())] == 3


def test_a_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SpecError) as err:
            MetricsServer(ControllerMetrics(), port, "127.0.0.1")
    assert err.value.path == "metrics-port"
    assert f"127.0.0.1:{port}" in err.value.reason


def test_the_workflows_own_metrics_are_served_beside_the_controllers(
    served: tuple[ControllerMetrics, MetricsServer],
) -> None:
    metrics, server = served
    store, clock = MemoryStore(), SystemClock()
    reconciler = Reconciler(
        store, FakeRuntime(), FAKE_ENGINE, clock, MemoryEventLog(), PodIndex(), ResultIndex()
    )
    metrics.attach(Controller(reconciler, clock))
    reconciler.metrics.record(
        [
            MetricSample("runs", "Runs", "counter", (("status", "Succeeded"),), 1.0),
            MetricSample("runs", "Runs", "counter", (("status", "Succeeded"),), 1.0),
            MetricSample("step_seconds", "Time", "gauge", (), 2.5),
        ]
    )
    seen = scrape(server.port)
    assert seen[("argo_workflows_runs_total", (("status", "Succeeded"),))] == 2
    assert seen[("argo_workflows_step_seconds", ())] == 2.5
    assert seen[("wf_leader", ())] == 1
