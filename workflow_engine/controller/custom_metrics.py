"""The controller's registry of custom metrics (the engine's half is
`engine/metrics.py`): counters add, gauges keep the last value, histograms count
observations into their buckets. Each name is prefixed `argo_workflows_` as Argo's
controller does, and exposed by `prometheus_client` in Prometheus' text format, so a
counter's samples are `<name>_total` (as Argo's OpenTelemetry Prometheus exporter
names them, v3.6 on) in both places they are read: the controller's `/metrics`
(metrics.py collects this registry) and, embedded, `<state>/metrics.prom`, written
after each change (a textfile a node exporter, or `cat`, can read), atomically."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from workflow_engine.engine.metrics import MetricSample

PREFIX = "argo_workflows_"
METRICS_FILE = "metrics.prom"  # in the embedded state directory
Labels = tuple[tuple[str, str], ...]


@dataclass
class _Series:
    value: float = 0.0
    count: int = 0
    buckets: dict[float, int] = field(default_factory=dict)


@dataclass
class _Family:
    kind: str
    help: str
    buckets: tuple[float, ...]
    series: dict[Labels, _Series] = field(default_factory=dict)


class MetricsRegistry(Collector):
    """The custom metrics recorded so far; a prometheus_client collector."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._mutex = threading.Lock()
        self._families: dict[str, _Family] = {}
        self._registry = CollectorRegistry(auto_describe=False)
        self._registry.register(self)

    def record(self, samples: Iterable[MetricSample]) -> None:
        with self._mutex:
            for sample in samples:
                self._add(sample)
        if self._path is not None:
            text = self.exposition()
            tmp = self._path.with_name(f".{self._path.name}.{os.getpid()}.tmp")
            tmp.write_text(text)
            os.replace(tmp, self._path)

    def _add(self, sample: MetricSample) -> None:
        family = self._families.get(sample.name)
        if family is None or family.kind != sample.kind:  # a changed kind starts over
            family = self._families[sample.name] = _Family(sample.kind, sample.help, sample.buckets)
        series = family.series.setdefault(tuple(sorted(sample.labels)), _Series())
        if sample.kind == "counter":
            series.value += sample.value
        elif sample.kind == "gauge":
            series.value = sample.value
        else:
            series.value += sample.value
            series.count += 1
            for bound in family.buckets:
                if sample.value <= bound:
                    series.buckets[bound] = series.buckets.get(bound, 0) + 1

    def exposition(self) -> str:
        """Prometheus' text format, as `/metrics` serves these metrics."""
        return generate_latest(self._registry).decode()

    def collect(self) -> Iterator[Metric]:
        with self._mutex:
            families = [(name, self._families[name]) for name in sorted(self._families)]
            yield from (_metric(name, family) for name, family in families)


def _metric(name: str, family: _Family) -> Metric:
    full = PREFIX + name
    metric = Metric(full, family.help, family.kind)
    for labels, series in sorted(family.series.items()):
        tags = dict(labels)
        if family.kind == "counter":
            metric.add_sample(f"{full}_total", tags, series.value)
        elif family.kind == "gauge":
            metric.add_sample(full, tags, series.value)
        else:
            for bound in family.buckets:
                count = series.buckets.get(bound, 0)
                metric.add_sample(f"{full}_bucket", {**tags, "le": str(bound)}, count)
            metric.add_sample(f"{full}_bucket", {**tags, "le": "+Inf"}, series.count)
            metric.add_sample(f"{full}_sum", tags, series.value)
            metric.add_sample(f"{full}_count", tags, series.count)
    return metric
