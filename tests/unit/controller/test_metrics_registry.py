"""The controller's metrics registry: counters add, gauges keep the last value,
histograms fill their buckets, all in Prometheus' text format with Argo's prefix (the
same text as the controller's /metrics serves), and the file written atomically.
Real: the registry and a temporary directory."""

from __future__ import annotations

from pathlib import Path

from workflow_engine.controller.custom_metrics import MetricsRegistry
from workflow_engine.engine.metrics import MetricSample


def test_exposition(tmp_path: Path) -> None:
    path = tmp_path / "metrics.prom"
    registry = MetricsRegistry(path)
    ok = (("status", "Succeeded"),)
    registry.record([MetricSample("runs", "runs", "counter", ok, 1.0)] * 2)
    registry.record([MetricSample("seconds", "how long", "gauge", (), 4.0)])
    registry.record([MetricSample("seconds", "how long", "gauge", (), 2.5)])
    registry.record(
        [MetricSample("lat", "latency", "histogram", ok, v, (1.0, 5.0)) for v in (0.5, 3.0, 9.0)]
    )
    text = path.read_text()
    assert text == registry.exposition()
    assert text.splitlines() == [
        "# HELP argo_workflows_lat latency",
        "# TYPE argo_workflows_lat histogram",
        'argo_workflows_lat_bucket{le="1.0",status="Succeeded"} 1.0',
        'argo_workflows_lat_bucket{le="5.0",status="Succeeded"} 2.0',
        'argo_workflows_lat_bucket{le="+Inf",status="Succeeded"} 3.0',
        'argo_workflows_lat_sum{status="Succeeded"} 12.5',
        'argo_workflows_lat_count{status="Succeeded"} 3.0',
        # a counter's samples end `_total`, as on the controller's /metrics
        "# HELP argo_workflows_runs_total runs",
        "# TYPE argo_workflows_runs_total counter",
        'argo_workflows_runs_total{status="Succeeded"} 2.0',
        "# HELP argo_workflows_seconds how long",
        "# TYPE argo_workflows_seconds gauge",
        "argo_workflows_seconds 2.5",
    ]
