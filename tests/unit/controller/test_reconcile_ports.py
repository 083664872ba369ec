"""The controller around the real `operate()`: WorkflowTemplates fetched before the
decision (the engine only gets a frozen map), artifact GC as a Decision action whose
outcome the next decision records, and one store write per decision. Real: MemoryStore,
the engine, the status codec; fake: the Runtime (FakeRuntime), the artifact
collector (records what it was asked to delete) and, where a test says, the volume
claims (FlakyClaims, or the default NoClaims that makes none)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from tests.unit.controller.fakes import FakeRuntime, fake_pod
from workflow_engine.controller.clock import ManualClock
from workflow_engine.controller.events import MemoryEventLog
from workflow_engine.controller.indexes import PodIndex, ResultIndex
from workflow_engine.controller.reconcile import Engine, Reconciler
from workflow_engine.engine import CollectArtifacts, Collected, operate
from workflow_engine.errors import TransientError
from workflow_engine.spec.models import Workflow
from workflow_engine.spec.resolver import MappingResolver
from workflow_engine.spec.status_codec import status_from_dict, status_to_dict
from workflow_engine.store import MemoryStore

KEY = ("default", "wf")


class Collector:
    def __init__(self) -> None:
        self.asked: list[CollectArtifacts] = []

    def __call__(self, wf: Workflow, action: CollectArtifacts) -> Collected:
        self.asked.append(action)
        return Collected(deleted=frozenset((i.node_id, i.artifact.name) for i in action.artifacts))


class Maps:
    """The real operate(), noting the template maps it was handed."""

    def __init__(self) -> None:
        self.maps: list[Any] = []

    def __call__(self, wf: Workflow, observed: Any, now: Any, templates: Any) -> Any:
        self.maps.append(templates)
        return operate(wf, observed, now, templates)


@pytest.fixture
def collector() -> Collector:
    return Collector()


@pytest.fixture
def maps() -> Maps:
    return Maps()


@pytest.fixture
def reconciler(collector: Collector, maps: Maps) -> Reconciler:
    engine = Engine(
        operate=maps,
        status_to_dict=status_to_dict,
        status_from_dict=status_from_dict,
        build_pod=fake_pod,
        collect_artifacts=collector,
    )
    return Reconciler(
        MemoryStore(),
        FakeRuntime(),
        engine,
        ManualClock(),
        MemoryEventLog(),
        PodIndex(),
        ResultIndex(),
    )


def _workflow(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "wfengine.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "wf", "namespace": "default"},
        "spec": spec,
    }


def _completed(store: MemoryStore, strategy: str) -> dict[str, Any]:
    obj = store.create(
        _workflow(
            entrypoint="main",
            artifactGC={"strategy": strategy},
            templates=[{"name": "main", "container": {"image": "x"}}],
        )
    )
    node = {
        "id": "wf",
        "name": "wf",
        "displayName": "wf",
        "type": "Pod",
        "phase": "Succeeded",
        "templateName": "main",
        "outputs": {"artifacts": [{"name": "out", "local": {"key": "wf/wf/out.tgz"}}]},
    }
    status = {"phase": "Succeeded", "nodes": {"wf": node}}
    return store.update_status({**obj, "status": status})


def _touch(reconciler: Reconciler) -> None:
    """A metadata change, offered to the controller's cache as its store watch does."""
    obj = reconciler.store.get("Workflow", "wf")
    meta = {**obj["metadata"], "annotations": {"touched": "1"}}
    assert reconciler.cache.offer(reconciler.store.update({**obj, "metadata": meta}))


def test_completion_gc_is_an_action_whose_outcome_the_next_decision_records(
    reconciler: Reconciler, collector: Collector
) -> None:
    store = reconciler.store
    before = _completed(store, "OnWorkflowCompletion")  # type: ignore[arg-type]
    first = reconciler.reconcile(KEY)
    assert [i.artifact.name for a in collector.asked for i in a.artifacts] == ["out"]
    assert first.requeue_after == 0.0  # to record the outcome at once
    assert store.get("Workflow", "wf")["status"] == before["status"]  # nothing marked yet
    reconciler.reconcile(KEY)
    status = store.get("Workflow", "wf")["status"]
    assert status["nodes"]["wf"]["outputs"]["artifacts"][0]["deleted"] is True
    assert status["artifactGCStatus"]["strategiesProcessed"] == {"OnWorkflowCompletion": True}
    assert [e.reason for e in reconciler.events.list("default", "wf")] == ["ArtifactGCCompleted"]
    # Later reconciles of the collected workflow (the earlier wiring raised
    # AttributeError on every one) neither fail nor collect again.
    _touch(reconciler)
    assert not reconciler.reconcile(KEY).skipped
    assert store.get("Workflow", "wf")["status"] == status
    assert len(collector.asked) == 1


def test_a_deletion_strategy_is_recorded_without_collecting_at_completion(
    reconciler: Reconciler, collector: Collector
) -> None:
    _completed(reconciler.store, "OnWorkflowDeletion")  # type: ignore[arg-type]
    reconciler.reconcile(KEY)
    status = reconciler.store.get("Workflow", "wf")["status"]
    assert collector.asked == []
    assert status["artifactGCStatus"]["strategiesProcessed"] == {"OnWorkflowCompletion": True}
    assert "deleted" not in status["nodes"]["wf"]["outputs"]["artifacts"][0]


