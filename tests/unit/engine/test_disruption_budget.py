"""spec.podDisruptionBudget decided by `operate()`: the budget is made when the workflow
starts and before every batch of pods, and deleted when it completes, with the shape
Argo's operator gives it (`createPDBResource`: named as the workflow, labelled and
owned by it, the spec as given with a selector on the workflow label when none is
given; `deletePDBResource` at completion). Real: `operate`, the spec models, the pod
simulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.engine.simulator import Script, Simulator, load
from workflow_engine.engine import CreatePod
from workflow_engine.engine.disruption import CreateDisruptionBudget, DeleteDisruptionBudget
from workflow_engine.spec.base import KubeObject

EXAMPLES = Path(__file__).parents[3] / "examples"
LABEL = "workflows.argoproj.io/workflow"


def sim(budget: dict[str, Any] | None, example: str = "steps.yaml", **scripts: Script) -> Simulator:
    wf = load(str(EXAMPLES / example))
    spec = wf.spec.model_copy(
        update={
            "pod_disruption_budget": None if budget is None else KubeObject.model_validate(budget)
        }
    )
    meta = wf.metadata.model_copy(update={"uid": "uid-1"})
    return Simulator(wf.model_copy(update={"metadata": meta, "spec": spec}), scripts=dict(scripts))


def of(s: Simulator, kind: type) -> list[Any]:
    return [a for d in s.decisions for a in d.actions if isinstance(a, kind)]


def test_the_budget_leads_every_decision_that_creates_pods() -> None:
    s = sim({"minAvailable": 1}).run()
    with_pods = [d.actions for d in s.decisions if any(isinstance(a, CreatePod) for a in d.actions)]
    assert with_pods and all(
        isinstance(actions[0], CreateDisruptionBudget) for actions in with_pods
    )
    manifest = of(s, CreateDisruptionBudget)[0].manifest
    assert manifest["apiVersion"] == "policy/v1"
    assert manifest["kind"] == "PodDisruptionBudget"
    assert manifest["metadata"]["name"] == "wf"
    assert manifest["metadata"]["namespace"] == "default"
    assert manifest["metadata"]["labels"] == {LABEL: "wf"}
    [owner] = manifest["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["uid"], owner["controller"]) == (
        "Workflow",
        "wf",
        "uid-1",
        True,
    )
    assert manifest["spec"] == {"minAvailable": 1, "selector": {"matchLabels": {LABEL: "wf"}}}


def test_a_selector_given_is_kept() -> None:
    selector = {"matchLabels": {"team": "a"}}
    s = sim({"maxUnavailable": "50%", "selector": selector}).run()
    spec = of(s, CreateDisruptionBudget)[0].manifest["spec"]
    assert spec == {"maxUnavailable": "50%", "selector": selector}


def test_the_budget_is_made_when_the_workflow_starts_without_a_pod() -> None:
    """A workflow that starts with a suspend step has its budget before any pod, as Argo
    makes it on the first operate."""
    s = sim({"minAvailable": 1}, "suspend-resume.yaml")
    s.wf = s.wf.model_copy(update={"spec": s.wf.spec.model_copy(update={"entrypoint": "approve"})})
    s.step()
    assert [type(a) for a in s.decisions[0].actions if isinstance(a, CreateDisruptionBudget)] == [
        CreateDisruptionBudget
    ]


@pytest.mark.parametrize(
    ("exit_code", "phase"), [(0, "Succeeded"), (1, "Failed")], ids=["succeeded", "failed"]
)
def test_the_budget_is_deleted_once_when_the_workflow_completes(exit_code: int, phase: str) -> None:
    s = sim({"minAvailable": 1}, hello1=Script(exit_code=exit_code)).run()
    assert s.wf.status is not None and s.wf.status.phase == phase
    deletes = of(s, DeleteDisruptionBudget)
    assert deletes == [DeleteDisruptionBudget("default", "wf")]
    assert any(isinstance(a, DeleteDisruptionBudget) for a in s.decisions[-1].actions)


def test_no_budget_no_actions() -> None:
    s = sim(None).run()
    assert of(s, CreateDisruptionBudget) == [] and of(s, DeleteDisruptionBudget) == []
