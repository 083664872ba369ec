"""Custom Prometheus metrics (Argo's `metrics.prometheus` on templates and on the
workflow), the engine's half: when a node (or the workflow) finishes, each metric's
fields are substituted (`{{status}}`, `{{duration}}`, `{{exitCode}}`,
`{{inputs.parameters.x}}`, `{{outputs.parameters.x}}`, `{{outputs.result}}`; for the
workflow `{{workflow.status}}`, `{{workflow.duration}}`), its `when` is evaluated, and
the samples go to the controller as one `EmitMetrics` action, which keeps them in its
registry.

A metric that cannot be computed (a variable that does not exist, a value that is not
a number, a bad `when`) is dropped with a warning event naming it: it never blocks a
node, errors it, or keeps a workflow running.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from workflow_engine.engine.exprs import ExprError, evaluate_when, substitute
from workflow_engine.spec.models import KubeObject, NodeStatus

MetricKind = Literal["gauge", "counter", "histogram"]
_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


@dataclass(frozen=True)
class MetricSample:
    name: str
    help: str
    kind: MetricKind
    labels: tuple[tuple[str, str], ...]
    value: float
    buckets: tuple[float, ...] = ()


@dataclass(frozen=True)
class EmitMetrics:
    """Record these samples (counters add, gauges set, histograms observe)."""

    samples: tuple[MetricSample, ...]


class MetricError(ValueError):
    pass


def node_scope(node: NodeStatus, seconds: float) -> dict[str, Any]:
    """The variables a template's metrics see for a finished node."""
    scope: dict[str, Any] = {"status": node.phase, "duration": _number(seconds)}
    outputs = node.outputs
    if outputs is not None:
        if outputs.exit_code is not None:
            scope["exitCode"] = str(outputs.exit_code)
        if outputs.result is not None:
            scope["outputs.result"] = outputs.result
        for param in outputs.parameters or ():
            if param.value is not None:
                scope[f"outputs.parameters.{param.name}"] = param.value
    for param in (node.inputs.parameters if node.inputs else None) or ():
        if param.value is not None:
            scope[f"inputs.parameters.{param.name}"] = param.value
    return scope


def _number(seconds: float) -> str:
    return f"{seconds:f}".rstrip("0").rstrip(".") or "0"


def samples_of(
    metrics: KubeObject | None, scope: Mapping[str, Any]
) -> tuple[list[MetricSample], list[str]]:
    """The samples of a `metrics` block in `scope`, and why any were dropped."""
    if metrics is None:
        return [], []
    block = metrics.model_dump(mode="json")
    samples: list[MetricSample] = []
    problems: list[str] = []
    for index, metric in enumerate(block.get("prometheus") or ()):
        name = metric.get("name") if isinstance(metric, dict) else None
        try:
            sample = _sample(metric, scope)
        except (MetricError, ExprError, ValueError, TypeError) as err:
            problems.append(f"metric {name or index!r} not emitted: {err}")
            continue
        if sample is not None:
            samples.append(sample)
    return samples, problems


def _sample(metric: dict[str, Any], scope: Mapping[str, Any]) -> MetricSample | None:
    name = str(metric.get("name") or "")
    if not _NAME.match(name):
        raise MetricError(f"invalid metric name {name!r}")
    when = metric.get("when")
    if when and not evaluate_when(substitute(str(when), scope, strict=True)):
        return None
    labels = tuple(
        (str(label["key"]), substitute(str(label.get("value", "")), scope, strict=True))
        for label in metric.get("labels") or ()
    )
    for kind in ("gauge", "counter", "histogram"):
        body = metric.get(kind)
        if body is None:
            continue
        value = _value(substitute(str(body.get("value", "")), scope, strict=True))
        buckets = (
            tuple(sorted(float(b) for b in body.get("buckets") or ()))
            if kind == "histogram"
            else ()
        )
        if kind == "histogram" and not buckets:
            raise MetricError("a histogram needs buckets")
        return MetricSample(name, str(metric.get("help") or ""), kind, labels, value, buckets)
    raise MetricError("one of gauge, counter or histogram is required")


def _value(text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise MetricError(f"value {text!r} is not a number") from None
    if math.isnan(value) or math.isinf(value):
        raise MetricError(f"value {text!r} is not a finite number")
    return value