def test_one_store_write_per_decision_carries_status_and_labels(reconciler: Reconciler) -> None:
    store = reconciler.store
    created = store.create(
        _workflow(entrypoint="main", templates=[{"name": "main", "container": {"image": "x"}}])
    )
    changes = store.watch("Workflow", resource_version=created["metadata"]["resourceVersion"])
    reconciler.reconcile(KEY)
    event = next(changes)
    assert event.object["status"]["phase"] == "Running"
    assert event.object["metadata"]["labels"]["workflows.argoproj.io/phase"] == "Running"
    assert event.object["metadata"]["resourceVersion"] == str(
        int(created["metadata"]["resourceVersion"]) + 1
    )
    assert (
        store.get("Workflow", "wf")["metadata"]["resourceVersion"]
        == (event.object["metadata"]["resourceVersion"])
    )


LIBRARY_SAY = {"name": "library", "template": "say"}
LIBRARY = {
    "apiVersion": "wfengine.io/v1alpha1",
    "kind": "WorkflowTemplate",
    "metadata": {"name": "library", "namespace": "default"},
    "spec": {"templates": [{"name": "say", "container": {"image": "x"}}]},
}


@pytest.mark.parametrize(
    ("spec", "stored_key"),
    [
        ({"workflowTemplateRef": {"name": "library"}, "entrypoint": "say"}, None),
        (
            {
                "entrypoint": "main",
                "templates": [
                    {
                        "name": "main",
                        "steps": [
                            [{"name": "s", "templateRef": {"name": "library", "template": "say"}}]
                        ],
                    }
                ],
            },
            "namespaced/library/say",
        ),
    ],
    ids=["workflowTemplateRef", "templateRef"],
)
def test_referenced_templates_are_fetched_before_the_decision(
    reconciler: Reconciler, maps: Maps, spec: dict[str, Any], stored_key: str | None
) -> None:
    reconciler.store.create(LIBRARY)
    reconciler.store.create(_workflow(**spec))
    reconciler.reconcile(KEY)
    status = reconciler.store.get("Workflow", "wf")["status"]
    assert status["phase"] == "Running"
    if stored_key is None:
        assert status["storedWorkflowTemplateSpec"]["templates"][0]["name"] == "say"
    else:
        assert stored_key in status["storedTemplates"]
    assert all(isinstance(m, MappingResolver) for m in maps.maps)
    assert [m.knows(("namespaced", "library")) for m in maps.maps] == [False, True]
    assert len(reconciler.runtime.created) == 1  # type: ignore[attr-defined]
    # Recorded in the status: the next decision needs no lookup.
    maps.maps.clear()
    _touch(reconciler)
    assert not reconciler.reconcile(KEY).skipped
    assert [m.knows(("namespaced", "library")) for m in maps.maps] == [False]


def test_a_missing_workflow_template_ends_the_workflow_as_error(reconciler: Reconciler) -> None:
    reconciler.store.create(_workflow(workflowTemplateRef={"name": "nope"}, entrypoint="x"))
    reconciler.reconcile(KEY)
    obj = reconciler.store.get("Workflow", "wf")
    assert obj["status"]["phase"] == "Error"
    assert obj["status"]["message"] == 'workflowtemplates.argoproj.io "nope" not found'
    assert obj["metadata"]["labels"]["workflows.argoproj.io/completed"] == "true"


def test_a_claim_that_cannot_be_made_ends_the_workflow_before_any_pod(
    reconciler: Reconciler,
) -> None:
    """CreateClaims comes before the pods of its decision; a claim the controller cannot
    make (here the default NoClaims) ends the workflow Error with the reason, once."""
    reconciler.store.create(
        _workflow(
            entrypoint="main",
            volumeClaimTemplates=[{"metadata": {"name": "work"}, "spec": {}}],
            templates=[{"name": "main", "container": {"image": "x"}}],
        )
    )
    reconciler.reconcile(KEY)
    status = reconciler.store.get("Workflow", "wf")["status"]
    assert status["phase"] == "Error"
    assert status["message"] == "this controller cannot create volume claims"
    assert reconciler.runtime.created == []  # type: ignore[attr-defined]


class FlakyClaims:
    """The Claims port in memory, failing its first create as an API outage would."""

    def __init__(self) -> None:
        self.made: list[str] = []
        self.failures = 1

    def create(self, manifest: Mapping[str, Any]) -> None:
        if self.failures:
            self.failures -= 1
            raise TransientError("the API server is not answering")
        self.made.append(manifest["metadata"]["name"])

    def delete(self, namespace: str, name: str) -> None:
        self.made.remove(name)

    def release(self, namespace: str, workflow: str) -> None:
        return None


def test_a_claim_that_failed_after_the_status_write_still_comes_before_the_pod(
    reconciler: Reconciler,
) -> None:
    claims = FlakyClaims()
    reconciler.claims = claims
    reconciler.store.create(
        _workflow(
            entrypoint="main",
            volumeClaimTemplates=[{"metadata": {"name": "work"}, "spec": {}}],
            templates=[{"name": "main", "container": {"image": "x"}}],
        )
    )
    with pytest.raises(TransientError):
        reconciler.reconcile(KEY)  # the loop retries it with backoff
    status = reconciler.store.get("Workflow", "wf")["status"]
    assert status["persistentVolumeClaims"][0]["persistentVolumeClaim"] == {"claimName": "wf-work"}
    assert reconciler.runtime.created == []  # type: ignore[attr-defined]
    reconciler.reconcile(KEY)
    assert claims.made == ["wf-work"]
    assert len(reconciler.runtime.created) == 1  # type: ignore[attr-defined]
