"""containerSet templates in the pure core: a pod node and a Container node per member
that follow the pod's container states. Argo's behaviour: executeContainerSet
(workflow/controller/container_set_template.go) and the container loop of
podReconciliation (workflow/controller/operator.go) in argoproj/argo-workflows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from workflow_engine.engine import CreatePod, DeletePod, Observed, PodState, operate
from workflow_engine.engine.container_set import POD_FAILED_MESSAGE
from workflow_engine.engine.observed import ContainerState
from workflow_engine.spec.models import NodeStatus, Workflow

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def workflow(**template_fields: Any) -> Workflow:
    members = [
        {"name": "a", "image": "busybox", "command": ["true"]},
        {"name": "side", "image": "busybox", "command": ["true"]},
        {"name": "main", "image": "busybox", "command": ["true"], "dependencies": ["a"]},
    ]
    template = {"name": "set", "containerSet": {"containers": members}, **template_fields}
    spec = {"entrypoint": "set", "templates": [template]}
    return Workflow.model_validate({"metadata": {"name": "wf"}, "spec": spec})


def by_display(wf: Workflow) -> dict[str, NodeStatus]:
    assert wf.status is not None
    return {n.display_name or n.name: n for n in wf.status.nodes.values()}


def started() -> tuple[Workflow, str]:
    wf = workflow()
    decision = operate(wf, Observed(), NOW)
    [create] = [a for a in decision.actions if isinstance(a, CreatePod)]
    return wf.model_copy(update={"status": decision.status}), create.pod_name


def observe(wf: Workflow, pod: str, phase: str, *containers: ContainerState) -> Workflow:
    state = PodState(name=pod, phase=phase, containers=containers)  # type: ignore[arg-type]
    main = next((c for c in containers if c.name == "main"), None)
    if main is not None and main.state == "terminated":
        state = PodState(
            name=pod,
            phase=phase,  # type: ignore[arg-type]
            exit_code=main.exit_code,
            containers=containers,
        )
    decision = operate(wf, Observed(pods={pod: state}), NOW + timedelta(seconds=5))
    return wf.model_copy(update={"status": decision.status})


def ended(name: str, code: int, reason: str = "") -> ContainerState:
    return ContainerState(
        name, "terminated", code, reason or ("Completed" if not code else "Error")
    )


def test_a_pod_node_and_a_container_node_per_member() -> None:
    wf, _ = started()
    nodes = by_display(wf)
    pod = nodes["wf"]
    assert (pod.type, pod.phase) == ("Pod", "Pending")
    for member in ("a", "side", "main"):
        node = nodes[member]
        assert (node.type, node.phase, node.name) == ("Container", "Pending", f"wf.{member}")
        assert node.boundary_id == pod.id and node.template_name == "set"
    assert sorted(pod.children or []) == sorted([nodes["a"].id, nodes["side"].id])
    assert nodes["a"].children == [nodes["main"].id]


def test_container_nodes_follow_their_containers() -> None:
    wf, pod = started()
    wf = observe(
        wf,
        pod,
        "Running",
        ContainerState("a", "running"),
        ended("side", 0),
        ContainerState("main", "running"),  # waiting for `a` in its executor
    )
    phases = {k: n.phase for k, n in by_display(wf).items()}
    assert phases == {"wf": "Running", "a": "Running", "side": "Succeeded", "main": "Running"}


@pytest.mark.parametrize(
    ("a_code", "main_code", "a_phase", "main_phase"),
    [(3, 64, "Failed", "Error"), (0, 2, "Succeeded", "Failed")],
    ids=["dependency-failed", "main-failed"],
)
def test_a_failed_member_fails_the_set(
    a_code: int, main_code: int, a_phase: str, main_phase: str
) -> None:
    wf, pod = started()
    wf = observe(wf, pod, "Failed", ended("a", a_code), ended("side", 0), ended("main", main_code))
    nodes = by_display(wf)
    assert nodes["wf"].phase == "Failed"
    culprit = a_code or main_code
    assert nodes["wf"].message == f"Error (exit code {culprit})"  # Argo: the first failed
    assert (nodes["a"].phase, nodes["side"].phase) == (a_phase, "Succeeded")
    assert nodes["main"].phase == main_phase
    assert nodes["main"].message == f"main: Error (exit code {main_code})"
    assert wf.status is not None and wf.status.phase == "Failed"


def test_all_members_succeeded() -> None:
    wf, pod = started()
    wf = observe(wf, pod, "Succeeded", ended("a", 0), ended("side", 0), ended("main", 0))
    assert {n.phase for n in by_display(wf).values()} == {"Succeeded"}
    assert wf.status is not None and wf.status.phase == "Succeeded"


def test_a_member_still_running_when_the_pod_failed() -> None:
    wf, pod = started()
    wf = observe(
        wf, pod, "Failed", ended("a", 1), ContainerState("side", "running"), ended("main", 64)
    )
    side = by_display(wf)["side"]
    assert (side.phase, side.message) == ("Failed", "Pod Failed whilst container running")


def test_members_end_with_a_pod_that_vanished() -> None:
    wf, pod = started()
    wf = observe(wf, pod, "Running", ContainerState("a", "running"))
    decision = operate(wf, Observed(), NOW + timedelta(seconds=9))
    nodes: dict[str, Any] = {n.display_name: n for n in decision.status.nodes.values()}
    assert (nodes["wf"].phase, nodes["wf"].message) == ("Error", "pod deleted")
    for member in ("a", "side", "main"):
        assert (nodes[member].phase, nodes[member].message) == ("Error", "pod deleted")


def test_a_template_retry_runs_a_new_pod_with_its_own_members() -> None:
    """The template's retryStrategy (not the set's) retries the whole pod, as for any
    template: each attempt is a pod node with Container nodes of its own."""
    wf = workflow(retryStrategy={"limit": 1})
    decision = operate(wf, Observed(), NOW)
    wf = wf.model_copy(update={"status": decision.status})
    [first] = [a for a in decision.actions if isinstance(a, CreatePod)]
    wf = observe(wf, first.pod_name, "Failed", ended("a", 1), ended("side", 0), ended("main", 64))
    decision = operate(wf, Observed(), NOW + timedelta(seconds=10))
    names = {n.name: n for n in decision.status.nodes.values()}
    assert names["wf"].type == "Retry"
    assert (names["wf(0)"].phase, names["wf(0).a"].phase) == ("Failed", "Failed")
    assert names["wf(1)"].type == "Pod"
    assert {names[f"wf(1).{m}"].phase for m in ("a", "side", "main")} == {"Pending"}
    assert names["wf(1).a"].boundary_id == names["wf(1)"].id


def test_a_member_that_could_not_start_ends_the_pod() -> None:
    """Its executor never ran, so nothing would ever tell the members waiting for it:
    the pod is deleted and the set fails with that member's cause."""
    wf, pod = started()
    cannot = ContainerState("a", "terminated", 128, "ContainerCannotRun", "no such volume")
    state = PodState(
        name=pod,
        phase="Running",
        containers=(cannot, ended("side", 0), ContainerState("main", "running")),
    )
    decision = operate(wf, Observed(pods={pod: state}), NOW + timedelta(seconds=5))
    nodes = {n.display_name: n for n in decision.status.nodes.values()}
    assert [a.pod_name for a in decision.actions if isinstance(a, DeletePod)] == [pod]
    assert nodes["wf"].phase == "Failed"
    assert nodes["wf"].message == "ContainerCannotRun (exit code 128): no such volume"
    assert nodes["a"].phase == "Failed"
    assert (nodes["main"].phase, nodes["main"].message) == ("Failed", POD_FAILED_MESSAGE)
    assert nodes["side"].phase == "Succeeded"


def test_succeeded_members_carry_no_message() -> None:
    wf, pod = started()
    wf = observe(wf, pod, "Succeeded", ended("a", 0), ended("side", 0), ended("main", 0))
    assert {n.message for n in by_display(wf).values()} == {None}
