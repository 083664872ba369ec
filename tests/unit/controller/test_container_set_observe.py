"""The controller passes a containerSet pod's container states to the engine (its
Container nodes follow them), and nothing of other pods' containers (their states
would only cost reconciles)."""

from __future__ import annotations

from workflow_engine.controller.observe import pod_state
from workflow_engine.engine.observed import ContainerState
from workflow_engine.runtime.base import ContainerObservation, PodObservation
from workflow_engine.vocabulary import CONTAINER_SET_ANNOTATION

CONTAINERS = (
    ContainerObservation("a", "terminated", 3, "Error", "boom"),
    ContainerObservation("main", "running"),
)


def pod(annotations: dict[str, str]) -> PodObservation:
    return PodObservation(
        name="p",
        namespace="default",
        phase="Running",
        annotations=annotations,
        containers=CONTAINERS,
    )


def test_a_set_pod_reports_its_containers() -> None:
    state = pod_state(pod({CONTAINER_SET_ANNOTATION: "true"}))
    assert state.containers == (
        ContainerState("a", "terminated", 3, "Error", "boom"),
        ContainerState("main", "running"),
    )


def test_other_pods_report_none() -> None:
    assert pod_state(pod({})).containers == ()
