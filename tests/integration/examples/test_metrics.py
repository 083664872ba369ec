"""The metrics example end to end in embedded mode (real store, runtime, executor and
controller: tests/integration/controller/conftest.py): template and workflow metrics
land in <state>/metrics.prom, a retried step's once, and a metric that cannot be
computed is dropped with a warning while the workflow succeeds. Argo's semantics:
docs/metrics.md of argoproj/argo-workflows."""

from __future__ import annotations

import json

import pytest

from tests.integration.controller.conftest import REPO, Embedded, embedded  # noqa: F401

pytestmark = pytest.mark.integration
EXAMPLE = REPO / "examples" / "metrics.yaml"


def test_metrics_reach_the_exposition_file(embedded: Embedded) -> None:  # noqa: F811
    run = embedded.wf("submit", str(EXAMPLE), "--wait", "-o", "json")
    assert run.exit_code == 0, run.output
    wf = json.loads(run.output)
    assert wf["status"]["phase"] == "Succeeded"
    lines = (embedded.home / "metrics.prom").read_text().splitlines()
    # named as the controller's /metrics names them (tests/cluster/test_kube_features.py)
    assert 'argo_workflows_example_workflow_runs_total{status="Succeeded"} 1.0' in lines
    assert "argo_workflows_example_step_exit_code 0.0" in lines
    [seconds] = [line for line in lines if line.startswith("argo_workflows_example_step_seconds{")]
    assert seconds.startswith('argo_workflows_example_step_seconds{status="Succeeded"} ')
    assert float(seconds.split()[-1]) >= 0
    assert not any("example_broken" in line for line in lines)
    events = embedded.wf("get", wf["metadata"]["name"]).output
    assert "MetricEmissionFailed" in events
