"""Custom metrics in the pure core: samples computed when a node or the workflow
finishes, with `{{status}}`, `{{duration}}`, `{{exitCode}}` substituted; a metric that
cannot be computed is dropped with a warning and never blocks or errors anything, under
a retryStrategy included. Argo's behaviour: docs/metrics.md of argoproj/argo-workflows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow_engine.engine import EmitEvent, Observed, PodState, TaskResult, operate
from workflow_engine.engine.metrics import EmitMetrics, MetricSample
from workflow_engine.spec.models import Outputs, Workflow

START = datetime(2024, 1, 1, tzinfo=UTC)
COUNTER = {
    "name": "runs",
    "help": "runs by status",
    "labels": [{"key": "status", "value": "{{status}}"}],
    "counter": {"value": "1"},
}
GAUGE = {"name": "seconds", "help": "how long", "gauge": {"value": "{{duration}}"}}
EXIT = {"name": "exit", "help": "exit code", "gauge": {"value": "{{exitCode}}"}}
BROKEN = {"name": "broken", "help": "x", "gauge": {"value": "{{outputs.parameters.nope}}"}}
NAN = {"name": "nan", "help": "x", "gauge": {"value": "not-a-number"}}


def workflow(
    metrics: list[dict[str, Any]], retry: bool = False, wf_metrics: Any = None
) -> Workflow:
    template: dict[str, Any] = {
        "name": "main",
        "metrics": {"prometheus": metrics},
        "container": {"image": "alpine"},
    }
    if retry:
        template["retryStrategy"] = {"limit": 1}
    spec: dict[str, Any] = {"entrypoint": "main", "templates": [template]}
    if wf_metrics:
        spec["metrics"] = {"prometheus": wf_metrics}
    return Workflow.model_validate({"metadata": {"name": "wf"}, "spec": spec})


def run_to_end(wf: Workflow, exit_codes: list[int]) -> tuple[Workflow, list[Any]]:
    """Play the pods: each created pod ends 3 s later with the next exit code."""
    actions: list[Any] = []
    now, pods, results = START, {}, {}
    codes = iter(exit_codes)
    for _ in range(20):
        decision = operate(wf, Observed(pods=dict(pods), results=dict(results)), now)
        actions += decision.actions
        wf = wf.model_copy(update={"status": decision.status})
        if decision.status.phase in ("Succeeded", "Failed", "Error"):
            return wf, actions
        now += timedelta(seconds=3)
        for action in decision.actions:
            if type(action).__name__ == "CreatePod" and action.pod_name not in pods:
                code = next(codes)
                phase = "Succeeded" if code == 0 else "Failed"
                pods[action.pod_name] = PodState(
                    action.pod_name,
                    phase,
                    exit_code=code,
                    started_at=now - timedelta(seconds=3),
                    finished_at=now,
                )
                results[action.node_id] = TaskResult(action.node_id, Outputs(exit_code=str(code)))
    raise AssertionError("the workflow did not end")


def samples(actions: list[Any]) -> list[MetricSample]:
    return [s for a in actions if isinstance(a, EmitMetrics) for s in a.samples]


def test_template_metrics_substitute_status_duration_and_exit_code() -> None:
    wf, actions = run_to_end(workflow([COUNTER, GAUGE, EXIT]), [0])
    assert wf.status is not None and wf.status.phase == "Succeeded"
    by_name = {s.name: s for s in samples(actions)}
    assert by_name["runs"] == MetricSample(
        "runs", "runs by status", "counter", (("status", "Succeeded"),), 1.0
    )
    assert by_name["seconds"].kind == "gauge" and by_name["seconds"].value == 3.0
    assert by_name["exit"].value == 0.0


@pytest.mark.parametrize("bad", [BROKEN, NAN], ids=["missing-variable", "not-a-number"])
def test_a_metric_that_cannot_be_computed_is_dropped_not_fatal(bad: dict[str, Any]) -> None:
    wf, actions = run_to_end(workflow([bad, COUNTER], retry=True), [1, 0])
    assert wf.status is not None and wf.status.phase == "Succeeded"
    assert [s.name for s in samples(actions)] == ["runs"]  # the Retry node's, once
    warnings = [
        a for a in actions if isinstance(a, EmitEvent) and a.reason == "MetricEmissionFailed"
    ]
    assert len(warnings) == 1 and bad["name"] in warnings[0].message


def test_workflow_metrics_when_it_completes() -> None:
    failed_only = {**COUNTER, "name": "wf_failed", "when": "{{workflow.status}} == Succeeded"}
    every = {**COUNTER, "name": "wf_runs", "labels": [{"key": "s", "value": "{{workflow.status}}"}]}
    wf, actions = run_to_end(workflow([], wf_metrics=[failed_only, every]), [2])
    assert wf.status is not None and wf.status.phase == "Failed"
    assert [(s.name, s.labels) for s in samples(actions)] == [("wf_runs", (("s", "Failed"),))]


_VALUES = ["1", "{{duration}}", "{{exitCode}}", "{{nope}}", "x", "{{=1/0}}", "", "1e400"]
_WHENS = [None, "{{status}} == Succeeded", "{{status}} ==", "{{nope}} == 1", "true"]
_LABELS = ["{{status}}", "{{outputs.result}}", "{{nope}}", "plain"]
_KINDS = ["gauge", "counter", "histogram", "summary"]


@given(
    specs=st.lists(
        st.tuples(
            st.sampled_from(["ok_name", "bad name", "n2"]),
            st.sampled_from(_KINDS),
            st.sampled_from(_VALUES),
            st.sampled_from(_WHENS),
            st.sampled_from(_LABELS),
        ),
        max_size=4,
    ),
    codes=st.lists(st.sampled_from([0, 1, 2]), min_size=3, max_size=3),
)
@settings(max_examples=40, deadline=None)
def test_no_metric_ever_keeps_a_workflow_from_ending(
    specs: list[tuple[str, str, str, str | None, str]], codes: list[int]
) -> None:
    metrics = []
    for name, kind, value, when, label in specs:
        metric: dict[str, Any] = {
            "name": name,
            "help": "h",
            "labels": [{"key": "l", "value": label}],
            kind: {"value": value, "buckets": [1.0]},
        }
        if when is not None:
            metric["when"] = when
        metrics.append(metric)
    wf, _ = run_to_end(workflow(metrics, retry=True, wf_metrics=metrics), codes)
    assert wf.status is not None
    expected = "Succeeded" if 0 in codes[:2] else "Failed"
    assert wf.status.phase == expected
