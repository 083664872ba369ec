"""Unhonoured-field warnings beyond `wf lint`: of a stored object (and of the template
a workflow's `workflowTemplateRef` runs), and on a workflow's first decision as a
`SpecWarning` condition (Argo's condition type for a valid spec with a warning) plus
Warning events. Real: MemoryStore, the engine's `operate`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from workflow_engine.controller.spec_warnings import (
    SPEC_WARNING,
    kubernetes_warnings,
    stored_warnings,
    warn_first,
    with_warnings,
)
from workflow_engine.engine import EmitEvent, Observed, operate
from workflow_engine.errors import SpecWarning
from workflow_engine.spec.models import Workflow
from workflow_engine.store import MemoryStore

NOW = datetime(2024, 1, 1, tzinfo=UTC)
PDB = (
    "podDisruptionBudget is accepted but not honoured "
    "(embedded mode evicts no pods; the Kubernetes controller makes it)"
)
WARNING = SpecWarning("spec", "someField is accepted but not honoured (a reason)")
MAIN = {"name": "main", "container": {"image": "busybox", "command": ["true"]}}


def template(name: str) -> dict[str, Any]:
    spec = {"entrypoint": "main", "podDisruptionBudget": {"minAvailable": 1}, "templates": [MAIN]}
    meta = {"name": name, "namespace": "default"}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "WorkflowTemplate",
        "metadata": meta,
        "spec": spec,
    }


def workflow(spec: dict[str, Any]) -> dict[str, Any]:
    meta = {"name": "w", "namespace": "default"}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": meta,
        "spec": spec,
    }


def test_a_workflow_inherits_the_warnings_of_the_template_it_runs() -> None:
    store = MemoryStore()
    store.create(template("t"))
    warnings = stored_warnings(store, workflow({"workflowTemplateRef": {"name": "t"}}))
    assert [str(w) for w in warnings] == [f"spec.workflowTemplateRef.spec: {PDB}"]
    assert stored_warnings(store, workflow({"workflowTemplateRef": {"name": "gone"}})) == []


def test_a_decision_carries_a_condition_and_an_event_per_warning_once() -> None:
    wf = Workflow.model_validate(workflow({"entrypoint": "main", "templates": [MAIN]}))
    first = with_warnings(operate(wf, Observed(), NOW), [WARNING])
    conditions = [(c.type, c.status, c.message) for c in first.status.conditions or ()]
    assert conditions == [(SPEC_WARNING, "True", str(WARNING))]
    events = [a for a in first.actions if isinstance(a, EmitEvent) and a.reason == SPEC_WARNING]
    assert [(e.type, e.message) for e in events] == [("Warning", str(WARNING))]
    again = wf.model_copy(update={"status": first.status})
    decided = with_warnings(operate(again, Observed(), NOW), [WARNING])
    assert [c.type for c in decided.status.conditions or ()] == [SPEC_WARNING]  # kept, once
    assert not [a for a in decided.actions if isinstance(a, EmitEvent)]


def test_a_workflow_without_unhonoured_fields_gets_no_condition() -> None:
    wf = Workflow.model_validate(workflow({"entrypoint": "main", "templates": [MAIN]}))
    decision = warn_first(operate, MemoryStore())(wf, Observed(), NOW)
    assert decision.status.conditions is None


def test_the_controller_leaves_out_what_kubernetes_honours() -> None:
    """Container fields a kubelet honours, and the PodDisruptionBudget the Kubernetes
    controller makes: lint warns of them (embedded mode), the controller does not."""
    probed = {**MAIN, "container": {**MAIN["container"], "tty": True, "livenessProbe": {}}}
    spec = {"entrypoint": "main", "podDisruptionBudget": {"minAvailable": 1}}
    doc = workflow({**spec, "templates": [probed]})
    assert len(stored_warnings(MemoryStore(), doc)) == 2
    decision = warn_first(operate, MemoryStore())(Workflow.model_validate(doc), Observed(), NOW)
    assert decision.status.conditions is None


def test_the_warnings_that_hold_on_kubernetes() -> None:
    """What `wf submit` to a cluster prints, and the controller there records."""
    container = SpecWarning("spec.templates[0].container", "livenessProbe is accepted ...")
    budget = SpecWarning("spec", PDB)
    assert kubernetes_warnings([container, budget, WARNING]) == [WARNING]
