"""spec.podDisruptionBudget on the cluster: the Kubernetes controller makes the
PodDisruptionBudget Argo's controller makes (named as the workflow, owned by it, the
spec as given with a selector on the workflow label) when the workflow starts, and
deletes it when the workflow completes; and, unlike embedded mode, neither the
controller (SpecWarning) nor `wf submit` warns of the field.

What is real: see tests/cluster/kube_cli.py (the control plane, `wf node`, the
controller for one namespace, `wf --kubeconfig ...` through CliRunner, kubectl).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.cluster.kube_cli import KubeCli, kube_cli_fixture  # noqa: F401
from tests.cluster.workflows import DATA, GROUP
from tests.support.polling import poll

pytestmark = pytest.mark.cluster
LABEL = "workflows.argoproj.io/workflow"


def _budget(kube_cli: KubeCli, name: str) -> dict[str, Any]:
    """The PodDisruptionBudget named so ({} while there is none)."""
    got = kube_cli.cluster.kubectl(
        "get", "poddisruptionbudget", name, "-n", kube_cli.namespace, "-o", "json", check=False
    )
    return dict(json.loads(got.stdout)) if got.returncode == 0 else {}


def test_the_budget_lives_while_the_workflow_runs(kube_cli: KubeCli) -> None:
    submitted = kube_cli.wf("submit", str(DATA / "disruption-budget.yaml"), "-o", "name")
    assert submitted.exit_code == 0, submitted.output
    # lint warns of the field in embedded mode, not when submitting to a cluster
    [name] = submitted.output.strip().splitlines()
    budget = poll(lambda: _budget(kube_cli, name), what=f"the budget of {name}", interval=0.2)
    wf = kube_cli.workflow(name)
    assert wf["status"]["phase"] == "Running"
    assert budget["spec"]["minAvailable"] == 1
    assert budget["spec"]["selector"] == {"matchLabels": {LABEL: name}}
    assert budget["metadata"]["labels"] == {LABEL: name}
    [owner] = budget["metadata"]["ownerReferences"]
    assert (owner["apiVersion"], owner["kind"], owner["name"], owner["uid"]) == (
        f"{GROUP}/v1alpha1",
        "Workflow",
        name,
        wf["metadata"]["uid"],
    )
    assert owner["controller"] is True
    conditions = wf["status"].get("conditions") or []
    assert not [c for c in conditions if c["type"] == "SpecWarning"], conditions
    kube_cli.wait_node(name, "approve", "Running")
    assert kube_cli.wf("resume", name).exit_code == 0

    def ended() -> str:
        phase = str(kube_cli.workflow(name)["status"].get("phase") or "")
        return phase if phase in ("Succeeded", "Failed", "Error") else ""

    assert poll(ended, what=f"{name} to finish", interval=0.3) == "Succeeded"
    poll(lambda: not _budget(kube_cli, name), what=f"the budget of {name} deleted", interval=0.2)
