"""`operate()` as a pure decision at its ports: referenced templates come in a frozen
map (a name it was not given is asked for, not fetched), and artifact garbage
collection is an action whose outcome the next decision records. Real: `operate`,
the spec models and the pod simulator (tests/unit/engine/simulator.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.unit.engine.simulator import START, Simulator
from workflow_engine.engine import CollectArtifacts, Collected, EmitEvent, Observed, operate
from workflow_engine.spec.models import Workflow, WorkflowTemplate
from workflow_engine.spec.resolver import MappingResolver

DATA = Path(__file__).parents[2] / "data" / "engine"
LIB = ("namespaced", "lib")
MSG = {"parameters": [{"name": "msg", "value": "hi"}]}


def _wf(spec: dict[str, Any]) -> Workflow:
    return Workflow.model_validate(
        {"metadata": {"name": "wf", "namespace": "default"}, "spec": spec}
    )


def _library(name: str = "lib", extra: list[dict[str, Any]] | None = None) -> WorkflowTemplate:
    doc = yaml.safe_load((DATA / "wftmpl.yaml").read_text())
    doc["metadata"]["name"] = name
    doc["spec"]["templates"] += extra or []
    return WorkflowTemplate.model_validate(doc)


# -- the template map ------------------------------------------------------------------

REFS = {
    "workflowTemplateRef": {"workflowTemplateRef": {"name": "lib"}},
    "templateRef": {
        "entrypoint": "main",
        "templates": [
            {
                "name": "main",
                "steps": [[{"name": "s", "templateRef": {"name": "lib", "template": "say"}}]],
            }
        ],
        "arguments": {"parameters": [{"name": "msg", "value": "x"}]},
    },
}


@pytest.mark.parametrize("ref", list(REFS))
def test_a_template_not_in_the_map_is_asked_for_and_nothing_is_decided(ref: str) -> None:
    wf = _wf(REFS[ref])
    decision = operate(wf, Observed(), START, MappingResolver((), looked_up=()))
    assert decision.needs_templates == (LIB,)
    assert decision.actions == ()
    assert decision.status.phase == ""  # unchanged: not even started


@pytest.mark.parametrize("ref", list(REFS))
def test_a_looked_up_template_that_does_not_exist_ends_the_workflow(ref: str) -> None:
    decision = operate(_wf(REFS[ref]), Observed(), START, MappingResolver((), looked_up=[LIB]))
    assert decision.needs_templates == ()
    if ref == "workflowTemplateRef":
        assert decision.status.phase == "Error"
        assert decision.status.message == 'workflowtemplates.argoproj.io "lib" not found'
    else:  # the step's node errors, and the steps fail with it
        [step] = [n for n in (decision.status.nodes or {}).values() if n.display_name == "s"]
        assert step.phase == "Error"
        assert step.message == 'workflowtemplates.argoproj.io "lib" not found'
        assert decision.status.phase == "Failed"


def test_templates_reached_through_a_template_are_asked_for_one_at_a_time() -> None:
    outer = _library(
        "lib",
        [
            {
                "name": "far",
                "steps": [
                    [
                        {
                            "name": "o",
                            "templateRef": {"name": "other", "template": "say"},
                            "arguments": MSG,
                        }
                    ]
                ],
            }
        ],
    )
    wf = _wf(
        {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "steps": [[{"name": "s", "templateRef": {"name": "lib", "template": "far"}}]],
                }
            ],
        }
    )
    templates = MappingResolver((), looked_up=())
    asked = []
    for _ in range(5):
        decision = operate(wf, Observed(), START, templates)
        if not decision.needs_templates:
            break
        asked += decision.needs_templates
        found = [
            t
            for t in (outer, _library("other"))
            if (("namespaced", t.metadata.name),) == decision.needs_templates
        ]
        templates = templates.with_lookups(decision.needs_templates, found)
    assert asked == [LIB, ("namespaced", "other")]
    assert decision.status.phase == "Running"
    assert set(decision.status.stored_templates or {}) == {
        "namespaced/lib/far",
        "namespaced/other/say",
    }


# -- artifact garbage collection -------------------------------------------------------


def _producing(wf_gc: str | None, own: str | None) -> Workflow:
    outputs: list[dict[str, Any]] = [
        {"name": "plain", "path": "/tmp/p"},
        {"name": "own", "path": "/tmp/o"},
    ]
    if own is not None:
        outputs[1]["artifactGC"] = {"strategy": own}
    spec: dict[str, Any] = {
        "entrypoint": "make",
        "templates": [
            {"name": "make", "container": {"image": "x"}, "outputs": {"artifacts": outputs}}
        ],
    }
    if wf_gc is not None:
        spec["artifactGC"] = {"strategy": wf_gc}
    return _wf(spec)


def _completed(wf_gc: str | None, own: str | None) -> Simulator:
    sim = Simulator(_producing(wf_gc, own)).run()
    assert sim.status.phase == "Succeeded"
    return sim


def _asked(sim: Simulator) -> list[CollectArtifacts]:
    return [a for a in sim.decisions[-1].actions if isinstance(a, CollectArtifacts)]


@pytest.mark.parametrize(
    ("wf_gc", "own", "collected"),
    [
        (None, None, None),
        ("Never", None, None),
        ("OnWorkflowCompletion", None, ["plain", "own"]),
        ("OnWorkflowDeletion", None, []),
        (None, "OnWorkflowCompletion", ["own"]),
        ("OnWorkflowCompletion", "Never", ["plain"]),
        ("OnWorkflowDeletion", "OnWorkflowCompletion", ["own"]),
    ],
    ids=[
        "unset",
        "never",
        "on-completion",
        "on-deletion",
        "artifact-opts-in",
        "artifact-opts-out",
        "artifact-earlier",
    ],
)
def test_the_completing_decision_asks_for_what_completion_collects(
    wf_gc: str | None, own: str | None, collected: list[str] | None
) -> None:
    sim = _completed(wf_gc, own)
    asked = _asked(sim)
    gc = sim.status.artifact_gc_status
    if collected is None:  # nothing asks for collection: the status says nothing of it
        assert asked == [] and gc is None
    elif not collected:  # asked only at deletion: recorded as done for completion
        assert asked == [] and gc is not None and gc.processed("OnWorkflowCompletion")
    else:
        [action] = asked
        assert [i.artifact.name for i in action.artifacts] == collected
        assert gc is None  # recorded only once the outcome is seen


def test_the_next_decision_records_the_outcome_once() -> None:
    sim = _completed("OnWorkflowCompletion", None)
    [action] = _asked(sim)
    node_id = action.artifacts[0].node_id
    outcome = Collected(deleted=frozenset({(node_id, "plain")}), failed=("own: access denied",))
    decision = operate(sim.wf, Observed(collected=outcome), START)
    arts = {a.name: a for a in decision.status.nodes[node_id].outputs.artifacts}  # type: ignore[index, union-attr]
    assert (arts["plain"].deleted, arts["own"].deleted) == (True, None)
    assert decision.status.artifact_gc_status is not None
    assert decision.status.artifact_gc_status.processed("OnWorkflowCompletion")
    events = [(a.reason, a.type) for a in decision.actions if isinstance(a, EmitEvent)]
    assert events == [("ArtifactGCCompleted", "Normal"), ("ArtifactGCFailed", "Warning")]
    recorded = sim.wf.model_copy(update={"status": decision.status})
    again = operate(recorded, Observed(), START)
    assert again.actions == () and again.status == decision.status
