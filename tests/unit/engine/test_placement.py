"""Where a pod ran becomes its node's `hostNodeName` and `podIP` (Argo's fields, shown
by `wf get -o wide`), also for a pod first seen after it ended."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workflow_engine.engine import CreatePod, Observed, PodState, operate
from workflow_engine.spec.models import Workflow

NOW = datetime(2024, 1, 1, tzinfo=UTC)
DOC = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Workflow",
    "metadata": {"name": "placed", "namespace": "default"},
    "spec": {
        "entrypoint": "main",
        "templates": [{"name": "main", "container": {"image": "busybox", "command": ["true"]}}],
    },
}


@pytest.mark.parametrize("phase", ["Running", "Succeeded"], ids=["running", "seen-ended"])
def test_the_pods_node_and_ip_are_recorded(phase: str) -> None:
    wf = Workflow.model_validate(DOC)
    first = operate(wf, Observed(), NOW)
    (create,) = [a for a in first.actions if isinstance(a, CreatePod)]
    wf = wf.model_copy(update={"status": first.status})
    state = PodState(
        create.pod_name,
        phase,  # type: ignore[arg-type]
        exit_code=0 if phase == "Succeeded" else None,
        pod_ip="10.1.2.3",
        host_node_name="node-a",
    )
    decided = operate(wf, Observed(pods={create.pod_name: state}), NOW)
    node = decided.status.nodes[create.node_id]
    assert (node.host_node_name, node.pod_ip, node.phase) == ("node-a", "10.1.2.3", phase)
    assert node.to_dict()["hostNodeName"] == "node-a"
