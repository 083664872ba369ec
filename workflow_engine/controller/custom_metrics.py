"""The controller's registry of custom metrics (the engine's half is
`engine/metrics.py`): counters add, gauges keep the last value, histograms count
observations into their buckets. `exposition()` is Prometheus' text format, each name
prefixed `argo_workflows_` as Argo's controller does; the embedded controller writes it
to `<state>/metrics.prom` after each change (a textfile a node exporter, or `cat`,
can read), atomically."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

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


class MetricsRegistry:
    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._mutex = threading.Lock()
        self._families: dict[str, _Family] = {}

    def record(self, samples: Iterable[MetricSample]) -> None:
        with self._mutex:
            for sample in samples:
                self._add(sample)
            text = self._text()
        if self._path is not None:
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
        with self._mutex:
            return self._text()

    def _text(self) -> str:
        lines: list[str] = []
        for name in sorted(self._families):
            family = self._families[name]
            full = PREFIX + name
            lines.append(f"# HELP {full} {_escape(family.help)}")
            lines.append(f"# TYPE {full} {family.kind}")
            for labels, series in sorted(family.series.items()):
                if family.kind != "histogram":
                    lines.append(f"{full}{_labels(labels)} {_num(series.value)}")
                    continue
                for bound in family.buckets:
                    le = (*labels, ("le", _num(bound)))
                    lines.append(f"{full}_bucket{_labels(le)} {series.buckets.get(bound, 0)}")
                inf = (*labels, ("le", "+Inf"))
                lines.append(f"{full}_bucket{_labels(inf)} {series.count}")
                lines.append(f"{full}_sum{_labels(labels)} {_num(series.value)}")
                lines.append(f"{full}_count{_labels(labels)} {series.count}")
        return "\n".join(lines) + ("\n" if lines else "")


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
    return "{" + inner + "}"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)
