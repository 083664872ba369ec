"""Synchronization in the pure core: a workflow or node waits, Pending and saying why,
until the controller grants its locks; holdings are recorded in
`status.synchronization` (Argo's shape) and released when the holder finishes.
Argo's behaviour: docs/synchronization.md and workflow/sync/ in argoproj/argo-workflows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from workflow_engine.engine import CreatePod, Observed, PodState, operate
from workflow_engine.engine.sync import LockRequest, LockView, lock_keys, requests_of
from workflow_engine.spec.models import Workflow, WorkflowStatus

NOW = datetime(2024, 1, 1, tzinfo=UTC)
MUTEX = "default/Mutex/deploy"
SEMAPHORE = "default/ConfigMap/limits/builds"


def workflow(spec_sync: dict[str, Any] | None, template_sync: dict[str, Any] | None) -> Workflow:
    template: dict[str, Any] = {"name": "main", "container": {"image": "alpine"}}
    if template_sync:
        template["synchronization"] = template_sync
    spec: dict[str, Any] = {"entrypoint": "main", "templates": [template]}
    if spec_sync:
        spec["synchronization"] = spec_sync
    return Workflow.model_validate(
        {"metadata": {"name": "wf", "namespace": "default"}, "spec": spec}
    )


def step(wf: Workflow, view: LockView, pod: PodState | None = None) -> tuple[Workflow, Any]:
    pods = {pod.name: pod} if pod else {}
    decision = operate(wf, Observed(pods=pods, locks=view), NOW)
    return wf.model_copy(update={"status": decision.status}), decision


@pytest.mark.parametrize(
    "block,keys",
    [
        pytest.param({"mutex": {"name": "deploy"}}, [MUTEX], id="mutex"),
        pytest.param(
            {"semaphore": {"configMapKeyRef": {"name": "limits", "key": "builds"}}},
            [SEMAPHORE],
            id="semaphore",
        ),
        pytest.param(
            {"mutexes": [{"name": "a"}, {"name": "b", "namespace": "other"}]},
            ["default/Mutex/a", "other/Mutex/b"],
            id="plural-and-namespace",
        ),
    ],
)
def test_lock_keys(block: dict[str, Any], keys: list[str]) -> None:
    assert lock_keys(block, "default") == keys


def test_workflow_waits_pending_until_granted_then_releases_on_completion() -> None:
    wf = workflow({"mutex": {"name": "deploy"}}, None)
    wf, decision = step(wf, LockView(counts={MUTEX: (0, 1)}))
    status = decision.status
    assert (status.phase, status.message) == (
        "Pending",
        f"Waiting for {MUTEX} lock. Lock status: 0/1",
    )
    assert status.synchronization == {"mutex": {"waiting": [{"mutex": MUTEX, "holder": "wf"}]}}
    assert not status.nodes and not decision.actions

    wf, decision = step(wf, LockView(granted=frozenset({LockRequest(MUTEX, "wf")})))
    assert decision.status.phase == "Running" and decision.status.message is None
    assert decision.status.synchronization == {
        "mutex": {"holding": [{"mutex": MUTEX, "holder": "wf"}]}
    }
    assert any(isinstance(a, CreatePod) for a in decision.actions)

    wf, decision = step(wf, LockView())  # held from the status, no grant needed again
    assert decision.status.synchronization is not None
    done = PodState(name="wf", phase="Succeeded", exit_code=0, finished_at=NOW)
    wf, decision = step(wf, LockView(), done)
    assert decision.status.phase == "Succeeded"
    assert decision.status.synchronization is None


def test_node_waits_with_message_and_its_lock_is_released_when_it_ends() -> None:
    sync = {"semaphore": {"configMapKeyRef": {"name": "limits", "key": "builds"}}}
    wf = workflow(None, sync)
    wf, decision = step(wf, LockView(counts={SEMAPHORE: (0, 2)}))
    [node] = decision.status.nodes.values()
    assert decision.status.phase == "Running"
    assert (node.phase, node.message) == (
        "Pending",
        f"Waiting for {SEMAPHORE} lock. Lock status: 0/2",
    )
    assert requests_of(decision.status.synchronization, "waiting") == [
        LockRequest(SEMAPHORE, node.id)
    ]
    assert not any(isinstance(a, CreatePod) for a in decision.actions)

    wf, decision = step(wf, LockView(granted=frozenset({LockRequest(SEMAPHORE, node.id)})))
    node = decision.status.nodes[node.id]
    assert node.message is None
    assert [a.node_id for a in decision.actions if isinstance(a, CreatePod)] == [node.id]
    assert decision.status.synchronization == {
        "semaphore": {"holding": [{"semaphore": SEMAPHORE, "holders": [node.id]}]}
    }
    failed = PodState(name="wf", phase="Failed", exit_code=1, finished_at=NOW)
    wf, decision = step(wf, LockView(), failed)
    assert decision.status.phase == "Failed"
    assert decision.status.synchronization is None


def test_a_lock_that_cannot_be_had_errors_the_workflow() -> None:
    sync = {"semaphore": {"configMapKeyRef": {"name": "limits", "key": "builds"}}}
    wf = workflow(sync, None)
    reason = 'configmap "limits" not found'
    _, decision = step(wf, LockView(errors={SEMAPHORE: reason}))
    assert (decision.status.phase, decision.status.message) == ("Error", reason)


def test_a_bad_synchronization_block_errors_the_node() -> None:
    wf = workflow(None, {"semaphore": {"configMapKeyRef": {"name": "limits"}}})
    _, decision = step(wf, LockView())
    assert decision.status.phase == "Error"
    [node] = decision.status.nodes.values()
    assert "configMapKeyRef needs a name and a key" in (node.message or "")


def test_waiting_status_round_trips_through_the_wire_form() -> None:
    _, decision = step(workflow({"mutex": {"name": "deploy"}}, None), LockView())
    wire = decision.status.model_dump(mode="json", by_alias=True, exclude_none=True)
    back = WorkflowStatus.model_validate(wire)
    assert requests_of(back.synchronization, "waiting") == [LockRequest(MUTEX, "wf")]


def test_a_stopped_workflow_waiting_for_its_lock_ends_failed() -> None:
    wf, _ = step(workflow({"mutex": {"name": "deploy"}}, None), LockView())
    wf = wf.model_copy(update={"spec": wf.spec.model_copy(update={"shutdown": "Stop"})})
    _, decision = step(wf, LockView())
    assert decision.status.phase == "Failed"
    assert decision.status.message == "Stopped with strategy 'Stop'"
    assert decision.status.synchronization is None


def test_a_stopped_steps_node_waiting_for_its_lock_fails() -> None:
    steps = {
        "name": "main",
        "synchronization": {"mutex": {"name": "deploy"}},
        "steps": [[{"name": "a", "template": "leaf"}]],
    }
    leaf = {"name": "leaf", "container": {"image": "alpine"}}
    spec = {"entrypoint": "main", "templates": [steps, leaf]}
    wf = Workflow.model_validate({"metadata": {"name": "wf"}, "spec": spec})
    wf, decision = step(wf, LockView())
    [node] = decision.status.nodes.values()
    assert (node.type, node.phase) == ("Steps", "Pending")
    wf = wf.model_copy(update={"spec": wf.spec.model_copy(update={"shutdown": "Terminate"})})
    _, decision = step(wf, LockView())
    node = decision.status.nodes[node.id]
    assert (node.phase, node.message) == ("Failed", "Stopped with strategy 'Terminate'")
    assert decision.status.phase == "Failed"
    assert decision.status.synchronization is None


def test_lock_names_take_workflow_and_input_parameters() -> None:
    template = {
        "name": "main",
        "inputs": {"parameters": [{"name": "env", "value": "prod"}]},
        "synchronization": {"mutex": {"name": "deploy-{{inputs.parameters.env}}"}},
        "container": {"image": "alpine"},
    }
    spec = {
        "entrypoint": "main",
        "arguments": {"parameters": [{"name": "team", "value": "blue"}]},
        "synchronization": {"mutex": {"name": "team-{{workflow.parameters.team}}"}},
        "templates": [template],
    }
    wf = Workflow.model_validate({"metadata": {"name": "wf"}, "spec": spec})
    _, decision = step(wf, LockView())
    assert requests_of(decision.status.synchronization, "waiting") == [
        LockRequest("default/Mutex/team-blue", "wf")
    ]
    granted = frozenset({LockRequest("default/Mutex/team-blue", "wf")})
    wf, decision = step(wf.model_copy(update={"status": decision.status}), LockView(granted))
    [node] = decision.status.nodes.values()
    assert LockRequest("default/Mutex/deploy-prod", node.id) in requests_of(
        decision.status.synchronization, "waiting"
    )
